using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Expressions.Scoping;

/// <summary>
/// Why an object is in or out of scope (spec §4): every filter, every clause, the value each looked at and why it
/// passed or failed. The engine's per-user explanations and the scoping step of provisioning logs show this.
/// </summary>
public sealed record ScopeEvaluation(bool InScope, IReadOnlyList<FilterGroupOutcome> Groups)
{
    public string Summary => Groups.Count == 0
        ? "In scope: there are no scoping filters."
        : InScope
            ? $"In scope: filter {Describe(Groups.First(g => g.Passed))} passed."
            : $"Out of scope: none of the {Groups.Count} scoping filter(s) passed.";

    private static string Describe(FilterGroupOutcome group) => group.Name is { Length: > 0 } name ? $"\"{name}\"" : $"#{group.Index + 1}";
}

/// <summary>One scoping filter: it passes when every clause passes.</summary>
public sealed record FilterGroupOutcome(int Index, string? Name, bool Passed, IReadOnlyList<ClauseOutcome> Clauses);

/// <summary>One clause: what it asked, the value it saw (null when the attribute had none), and the verdict with its reason.</summary>
public sealed record ClauseOutcome(FilterClause Clause, bool Passed, string? ActualValue, string Reason)
{
    public override string ToString() =>
        $"{Clause.SourceOperandName} {Clause.OperatorName} {string.Join(", ", Clause.TargetOperand?.Values ?? [])}: " +
        $"{(Passed ? "passed" : "failed")} ({Reason})";
}
