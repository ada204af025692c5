using System.Text.Json;
using System.Text.Json.Serialization;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Schema;

/// <summary>Graph's <c>publicError</c>, as parseExpression reports a failure.</summary>
public sealed record PublicError(string Code, string Message)
{
    public string? Target { get; init; }
}

/// <summary>
/// The result of Graph's <c>POST …/synchronization/jobs/{id}/schema/parseExpression</c> (spec §5.4): whether the
/// expression parsed, its source tree, and, when a test object was given, what it evaluates to.
/// </summary>
public sealed record ParseExpressionResponse
{
    public PublicError? Error { get; init; }

    /// <summary>The values the expression gave for the test object; several for a multi-valued result.</summary>
    public IReadOnlyList<string>? EvaluationResult { get; init; }

    public bool EvaluationSucceeded { get; init; }

    public AttributeMappingSource? ParsedExpression { get; init; }

    public bool ParsingSucceeded { get; init; }

    /// <summary>Parses an expression and, given a test object, evaluates it, as Graph's parseExpression does.</summary>
    public static ParseExpressionResponse For(string expression, IAttributeSource? testInputObject = null, EvaluationContext? context = null)
    {
        var compiled = MappingExpression.Compile(expression);
        if (!compiled.Succeeded)
        {
            var error = compiled.Errors[0];
            return new ParseExpressionResponse
            {
                Error = new PublicError(error.Code, error.Message) { Target = $"{error.Span.Start}" },
                ParsingSucceeded = false,
            };
        }
        var response = new ParseExpressionResponse
        {
            ParsedExpression = SourceTree.FromSyntax(compiled.Expression!.Syntax),
            ParsingSucceeded = true,
        };
        if (testInputObject is null) return response;
        var result = compiled.Expression.Evaluate(testInputObject, context);
        if (!result.Succeeded)
            return response with { Error = new PublicError(result.Error!.Code, result.Error.Message) { Target = $"{result.Error.Span.Start}" } };
        return response with { EvaluationSucceeded = true, EvaluationResult = Strings(result.Value) };
    }

    private static IReadOnlyList<string> Strings(ExpressionValue value) => value.Kind switch
    {
        ValueKind.Null => [],
        ValueKind.MultiValued => value.Values.Where(v => !v.IsNull).Select(v => v.IsSingleValued ? v.Text! : v.ToJson()).ToArray(),
        ValueKind.Complex => [value.ToJson()],
        _ => [value.Text!],
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(SynchronizationSchemaJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
