using System.Globalization;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>
/// <c>left op right</c> inside IIF or CBool (spec §3.2). Two numbers (or strings that read as numbers) compare as
/// numbers, two dates as dates, a boolean with "True"/"False" in any case as booleans, anything else as ordinal,
/// case-sensitive strings, since Entra's language is case-sensitive. A side that is null or empty gives no value:
/// Microsoft documents that such a condition fails (spec §3.3, IIF).
/// </summary>
internal sealed class ComparisonNode(Node left, ComparisonOperator op, Node right, TextSpan span) : Node(span)
{
    public override ExpressionValue Evaluate(ref EvaluationFrame frame)
    {
        var a = left.Evaluate(ref frame);
        if (a.IsError) return a;
        var b = right.Evaluate(ref frame);
        if (b.IsError) return b;
        if (a.IsNullOrEmpty || b.IsNullOrEmpty) return ExpressionValue.Null;
        if (!a.IsSingleValued || !b.IsSingleValued)
            return ExpressionValue.Failure(ErrorCodes.MultiValuedNotAllowed,
                "A comparison needs single values on both sides; pick one value with Item(…, 1).", Span);

        int order;
        if (TryNumber(a, out var x) && TryNumber(b, out var y)) order = x.CompareTo(y);
        else if ((a.Kind == ValueKind.DateTime || b.Kind == ValueKind.DateTime) && TryDate(a, out var d1) && TryDate(b, out var d2))
            order = d1.CompareTo(d2);
        else if ((a.Kind == ValueKind.Boolean || b.Kind == ValueKind.Boolean) && op is ComparisonOperator.Equal or ComparisonOperator.NotEqual &&
                 Coerce.Boolean(a, false, out var p) && Coerce.Boolean(b, false, out var q))
            order = p == q ? 0 : 1;
        else order = string.CompareOrdinal(a.Text, b.Text);

        return ExpressionValue.FromBoolean(op switch
        {
            ComparisonOperator.Equal => order == 0,
            ComparisonOperator.NotEqual => order != 0,
            ComparisonOperator.GreaterThan => order > 0,
            ComparisonOperator.GreaterThanOrEqual => order >= 0,
            ComparisonOperator.LessThan => order < 0,
            _ => order <= 0,
        });
    }

    private static bool TryNumber(in ExpressionValue value, out decimal number)
    {
        if (value.Kind == ValueKind.Number)
        {
            number = value.Number;
            return true;
        }
        number = 0;
        return value.Kind == ValueKind.String &&
               decimal.TryParse(value.Text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite |
                                            NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out number);
    }

    private static bool TryDate(in ExpressionValue value, out DateTime date)
    {
        if (value.Kind == ValueKind.DateTime)
        {
            date = value.DateTime;
            return true;
        }
        date = default;
        return value.Kind == ValueKind.String && EntraDates.TryParse(value.Text!, out date);
    }
}
