using System.Globalization;
using System.Text;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>The string functions of spec §3.3.</summary>
internal static class TextFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("Append", Append),
        new("ConvertToBase64", ConvertToBase64),
        new("ConvertToUTF8Hex", ConvertToUtf8Hex),
        new("CStr", CStr),
        new("InStr", InStr),
        new("Left", Left),
        new("Len", Len),
        new("Mid", Mid),
        new("NormalizeDiacritics", NormalizeDiacritics),
        new("PCase", PCase),
        new("StripSpaces", StripSpaces),
        new("ToLower", ToLower, PrepareCulture),
        new("ToUpper", ToUpper, PrepareCulture),
        new("Word", Word),
    ];

    // Append of a missing source gives no value rather than the bare suffix: appending a domain to nobody's user
    // name should not produce "@contoso.com". UNCONFIRMED against Entra, which documents no null case for Append.
    private static ExpressionValue Append(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (!call.Text(1, ref frame, out var suffix, out failure)) return failure;
        return source is null ? ExpressionValue.Null : ExpressionValue.FromString(string.Concat(source, suffix));
    }

    // "Unicode" in Microsoft's reference is .NET's name for UTF-16 little-endian (spec §3.3).
    private static ExpressionValue ConvertToBase64(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        return source is null ? ExpressionValue.Null : ExpressionValue.FromString(Convert.ToBase64String(Encoding.Unicode.GetBytes(source)));
    }

    private static ExpressionValue ConvertToUtf8Hex(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        return source is null ? ExpressionValue.Null : ExpressionValue.FromString(Convert.ToHexString(Encoding.UTF8.GetBytes(source)));
    }

    private static ExpressionValue CStr(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError) return value;
        if (!Coerce.Text(value, call, 0, out var text, out var failure)) return failure;
        return value.Kind == ValueKind.String ? value : ExpressionValue.FromString(text);
    }

    /// <summary>
    /// VB's InStr: the 1-based position of value2 in value1 from <c>start</c>, 0 when absent; vbTextCompare ignores
    /// case, vbBinaryCompare (the default) does not. VB's numeric constants (1 and 0) are accepted too.
    /// </summary>
    private static ExpressionValue InStr(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var value1, out var failure)) return failure;
        if (!call.Text(1, ref frame, out var value2, out failure)) return failure;
        if (!call.Integer(2, ref frame, out var start, out failure)) return failure;
        if (!call.Text(3, ref frame, out var compareType, out failure)) return failure;
        var comparison = compareType switch
        {
            null or "" or "vbBinaryCompare" or "0" => StringComparison.Ordinal,
            "vbTextCompare" or "1" => StringComparison.OrdinalIgnoreCase,
            _ => (StringComparison?)null,
        };
        if (comparison is null)
            return Coerce.Invalid(call, 3, $"InStr's compareType is vbTextCompare or vbBinaryCompare, not \"{compareType}\".");
        var from = start ?? 1;
        if (from < 1) return Coerce.Invalid(call, 2, $"InStr's start is a 1-based position; {from} is not one.");
        if (value1 is null || value2 is null) return ExpressionValue.Null;
        if (from > value1.Length + 1) return ExpressionValue.FromNumber(0);
        return ExpressionValue.FromNumber(value1.IndexOf(value2, (int)from - 1, comparison.Value) + 1);
    }

    /// <summary>
    /// Left as documented (spec §3.3): 0 characters give "", a negative count the whole string, a missing string "",
    /// a count past the end the whole string.
    /// </summary>
    private static ExpressionValue Left(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var text, out var failure)) return failure;
        if (!call.Integer(1, ref frame, out var count, out failure)) return failure;
        if (text is null) return ExpressionValue.EmptyString;
        if (count is null) return call.Missing(1, "numChars");
        if (count == 0) return ExpressionValue.EmptyString;
        if (count < 0 || count >= text.Length) return ExpressionValue.FromString(text);
        return ExpressionValue.FromString(text[..(int)count]);
    }

    // Len accepts numbers (their digits are counted) and gives 0 for a missing or empty string (spec §3.3).
    private static ExpressionValue Len(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var text, out var failure)) return failure;
        return ExpressionValue.FromNumber(text?.Length ?? 0);
    }

    /// <summary>
    /// Mid: <c>length</c> characters from the 1-based <c>start</c>, clipped at the end of the string (spec §3.3). A
    /// start past the end gives "", a missing source no value; a start below 1 or a negative length is an error, as
    /// VB's Mid raises one.
    /// </summary>
    private static ExpressionValue Mid(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (!call.Integer(1, ref frame, out var start, out failure)) return failure;
        if (!call.Integer(2, ref frame, out var length, out failure)) return failure;
        if (start is null) return call.Missing(1, "start");
        if (length is null) return call.Missing(2, "length");
        if (start < 1) return Coerce.Invalid(call, 1, $"Mid's start is a 1-based position; {start} is not one.");
        if (length < 0) return Coerce.Invalid(call, 2, $"Mid's length cannot be negative ({length}).");
        if (source is null) return ExpressionValue.Null;
        if (start > source.Length) return ExpressionValue.EmptyString;
        var from = (int)start - 1;
        var take = (int)Math.Min(length.Value, source.Length - from);
        return ExpressionValue.FromString(from == 0 && take == source.Length ? source : source.Substring(from, take));
    }

    private static ExpressionValue NormalizeDiacritics(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        return source is null ? ExpressionValue.Null : ExpressionValue.FromString(DiacriticsTable.Normalize(source));
    }

    /// <summary>
    /// PCase (spec §3.3). Without separators Entra hands the string to .NET's ToTitleCase, which leaves words that
    /// are all capitals alone; Microsoft's documented example turns "PABLO GONSALVES (SECOND)" into
    /// "Pablo Gonsalves (Second)", so the string is lowered first. With separators, only those characters start a
    /// new word.
    /// </summary>
    private static ExpressionValue PCase(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (!call.Text(1, ref frame, out var separators, out failure)) return failure;
        if (source is null) return ExpressionValue.Null;
        if (!call.Has(1) || separators is null)
            return ExpressionValue.FromString(CultureInfo.InvariantCulture.TextInfo.ToTitleCase(source.ToLowerInvariant()));
        return ExpressionValue.FromString(string.Create(source.Length, (source, separators), static (span, state) =>
        {
            var wordStart = true;
            for (var i = 0; i < span.Length; i++)
            {
                var c = state.source[i];
                if (state.separators.Contains(c))
                {
                    span[i] = c;
                    wordStart = true;
                }
                else
                {
                    span[i] = wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
                    wordStart = false;
                }
            }
        }));
    }

    // Only the space character goes, as documented: tabs and other white space stay.
    private static ExpressionValue StripSpaces(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        if (source is null) return ExpressionValue.Null;
        return ExpressionValue.FromString(source.Contains(' ') ? source.Replace(" ", "", StringComparison.Ordinal) : source);
    }

    private static ExpressionValue ToLower(FunctionNode call, ref EvaluationFrame frame) => ChangeCase(call, ref frame, upper: false);

    private static ExpressionValue ToUpper(FunctionNode call, ref EvaluationFrame frame) => ChangeCase(call, ref frame, upper: true);

    private static ExpressionValue ChangeCase(FunctionNode call, ref EvaluationFrame frame, bool upper)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        Casing casing;
        if (call.State is Casing prepared) casing = prepared;
        else
        {
            if (!call.Text(1, ref frame, out var culture, out failure)) return failure;
            if (Casing.For(culture) is not { } found) return Coerce.Invalid(call, 1, Casing.BadCultureMessage(call.Name, culture!));
            casing = found;
        }
        if (source is null) return ExpressionValue.Null;
        return ExpressionValue.FromString(upper ? casing.ToUpper(source) : casing.ToLower(source));
    }

    private static void PrepareCulture(FunctionNode call)
    {
        if (call.Arguments.Length < 2 || call.Arguments[1].IsOmitted) call.State = Casing.Invariant;
        else if (call.Arguments[1].IsConstant && Casing.For(call.Arguments[1].ConstantValue.Text) is { } casing) call.State = casing;
    }

    /// <summary>
    /// Word (spec §3.3): the n-th word, words being the non-empty runs between any of the delimiter characters. A
    /// missing string, a number below 1 and a number past the last word all give "".
    /// </summary>
    private static ExpressionValue Word(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var text, out var failure)) return failure;
        if (!call.Integer(1, ref frame, out var number, out failure)) return failure;
        if (!call.Text(2, ref frame, out var delimiters, out failure)) return failure;
        if (text is null || number is null || number < 1) return ExpressionValue.EmptyString;
        var separators = (delimiters ?? "").AsSpan();
        var index = 0L;
        var position = 0;
        while (position < text.Length)
        {
            while (position < text.Length && separators.Contains(text[position])) position++;
            if (position >= text.Length) break;
            var start = position;
            while (position < text.Length && !separators.Contains(text[position])) position++;
            if (++index == number) return ExpressionValue.FromString(text[start..position]);
        }
        return ExpressionValue.EmptyString;
    }
}

