using System.Globalization;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>
/// Turns argument values into what a function needs, or into an error that names the function, the parameter and
/// the value at fault. Null passes through as null: each function decides what it makes of a missing value.
/// </summary>
internal static class Coerce
{
    public static bool Text(in ExpressionValue value, FunctionNode call, int index, out string? text, out ExpressionValue failure)
    {
        failure = default;
        if (value.IsSingleValued || value.IsNull)
        {
            text = value.Text;
            return true;
        }
        text = null;
        failure = MultiValued(call, index, value);
        return false;
    }

    public static ExpressionValue MultiValued(FunctionNode call, int index, in ExpressionValue value) =>
        ExpressionValue.Failure(ErrorCodes.MultiValuedNotAllowed,
            $"Argument {index + 1} of {call.Name} is {(value.Kind == ValueKind.Complex ? "a complex value" : "multi-valued")} " +
            $"({Preview(value)}); {call.Name} needs a single value. Pick one with Item(…, 1) or join them with Join.", call.SpanOf(index));

    public static bool Integer(in ExpressionValue value, FunctionNode call, int index, out long? number, out ExpressionValue failure)
    {
        failure = default;
        number = null;
        switch (value.Kind)
        {
            case ValueKind.Null:
                return true;
            case ValueKind.Number:
                number = value.Number;
                return true;
            case ValueKind.String when TryParseInteger(value.Text!, out var parsed):
                number = parsed;
                return true;
            case ValueKind.MultiValued or ValueKind.Complex:
                failure = MultiValued(call, index, value);
                return false;
            default:
                failure = ExpressionValue.Failure(ErrorCodes.InvalidNumber,
                    $"Argument {index + 1} of {call.Name} must be a whole number; \"{value.Text}\" is not one.", call.SpanOf(index));
                return false;
        }
    }

    /// <summary>Whole numbers in invariant digits, or VB's <c>&amp;H</c> hexadecimal as the language's constants allow.</summary>
    public static bool TryParseInteger(string text, out long value)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("&H", StringComparison.OrdinalIgnoreCase) &&
            ulong.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            value = unchecked((long)hex);
            return true;
        }
        return long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool Date(in ExpressionValue value, FunctionNode call, int index, out DateTime? date, out ExpressionValue failure)
    {
        failure = default;
        date = null;
        switch (value.Kind)
        {
            case ValueKind.Null:
                return true;
            case ValueKind.DateTime:
                date = value.DateTime;
                return true;
            case ValueKind.String when EntraDates.TryParse(value.Text!, out var parsed):
                date = parsed;
                return true;
            case ValueKind.MultiValued or ValueKind.Complex:
                failure = MultiValued(call, index, value);
                return false;
            default:
                failure = ExpressionValue.Failure(ErrorCodes.InvalidDate,
                    $"Argument {index + 1} of {call.Name} must be a date; \"{value.Text}\" cannot be read as one " +
                    "(use ISO 8601, such as 2020-03-16T07:00:00Z, or FormatDateTime for other formats).", call.SpanOf(index));
                return false;
        }
    }

    /// <summary>True and False in any case (.NET's bool parsing), booleans, and, when allowed, numbers (non-zero is true).</summary>
    public static bool Boolean(in ExpressionValue value, bool numbersAllowed, out bool? result)
    {
        result = null;
        switch (value.Kind)
        {
            case ValueKind.Null:
                return true;
            case ValueKind.Boolean:
                result = value.Boolean;
                return true;
            case ValueKind.Number when numbersAllowed:
                result = value.Number != 0;
                return true;
            case ValueKind.String when bool.TryParse(value.Text, out var parsed):
                result = parsed;
                return true;
            case ValueKind.String when numbersAllowed && decimal.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                result = number != 0;
                return true;
            default:
                return false;
        }
    }

    public static ExpressionValue NotBoolean(FunctionNode call, int index, in ExpressionValue value) =>
        ExpressionValue.Failure(ErrorCodes.InvalidBoolean,
            $"Argument {index + 1} of {call.Name} must be True or False; {Preview(value)} is neither.", call.SpanOf(index));

    public static ExpressionValue Invalid(FunctionNode call, int index, string message) =>
        ExpressionValue.Failure(ErrorCodes.InvalidArgument, message, call.SpanOf(index));

    public static string Preview(in ExpressionValue value)
    {
        var text = value.ToString();
        return text.Length <= 60 ? (value.Kind == ValueKind.String ? $"\"{text}\"" : text) : $"{text[..57]}…";
    }
}
