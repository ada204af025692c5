using System.Globalization;
using System.Text;

namespace IdentityBridge.Expressions.Parsing;

/// <summary>
/// Writes a tree back as expression text in the form Entra's portal shows: <c>Name(a, b)</c> with ", " between
/// arguments, nothing for an omitted one (<c>Switch([x], , "a", "b")</c>), and spaces around comparison operators.
/// Parsing the printed text gives back an equal tree.
/// </summary>
public static class ExpressionPrinter
{
    public static string Print(ExpressionSyntax syntax)
    {
        var builder = new StringBuilder();
        Write(builder, syntax);
        return builder.ToString();
    }

    internal static void Write(StringBuilder builder, ExpressionSyntax syntax)
    {
        switch (syntax)
        {
            case FunctionCallSyntax call:
                builder.Append(call.Name).Append('(');
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    if (i > 0) builder.Append(", ");
                    Write(builder, call.Arguments[i]);
                }
                builder.Append(')');
                break;
            case AttributeSyntax attribute:
                builder.Append('[').Append(attribute.Name).Append(']');
                break;
            case StringSyntax text:
                WriteString(builder, text.Value);
                break;
            case NumberSyntax { IsHexadecimal: true } number:
                builder.Append("&H").Append(number.Value.ToString("X", CultureInfo.InvariantCulture));
                break;
            case NumberSyntax number:
                builder.Append(number.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case WordSyntax word:
                builder.Append(word.Name);
                break;
            case ComparisonSyntax comparison:
                Write(builder, comparison.Left);
                builder.Append(' ').Append(Symbol(comparison.Operator)).Append(' ');
                Write(builder, comparison.Right);
                break;
            case OmittedSyntax:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(syntax), syntax.GetType().Name, "Unknown syntax node.");
        }
    }

    /// <summary>A string constant with the two escapes Entra knows (spec §3.2): <c>\"</c> and <c>\\</c>.</summary>
    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') builder.Append('\\');
            builder.Append(c);
        }
        builder.Append('"');
    }

    public static string Symbol(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.NotEqual => "<>",
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.GreaterThanOrEqual => ">=",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.LessThanOrEqual => "<=",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