/// <summary>
/// Upper- and lower-casing for ToUpper and ToLower with an optional culture (spec §3.3). .NET's culture-aware casing
/// differs from the invariant one only for the Turkic dotted and dotless i (tr, az), so that is the rule applied
/// here; it also keeps results identical when the process runs in globalization-invariant mode, where .NET knows
/// no cultures at all.
/// </summary>
internal sealed class Casing(bool turkic)
{
    public static Casing Invariant { get; } = new(turkic: false);

    private static readonly Casing Turkic = new(turkic: true);

    /// <summary>The casing for a culture name such as "en-US" or "tr-TR"; null for a name that is not a culture name.</summary>
    public static Casing? For(string? culture)
    {
        if (string.IsNullOrEmpty(culture)) return Invariant;
        var parts = culture.Split('-', '_');
        if (parts[0].Length is < 2 or > 3 || !parts[0].All(char.IsAsciiLetter)) return null;
        foreach (var part in parts.Skip(1))
            if (part.Length is < 1 or > 8 || !part.All(char.IsAsciiLetterOrDigit)) return null;
        return parts[0].Equals("tr", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("az", StringComparison.OrdinalIgnoreCase)
            ? Turkic
            : Invariant;
    }

    public static string BadCultureMessage(string function, string culture) =>
        $"{function}'s culture is a name such as \"en-US\" or \"tr-TR\"; \"{culture}\" is not one.";

    public string ToUpper(string text)
    {
        if (!turkic) return text.ToUpperInvariant();
        return text.Replace('i', '\u0130').ToUpperInvariant();
    }

    public string ToLower(string text)
    {
        if (!turkic) return text.ToLowerInvariant();
        return text.Replace('I', '\u0131').Replace('\u0130', 'i').ToLowerInvariant();
    }
}
