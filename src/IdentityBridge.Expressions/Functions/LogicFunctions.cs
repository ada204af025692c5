using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>Conditions, tests and the functions that steer the flow (spec §3.3).</summary>
internal static class LogicFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("BitAnd", BitAnd),
        new("CBool", CBool),
        new("Coalesce", Coalesce),
        new("IgnoreFlowIfNullOrEmpty", IgnoreFlowIfNullOrEmpty),
        new("IIF", Iif),
        new("IsNull", IsNull),
        new("IsNullOrEmpty", IsNullOrEmpty),
        new("IsPresent", IsPresent),
        new("IsString", IsString),
        new("Not", Not),
        new("Redact", Redact),
        new("Switch", Switch, PrepareSwitch),
    ];

    private static ExpressionValue BitAnd(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Integer(0, ref frame, out var left, out var failure)) return failure;
        if (!call.Integer(1, ref frame, out var right, out failure)) return failure;
        return left is null || right is null ? ExpressionValue.Null : ExpressionValue.FromNumber(left.Value & right.Value);
    }

    /// <summary>
    /// CBool: True for true and for non-zero numbers, False for false and zero (spec §3.3). A comparison whose side
    /// is null or empty gives no value (see <see cref="ComparisonNode"/>), and so does CBool of it.
    /// </summary>
    private static ExpressionValue CBool(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError || value.IsNull) return value;
        if (value.Kind is ValueKind.MultiValued or ValueKind.Complex) return Coerce.MultiValued(call, 0, value);
        return Coerce.Boolean(value, numbersAllowed: true, out var result) ? ExpressionValue.FromBoolean(result!.Value) : Coerce.NotBoolean(call, 0, value);
    }

    /// <summary>
    /// Coalesce(source1, …, defaultValue): the first source with a value, else the last argument as it is (spec §3.3).
    /// An empty string counts as no value, as IsNullOrEmpty sees it (spec §3.2 notes that a single space is a
    /// value). UNCONFIRMED: Microsoft's text says "not NULL"; skipping "" too is our reading.
    /// </summary>
    private static ExpressionValue Coalesce(FunctionNode call, ref EvaluationFrame frame)
    {
        var count = call.Arguments.Length;
        var sources = count == 1 ? 1 : count - 1;
        for (var i = 0; i < sources; i++)
        {
            var value = call.Arguments[i].Evaluate(ref frame);
            if (value.IsError || !value.IsNullOrEmpty) return value;
        }
        return count == 1 ? ExpressionValue.Null : call.Arguments[count - 1].Evaluate(ref frame);
    }

    private static ExpressionValue IgnoreFlowIfNullOrEmpty(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError) return value;
        if (!value.IsNullOrEmpty) return value;
        frame.IgnoreFlow = true;
        return ExpressionValue.Null;
    }

    /// <summary>
    /// IIF (spec §3.3). Only the branch chosen is evaluated. Microsoft documents that the condition fails when an
    /// attribute in it is null or empty and tells users to use Switch instead; here such a condition gives no value,
    /// so nothing flows. UNCONFIRMED whether Entra reports an error instead.
    /// </summary>
    private static ExpressionValue Iif(FunctionNode call, ref EvaluationFrame frame)
    {
        var condition = call.Argument(0, ref frame);
        if (condition.IsError || condition.IsNull) return condition;
        if (condition.Kind is ValueKind.MultiValued or ValueKind.Complex) return Coerce.MultiValued(call, 0, condition);
        if (!Coerce.Boolean(condition, numbersAllowed: true, out var holds)) return Coerce.NotBoolean(call, 0, condition);
        return call.Arguments[holds!.Value ? 1 : 2].Evaluate(ref frame);
    }

    private static ExpressionValue IsNull(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        return value.IsError ? value : ExpressionValue.FromBoolean(value.IsNull);
    }

    private static ExpressionValue IsNullOrEmpty(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        return value.IsError ? value : ExpressionValue.FromBoolean(value.IsNullOrEmpty);
    }

    private static ExpressionValue IsPresent(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        return value.IsError ? value : ExpressionValue.FromBoolean(!value.IsNullOrEmpty);
    }

    // "Can be evaluated to a string": strings only; numbers, booleans, dates, references and lists are other kinds.
    private static ExpressionValue IsString(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        return value.IsError ? value : ExpressionValue.FromBoolean(value.Kind == ValueKind.String);
    }

    private static ExpressionValue Not(FunctionNode call, ref EvaluationFrame frame)
    {
        var value = call.Argument(0, ref frame);
        if (value.IsError || value.IsNull) return value;
        if (value.Kind is ValueKind.MultiValued or ValueKind.Complex) return Coerce.MultiValued(call, 0, value);
        return Coerce.Boolean(value, numbersAllowed: false, out var result) ? ExpressionValue.FromBoolean(!result!.Value) : Coerce.NotBoolean(call, 0, value);
    }

    private static ExpressionValue Redact(FunctionNode call, ref EvaluationFrame frame)
    {
        frame.Redacted = true;
        return call.Argument(0, ref frame);
    }

    /// <summary>
    /// Switch(source, defaultValue, key1, value1, …): the value paired with the first key equal to the source,
    /// compared case-sensitively, else the default value (spec §3.3). A missing source matches the key "", which is
    /// how Microsoft tells users to test for an empty attribute. Only the chosen value is evaluated.
    /// </summary>
    private static ExpressionValue Switch(FunctionNode call, ref EvaluationFrame frame)
    {
        if (!call.Text(0, ref frame, out var source, out var failure)) return failure;
        source ??= "";
        var keys = call.State as string?[];
        for (var i = 2; i + 1 < call.Arguments.Length; i += 2)
        {
            string? key;
            if (keys is not null) key = keys[(i - 2) / 2];
            else if (!call.Text(i, ref frame, out key, out failure)) return failure;
            if (string.Equals(source, key ?? "", StringComparison.Ordinal)) return call.Arguments[i + 1].Evaluate(ref frame);
        }
        return call.Arguments[1].Evaluate(ref frame);
    }

    private static void PrepareSwitch(FunctionNode call)
    {
        var keys = new string?[(call.Arguments.Length - 2) / 2];
        for (var i = 2; i < call.Arguments.Length; i += 2)
        {
            var key = call.Arguments[i];
            if (!key.IsConstant || !key.ConstantValue.IsSingleValued) return;
            keys[(i - 2) / 2] = key.ConstantValue.Text;
        }
        call.State = keys;
    }
}
