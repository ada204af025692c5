using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Functions;
using IdentityBridge.Expressions.Parsing;
using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge expr</c>: evaluates one attribute-mapping expression, as Entra's expression builder tests one against
/// sample values. Exit status 0 on success, 1 when the evaluation fails, 2 when the expression does not parse.
/// </summary>
internal static class ExprCommand
{
    public static Command Create()
    {
        var expression = new Argument<string?>("expression")
        {
            Description = "The expression, e.g. 'Join(\"@\", ToLower([mailNickname]), \"contoso.com\")'. Quote it for your shell.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var functions = new Option<bool>("--functions") { Description = "List the functions of the expression language and exit." };
        var objectFile = new Option<FileInfo?>("--object")
        {
            HelpName = "user.json",
            Description = "The source object as JSON (e.g. a Graph user); '-' reads it from standard input. Without it every attribute is null.",
        };
        var now = new Option<string?>("--now")
        {
            HelpName = "timestamp",
            Description = "The time Now() gives, e.g. 2026-03-10T07:00:00Z (default: the current time).",
        };
        var defaultDomain = new Option<string?>("--default-domain") { HelpName = "domain", Description = "What DefaultDomain() gives." };
        var taken = new Option<string[]>("--taken")
        {
            HelpName = "value",
            Description = "A value SelectUniqueValue must treat as already taken in the target (repeat for several).",
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = new Option<int?>("--seed") { Description = "Seed for Guid() and RandomString(), for repeatable output." };
        var graph = new Option<bool>("--graph")
        {
            Description = "Print Graph's parseExpression response instead: the source tree and, with --object, the evaluation result.",
        };

        var command = new Command("expr",
            "Evaluate an Entra attribute-mapping expression against a source object. Prints the value: text for a single " +
            "value, JSON for a multi-valued one, null when there is no value, (not flowed) when IgnoreFlowIfNullOrEmpty " +
            "drops the attribute; or the error with a caret under its position. Exit status: 0 success, 1 evaluation " +
            "error, 2 parse error or bad option.");
        command.Arguments.Add(expression);
        foreach (var option in new Option[] { objectFile, now, defaultDomain, taken, seed, graph, functions }) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(functions))
            {
                foreach (var function in FunctionCatalog.Functions.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
                    Console.Out.WriteLine($"{function.Name}({string.Join(", ", function.Parameters.Select(Describe))}): {function.Summary}");
                return 0;
            }
            if (parse.GetValue(expression) is not { } text)
            {
                Console.Error.WriteLine("Give the expression to evaluate, e.g. idbridge expr 'ToLower([mail])' --object user.json.");
                return 2;
            }
            AttributeBag source;
            try
            {
                source = await ReadObjectAsync(parse.GetValue(objectFile), cancellationToken) ?? new AttributeBag();
            }
            catch (Exception e) when (e is IOException or JsonException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"--object: {e.Message}");
                return 2;
            }

            var context = new EvaluationContext { DefaultDomain = parse.GetValue(defaultDomain) };
            if (parse.GetValue(now) is { } nowText)
            {
                if (!DateTimeOffset.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var fixedNow))
                {
                    Console.Error.WriteLine($"--now '{nowText}' is not a timestamp; use ISO 8601, e.g. 2026-03-10T07:00:00Z.");
                    return 2;
                }
                context = context with { TimeProvider = new FixedTimeProvider(fixedNow) };
            }
            if (parse.GetValue(seed) is { } seedValue) context = context with { Random = new Random(seedValue) };

            if (parse.GetValue(graph))
            {
                var response = ParseExpressionResponse.For(text, parse.GetValue(objectFile) is null ? null : source, context);
                Console.Out.WriteLine(response.ToJson());
                return response.ParsingSucceeded ? response.Error is null ? 0 : 1 : 2;
            }

            var compiled = MappingExpression.Compile(text);
            if (!compiled.Succeeded)
            {
                foreach (var error in compiled.Errors) PrintError(text, error);
                return 2;
            }
            var compiledExpression = compiled.Expression!;
            var takenValues = new HashSet<string>(parse.GetValue(taken) ?? [], StringComparer.OrdinalIgnoreCase);
            var result = compiledExpression.SelectsUniqueValue
                ? await compiledExpression.EvaluateAsync(source, (candidate, _) => ValueTask.FromResult(!takenValues.Contains(candidate)), context, cancellationToken)
                : compiledExpression.Evaluate(source, context);
            if (!result.Succeeded)
            {
                PrintError(text, result.Error!);
                return 1;
            }
            Console.Out.WriteLine(result.FlowIgnored ? "(not flowed)" : result.Value.ToString());
            if (result.Redacted) Console.Error.WriteLine("(provisioning logs show this value as [Redact])");
            if (result.ReplacesValues) Console.Error.WriteLine("(these values replace the target's instead of adding to them)");
            return 0;
        });
        return command;
    }

    private static string Describe(FunctionParameter parameter) =>
        (parameter.Required ? parameter.Name : $"[{parameter.Name}]") + (parameter.AllowMultipleOccurrences ? ", …" : "");

    private static async Task<AttributeBag?> ReadObjectAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null) return null;
        var json = file.Name == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file.FullName, cancellationToken);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return AttributeBag.FromJson(document.RootElement);
    }

    /// <summary>The line of the expression at fault, a caret under the fault, and the error.</summary>
    internal static void PrintError(string text, ExpressionError error)
    {
        var position = Math.Clamp(error.Span.Start, 0, text.Length);
        var lineStart = position == 0 ? 0 : text.LastIndexOf('\n', position - 1) + 1;
        var lineEnd = text.IndexOf('\n', position);
        if (lineEnd < 0) lineEnd = text.Length;
        var line = text[lineStart..lineEnd].Replace('\t', ' ').TrimEnd('\r');
        var column = position - lineStart;
        // Keep the caret on screen for long expressions (up to 10,000 characters): show a window around it.
        const int window = 70;
        if (column > window)
        {
            line = "…" + line[(column - window)..];
            column = window + 1;
        }
        if (line.Length > column + window) line = line[..(column + window)] + "…";
        var width = Math.Max(1, Math.Min(error.Span.Length, line.Length - column));
        Console.Error.WriteLine(line);
        Console.Error.WriteLine(new string(' ', column) + new string('^', width));
        Console.Error.WriteLine($"{error.Code} at character {position + 1}: {error.Message}");
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
