using System.Text.RegularExpressions;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template), whose
/// five modes are chosen by which parameters are given (spec §3.3):
/// <list type="number">
/// <item>oldValue + replacementValue: every occurrence of oldValue in the source replaced, case-sensitively;</item>
/// <item>oldValue + template: every occurrence of oldValue in the template replaced by the source;</item>
/// <item>regexPattern + replacementValue: every match replaced, with .NET substitutions such as <c>${name}</c>;</item>
/// <item>regexPattern + regexGroupName + replacementValue: within every match, the named group's text replaced;</item>
/// <item>regexPattern + regexGroupName + replacementAttributeName: the source if it has a value, else the named
/// group of the pattern's match in the replacement attribute.</item>
/// </list>
/// Regular expressions are .NET's, case-sensitive; a constant pattern is compiled once.
/// </summary>
internal static class ReplaceFunction
{
    public static IEnumerable<FunctionImplementation> All => [new("Replace", Replace, Prepare)];

    // A pathological pattern must not hold a provisioning worker; Entra's own limit is not documented.
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private const int OldValue = 1, RegexPattern = 2, RegexGroupName = 3, ReplacementValue = 4, ReplacementAttribute = 5, Template = 6;

    private static void Prepare(FunctionNode call)
    {
        if (call.Has(RegexPattern) && call.Arguments[RegexPattern].IsConstant && call.Arguments[RegexPattern].ConstantValue.Text is { } pattern)
            call.State = Compile(call, pattern);
    }

    /// <summary>The compiled pattern, or the error value to return at every evaluation (the issue asks for results, not crashes).</summary>
    private static object Compile(FunctionNode call, string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            return ExpressionValue.Failure(ErrorCodes.InvalidRegularExpression,
                $"Replace's regexPattern is not a valid .NET regular expression: {e.Message}", call.SpanOf(RegexPattern));
        }
    }

    private static ExpressionValue Replace(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        try
        {
            return call.Has(RegexPattern) ? ReplaceByPattern(call, ref frame, source) : ReplaceLiterally(call, ref frame, source);
        }
        catch (RegexMatchTimeoutException)
        {
            return ExpressionValue.Failure(ErrorCodes.RegularExpressionTimeout,
                $"Replace's regexPattern took longer than {MatchTimeout.TotalSeconds:N0} s on this value; simplify the pattern.",
                call.SpanOf(RegexPattern));
        }
    }

    private static ExpressionValue ReplaceLiterally(FunctionNode call, ref EvaluationFrame frame, string? source)
    {
        if (!call.Text(OldValue, ref frame, out var oldValue, out var failure)) return failure;
        if (call.Has(Template))
        {
            if (!call.Text(Template, ref frame, out var template, out failure)) return failure;
            if (source is null || template is null) return ExpressionValue.Null;
            return ExpressionValue.FromString(string.IsNullOrEmpty(oldValue) ? template : template.Replace(oldValue, source, StringComparison.Ordinal));
        }
        if (!call.Text(ReplacementValue, ref frame, out var replacement, out failure)) return failure;
        if (source is null) return ExpressionValue.Null;
        if (string.IsNullOrEmpty(oldValue)) return ExpressionValue.FromString(source);
        return ExpressionValue.FromString(source.Replace(oldValue, replacement ?? "", StringComparison.Ordinal));
    }

    private static ExpressionValue ReplaceByPattern(FunctionNode call, ref EvaluationFrame frame, string? source)
    {
        Regex regex;
        switch (call.State)
        {
            case Regex prepared:
                regex = prepared;
                break;
            case ExpressionValue error:
                return error;
            default:
                if (!call.Text(RegexPattern, ref frame, out var pattern, out var failure)) return failure;
                if (pattern is null) return ExpressionValue.FromString(source);
                var compiled = Compile(call, pattern);
                if (compiled is ExpressionValue invalid) return invalid;
                regex = (Regex)compiled;
                break;
        }

        if (!call.Text(RegexGroupName, ref frame, out var groupName, out var groupFailure)) return groupFailure;
        if (call.Has(ReplacementValue))
        {
            if (!call.Text(ReplacementValue, ref frame, out var replacement, out var failure)) return failure;
            if (source is null) return ExpressionValue.Null;
            replacement ??= "";
            if (groupName is null) return ExpressionValue.FromString(regex.Replace(source, replacement));
            return ExpressionValue.FromString(regex.Replace(source, match =>
            {
                var group = match.Groups[groupName];
                if (!group.Success) return match.Value;
                var offset = group.Index - match.Index;
                return string.Concat(match.Value.AsSpan(0, offset), replacement, match.Value.AsSpan(offset + group.Length));
            }));
        }

        // Mode 5: the source wins when it has a value; otherwise the group is taken from the replacement attribute.
        if (!string.IsNullOrEmpty(source)) return ExpressionValue.FromString(source);
        if (!call.Text(ReplacementAttribute, ref frame, out var other, out var otherFailure)) return otherFailure;
        if (other is null || groupName is null) return ExpressionValue.Null;
        var found = regex.Match(other).Groups[groupName];
        return found.Success ? ExpressionValue.FromString(found.Value) : ExpressionValue.Null;
    }
}
