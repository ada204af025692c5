using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>Evaluate one argument of a call and convert it, in one step; any error comes back as <c>failure</c>.</summary>
internal static class Arguments
{
    public static bool Text(this FunctionNode call, int index, ref EvaluationFrame frame, out string? text, out ExpressionValue failure)
    {
        var value = call.Argument(index, ref frame);
        if (value.IsError)
        {
            text = null;
            failure = value;
            return false;
        }
        return Coerce.Text(value, call, index, out text, out failure);
    }

    public static bool Integer(this FunctionNode call, int index, ref EvaluationFrame frame, out long? number, out ExpressionValue failure)
    {
        var value = call.Argument(index, ref frame);
        if (value.IsError)
        {
            number = null;
            failure = value;
            return false;
        }
        return Coerce.Integer(value, call, index, out number, out failure);
    }

    public static bool Date(this FunctionNode call, int index, ref EvaluationFrame frame, out DateTime? date, out ExpressionValue failure)
    {
        var value = call.Argument(index, ref frame);
        if (value.IsError)
        {
            date = null;
            failure = value;
            return false;
        }
        return Coerce.Date(value, call, index, out date, out failure);
    }

    /// <summary>A required argument that evaluated to null, where the function cannot go on without it.</summary>
    public static ExpressionValue Missing(this FunctionNode call, int index, string parameter) =>
        Coerce.Invalid(call, index, $"Argument {index + 1} of {call.Name} ({parameter}) has no value.");
}
