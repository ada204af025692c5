using IdentityBridge.Expressions.Evaluation;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Expressions.Tests.Support;

/// <summary>Compiles and evaluates expressions the way the engine does, against a pinned clock and random source.</summary>
internal static class Expressions
{
    /// <summary>The clock every test sees unless it sets its own: 10 March 2012, 07:00 UTC.</summary>
    public static readonly DateTimeOffset PinnedNow = new(2012, 3, 10, 7, 0, 0, TimeSpan.Zero);

    public static EvaluationContext Context(DateTimeOffset? now = null, int seed = 42, string? defaultDomain = null) => new()
    {
        TimeProvider = new FakeTimeProvider(now ?? PinnedNow),
        Random = new Random(seed),
        DefaultDomain = defaultDomain,
    };

    public static EvaluationResult Evaluate(string expression, AttributeBag? source = null, EvaluationContext? context = null)
    {
        var compiled = MappingExpression.Compile(expression);
        Assert.True(compiled.Succeeded, $"{expression} does not compile: {string.Join("; ", compiled.Errors)}");
        return compiled.Expression!.Evaluate(source ?? [], context ?? Context());
    }

    /// <summary>The single value an expression gives, as text (null when it gives none); fails the test on an error.</summary>
    public static string? Text(string expression, AttributeBag? source = null, EvaluationContext? context = null)
    {
        var result = Evaluate(expression, source, context);
        Assert.True(result.Succeeded, $"{expression} failed: {result.Error}");
        return result.Value.IsNull ? null : result.Value.ToString();
    }

    public static ExpressionValue Value(string expression, AttributeBag? source = null, EvaluationContext? context = null)
    {
        var result = Evaluate(expression, source, context);
        Assert.True(result.Succeeded, $"{expression} failed: {result.Error}");
        return result.Value;
    }

    /// <summary>The error code an evaluation stops with; fails the test when it succeeds.</summary>
    public static string ErrorCode(string expression, AttributeBag? source = null, EvaluationContext? context = null)
    {
        var result = Evaluate(expression, source, context);
        Assert.False(result.Succeeded, $"{expression} should fail but gave {result.Value}");
        return result.Error!.Code;
    }
}
