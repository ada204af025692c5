using System.Text;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>The functions over multi-valued attributes (spec §3.3).</summary>
internal static class MultiValueFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("Count", Count),
        new("Item", Item),
        new("Join", Join),
        new("RemoveDuplicates", RemoveDuplicates),
        new("Split", Split),
    ];

    // A single value counts as one and a missing attribute as none.
    private static ExpressionValue Count(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError) return value;
        return ExpressionValue.FromNumber(value.Kind switch
        {
            ValueKind.Null => 0,
            ValueKind.MultiValued => value.Values.Count,
            _ => 1,
        });
    }

    /// <summary>
    /// Item(attribute, index), 1-based (spec §3.3). Microsoft warns that index 0 "must not be used"; here it is an
    /// error that says so rather than a silent wrong value. An index past the last value gives no value.
    /// </summary>
    private static ExpressionValue Item(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError) return value;
        if (!call.Integer(1, ref frame, out var index, out var failure)) return failure;
        if (index is null) return call.Missing(1, "index");
        if (index < 1) return Coerce.Invalid(call, 1, $"Item's index is 1-based: the first value is Item(…, 1); {index} is not an index.");
        return value.Kind switch
        {
            ValueKind.Null => ExpressionValue.Null,
            ValueKind.MultiValued => index <= value.Values.Count ? value.Values[(int)index - 1] : ExpressionValue.Null,
            _ => index == 1 ? value : ExpressionValue.Null,
        };
    }

    /// <summary>
    /// Join(separator, source1, …): every value of every source, multi-valued ones expanded, joined with the separator
    /// (spec §3.3). Missing sources and empty strings are left out, so that <c>Join(" ", [givenName], [surname])</c>
    /// gives no stray separator; Microsoft's example <c>Join(", ", "", [surname], [givenName])</c> gives "Doe, John".
    /// With no values at all there is nothing to flow (UNCONFIRMED for Entra).
    /// </summary>
    private static ExpressionValue Join(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var separator, out var failure)) return failure;
        separator ??= "";
        StringBuilder? builder = null;
        string? single = null;
        var parts = 0;
        for (var i = 1; i < call.Arguments.Length; i++)
        {
            var value = call.Arguments[i].Evaluate(ref frame);
            if (value.IsError) return value;
            if (value.Kind == ValueKind.MultiValued)
            {
                foreach (var item in value.Values)
                {
                    if (item.IsNullOrEmpty) continue;
                    if (!item.IsSingleValued) return Coerce.MultiValued(call, i, item);
                    Add(item.Text!);
                }
            }
            else if (!value.IsNullOrEmpty)
            {
                if (!Coerce.Text(value, call, i, out var text, out failure)) return failure;
                Add(text!);
            }
        }
        return parts switch
        {
            0 => ExpressionValue.Null,
            1 => ExpressionValue.FromString(single),
            _ => ExpressionValue.FromString(builder!.ToString()),
        };

        void Add(string text)
        {
            parts++;
            if (parts == 1)
            {
                single = text;
                return;
            }
            if (builder is null) builder = new StringBuilder(single);
            builder.Append(separator).Append(text);
        }
    }

    // Duplicates are exact, case-sensitive matches: SMTP: and smtp: proxy addresses differ on purpose.
    private static ExpressionValue RemoveDuplicates(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError || value.Kind != ValueKind.MultiValued) return value;
        var seen = new HashSet<ExpressionValue>();
        var distinct = new List<ExpressionValue>(value.Values.Count);
        foreach (var item in value.Values)
            if (seen.Add(item)) distinct.Add(item);
        return distinct.Count == value.Values.Count ? value : ExpressionValue.FromValues(distinct);
    }

    // The delimiter is a whole string, and empty parts are kept, as .NET's String.Split keeps them.
    private static ExpressionValue Split(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (!call.Text(1, ref frame, out var delimiter, out failure)) return failure;
        if (source is null) return ExpressionValue.Null;
        if (delimiter is null) return call.Missing(1, "delimiter");
        var parts = delimiter.Length == 0 ? [source] : source.Split(delimiter);
        var values = new ExpressionValue[parts.Length];
        for (var i = 0; i < parts.Length; i++) values[i] = ExpressionValue.FromString(parts[i]);
        return ExpressionValue.FromValues(values);
    }
}
