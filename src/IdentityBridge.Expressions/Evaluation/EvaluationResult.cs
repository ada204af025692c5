using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>
/// What one evaluation of a mapping expression gives the engine: the value, or the error that stopped it, and the
/// directives the expression left: leave the attribute out of the flow (IgnoreFlowIfNullOrEmpty), show
/// <c>[Redact]</c> in logs (Redact), replace the target's values rather than add to them
/// (AssertiveAppRoleAssignmentsComplex).
/// </summary>
public readonly record struct EvaluationResult
{
    public ExpressionValue Value { get; init; }

    /// <summary>Why the evaluation failed (an invalid regular expression, an unreadable date …); null when it succeeded.</summary>
    public ExpressionError? Error { get; init; }

    /// <summary>IgnoreFlowIfNullOrEmpty found nothing: the attribute is not sent at all.</summary>
    public bool FlowIgnored { get; init; }

    public bool Redacted { get; init; }

    public bool ReplacesValues { get; init; }

    public bool Succeeded => Error is null;

    /// <summary>
    /// Whether there is a value to send: Entra does not provision null values (spec §2.5), so a null result leaves
    /// the target as it is (or, on create, takes the mapping's default value).
    /// </summary>
    public bool HasValue => Error is null && !FlowIgnored && !Value.IsNull;

    /// <summary>The value as provisioning logs show it: <c>[Redact]</c> for redacted values (spec §3.3).</summary>
    public string LogText => Error is not null ? $"error {Error.Code}: {Error.Message}" : Redacted ? "[Redact]" : Value.ToString();

    public override string ToString() => LogText;
}
