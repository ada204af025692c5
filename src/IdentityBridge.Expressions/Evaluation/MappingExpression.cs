using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>The outcome of compiling: an expression ready to evaluate, or every problem found.</summary>
public sealed record CompileResult(MappingExpression? Expression, IReadOnlyList<ExpressionError> Errors)
{
    public bool Succeeded => Expression is not null;
}

/// <summary>
/// An attribute-mapping expression, compiled once and evaluated many times (spec §3): thread-safe, since all the
/// state of an evaluation lives on the caller's stack; evaluation never blocks and reports problems as results.
/// </summary>
public sealed class MappingExpression
{
    private readonly Node _root;

    private MappingExpression(ExpressionSyntax syntax, Node root, string text)
    {
        Syntax = syntax;
        _root = root;
        Text = text;
        Attributes = AttributesOf(syntax);
        SelectsUniqueValue = syntax is FunctionCallSyntax { Name: "SelectUniqueValue" };
    }

    /// <summary>The expression's text as it was given, or printed from the tree it was compiled from.</summary>
    public string Text { get; }

    public ExpressionSyntax Syntax { get; }

    /// <summary>The source attributes the expression reads, each once, in the order they appear.</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>Whether this is a SelectUniqueValue, which needs <see cref="EvaluateAsync"/> and a uniqueness check.</summary>
    public bool SelectsUniqueValue { get; }

    public static CompileResult Compile(string text)
    {
        var parsed = ExpressionParser.Parse(text);
        return parsed.Succeeded ? Build(parsed.Syntax!, text) : new CompileResult(null, parsed.Errors);
    }

    /// <summary>Compiles a tree built elsewhere (from a Graph source tree), checking it as parsed text is checked.</summary>
    public static CompileResult Compile(ExpressionSyntax syntax)
    {
        var errors = SyntaxValidator.Validate(syntax);
        return errors.Count > 0 ? new CompileResult(null, errors) : Build(syntax, ExpressionPrinter.Print(syntax));
    }

    /// <summary>Compiles text that must be valid, such as the shipped default mappings; throws otherwise.</summary>
    public static MappingExpression CompileValid(string text)
    {
        var result = Compile(text);
        return result.Expression ?? throw new ArgumentException($"Not a valid expression: {result.Errors[0]}", nameof(text));
    }

    private static CompileResult Build(ExpressionSyntax syntax, string text)
    {
        var root = ExpressionCompiler.Compile(syntax);
        return root is null
            ? new CompileResult(null, [new ExpressionError(ErrorCodes.NestingTooDeep, "The expression nests too deeply to be compiled here.", syntax.Span)])
            : new CompileResult(new MappingExpression(syntax, root, text), []);
    }

    public EvaluationResult Evaluate(IAttributeSource source, EvaluationContext? context = null)
    {
        var frame = new EvaluationFrame(source, context ?? EvaluationContext.Default);
        var value = _root.Evaluate(ref frame);
        return Result(value, ref frame);
    }

    /// <summary>
    /// Evaluates with a uniqueness check for SelectUniqueValue (spec §3.3): each rule in turn is evaluated and
    /// offered to <paramref name="isUnique"/>; the first free candidate is the value, and when all are taken the
    /// result is an error (Entra escrows the object). Other expressions evaluate as <see cref="Evaluate"/> does.
    /// </summary>
    public async ValueTask<EvaluationResult> EvaluateAsync(
        IAttributeSource source, UniquenessCheck isUnique, EvaluationContext? context = null, CancellationToken cancellationToken = default)
    {
        if (!SelectsUniqueValue) return Evaluate(source, context);
        context ??= EvaluationContext.Default;
        var rules = ((FunctionNode)_root).Arguments;
        var tried = new List<string>();
        foreach (var rule in rules)
        {
            var candidate = EvaluateRule(rule, source, context);
            if (!candidate.Succeeded) return candidate;
            if (!candidate.HasValue || candidate.Value.IsNullOrEmpty) continue;
            var text = candidate.Value.Text;
            if (text is null)
                return candidate with
                {
                    Value = default,
                    Error = new ExpressionError(ErrorCodes.MultiValuedNotAllowed,
                        "A SelectUniqueValue rule must give a single value.", rule.Span),
                };
            if (await isUnique(text, cancellationToken).ConfigureAwait(false)) return candidate;
            tried.Add(text);
        }
        return new EvaluationResult
        {
            Error = new ExpressionError(ErrorCodes.NoUniqueValue,
                $"Every SelectUniqueValue candidate is already taken in the target ({string.Join(", ", tried)}); add a rule " +
                "that gives another value.", _root.Span),
        };
    }

    private static EvaluationResult EvaluateRule(Node rule, IAttributeSource source, EvaluationContext context)
    {
        var frame = new EvaluationFrame(source, context);
        var value = rule.Evaluate(ref frame);
        return Result(value, ref frame);
    }

    private static EvaluationResult Result(ExpressionValue value, ref EvaluationFrame frame)
    {
        if (value.IsError) return new EvaluationResult { Error = value.Error, Redacted = frame.Redacted };
        // Entra trims the whitespace around a mapping's string result (spec §3.2), and around each string of a
        // multi-valued one: Microsoft's Split example turns "PermissionSetOne, PermissionSetTwo" into two values
        // without the space.
        if (NeedsTrimming(value)) value = ExpressionValue.FromString(value.Text!.Trim());
        else if (value.Kind == ValueKind.MultiValued && value.Values.Any(NeedsTrimming))
            value = ExpressionValue.FromValues(value.Values.Select(v => NeedsTrimming(v) ? ExpressionValue.FromString(v.Text!.Trim()) : v).ToArray());
        return new EvaluationResult
        {
            Value = value,
            FlowIgnored = frame.IgnoreFlow,
            Redacted = frame.Redacted,
            ReplacesValues = frame.ReplaceValues,
        };
    }

    private static bool NeedsTrimming(ExpressionValue value) =>
        value.Kind == ValueKind.String && value.Text! is { Length: > 0 } text && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]));

    private static IReadOnlyList<string> AttributesOf(ExpressionSyntax syntax)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<ExpressionSyntax>();
        pending.Push(syntax);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case AttributeSyntax attribute when seen.Add(attribute.Name):
                    names.Add(attribute.Name);
                    break;
                case FunctionCallSyntax call:
                    for (var i = call.Arguments.Count - 1; i >= 0; i--) pending.Push(call.Arguments[i]);
                    break;
                case ComparisonSyntax comparison:
                    pending.Push(comparison.Right);
                    pending.Push(comparison.Left);
                    break;
            }
        }
        return names;
    }

    public override string ToString() => Text;
}
