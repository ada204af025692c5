using System.CommandLine;
using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Cli.Commands;

/// <summary><c>idbridge schema</c>: Microsoft Graph synchronization schemas (attribute mappings and scoping filters).</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var command = new Command("schema",
            "Work with synchronization schemas in Microsoft Graph's JSON form (GET .../synchronization/jobs/{id}/schema): " +
            "validate one, or print the shipped default.");
        command.Subcommands.Add(CreateValidate());
        command.Subcommands.Add(CreateDefault());
        return command;
    }

    private static Command CreateValidate()
    {
        var file = new Argument<FileInfo>("file") { Description = "The schema's JSON file ('-' reads standard input)." };
        var command = new Command("validate",
            "Check a synchronization schema and list every problem with its JSON path: unknown or duplicate target " +
            "attributes, object mappings without a matching attribute, expressions that do not parse, bad scoping " +
            "filters. Exit status: 0 valid, 1 problems found, 2 the file cannot be read as a schema.");
        command.Arguments.Add(file);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var info = parse.GetValue(file)!;
            string json;
            try
            {
                json = info.Name == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(info.FullName, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Cannot read {info.FullName}: {e.Message}");
                return 2;
            }

            var read = SynchronizationSchemaJson.Read(json);
            if (!read.Succeeded)
            {
                foreach (var problem in read.Problems) Console.Out.WriteLine(problem);
                return 2;
            }
            var compilation = SchemaCompiler.Compile(read.Schema!);
            foreach (var problem in compilation.Problems) Console.Out.WriteLine(problem);
            if (!compilation.Succeeded)
            {
                Console.Out.WriteLine($"{compilation.Problems.Count} problem{(compilation.Problems.Count == 1 ? "" : "s")}.");
                return 1;
            }
            var mappings = compilation.Schema!.ObjectMappings;
            Console.Out.WriteLine($"Valid: {mappings.Count} object mapping{(mappings.Count == 1 ? "" : "s")} " +
                                  $"({string.Join(", ", mappings.Select(m => $"{m.SourceObjectName} -> {m.TargetObjectName}{(m.Enabled ? "" : " (disabled)")}"))}), " +
                                  $"{mappings.Sum(m => m.AttributeMappings.Count)} attribute mappings.");
            return 0;
        });
        return command;
    }

    private static Command CreateDefault()
    {
        var name = new Argument<string>("target") { Description = $"The target application: {string.Join(", ", DefaultSchemas.Names)}." };
        name.CompletionSources.Add(DefaultSchemas.Names.ToArray());
        var command = new Command("default",
            "Print a shipped default schema, e.g. 'idbridge schema default servicenow'. Choices Microsoft does not " +
            "confirm are marked in the document with @IdentityBridge.unconfirmed notes.");
        command.Arguments.Add(name);
        command.SetAction(parse =>
        {
            var target = parse.GetValue(name)!;
            if (DefaultSchemas.Find(target) is not { } json)
            {
                Console.Error.WriteLine($"No shipped schema for '{target}'; there is one for {string.Join(", ", DefaultSchemas.Names)}.");
                return 2;
            }
            Console.Out.Write(json);
            return 0;
        });
        return command;
    }
}
