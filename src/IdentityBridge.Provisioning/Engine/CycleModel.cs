using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>Which kind of cycle ran: Entra's initial and incremental cycles, or an on-demand run.</summary>
public enum CycleKind
{
    Initial,
    Incremental,
    OnDemand,
}

/// <summary>One subject of an on-demand run, a plan or an explanation: a user or a group, by id or name.</summary>
public sealed record CycleSubject(SourceObjectType Type, string IdOrName);

/// <summary>How to run a cycle.</summary>
public sealed record CycleOptions
{
    /// <summary>Compute everything, write nothing to the target or the store: a plan (dry run).</summary>
    public bool DryRun { get; init; }

    /// <summary>Only these objects (on demand, explain); the watermark is neither read nor moved.</summary>
    public IReadOnlyList<CycleSubject>? Subjects { get; init; }

    /// <summary>Record every detail (each mapping's value, each scoping clause): explanations.</summary>
    public bool Explain { get; init; }

    /// <summary>Who started it, for the log entries' <c>initiatedBy</c>.</summary>
    public string? InitiatedBy { get; init; }

    /// <summary>Progress as objects are processed.</summary>
    public IProgress<CycleProgress>? Progress { get; init; }

    /// <summary>
    /// Asks the cycle to stop between objects: what is in flight finishes, state and logs are written, and the next
    /// run continues the cycle. (The cancellation token of the run itself aborts requests in flight.)
    /// </summary>
    public CancellationToken Stopping { get; init; }
}

/// <summary>Where a running cycle is.</summary>
public sealed record CycleProgress(string Phase, long Completed, long Total, long Exported, long Failed);

/// <summary>What a cycle did (or, for a plan, would do).</summary>
public sealed record CycleOutcome
{
    public required string CycleId { get; init; }
    public required CycleKind Kind { get; init; }

    /// <summary><c>Succeeded</c>, <c>EntryLevelErrors</c>, <c>Failed</c> or <c>Interrupted</c>.</summary>
    public required string State { get; init; }

    public required TaskExecution Execution { get; init; }

    /// <summary>The job's status after the cycle.</summary>
    public required SynchronizationStatus Status { get; init; }

    /// <summary>Every entry of the cycle for plans, explanations and on-demand runs; empty for regular cycles (they are in the log store).</summary>
    public IReadOnlyList<ProvisioningLogEntry> Entries { get; init; } = [];

    /// <summary>Entries per action and result, for summaries.</summary>
    public IReadOnlyDictionary<string, long> Totals { get; init; } = new Dictionary<string, long>();

    /// <summary>Details only explanations carry: per object, the scoping verdicts and each mapping's value.</summary>
    public IReadOnlyList<ObjectExplanation> Explanations { get; init; } = [];

    public SynchronizationError? Error { get; init; }
}

/// <summary>Why an object is handled the way it is: scope, matching, each mapping's value and the diff against the target.</summary>
public sealed record ObjectExplanation
{
    public required SourceObjectType Type { get; init; }
    public required string SourceId { get; init; }
    public required string SourceName { get; init; }
    public IReadOnlyList<string> Scope { get; init; } = [];
    public IReadOnlyList<string> Matching { get; init; } = [];
    public IReadOnlyList<MappingValue> Mappings { get; init; } = [];
    public IReadOnlyDictionary<string, string?> Target { get; init; } = new Dictionary<string, string?>();
    public string Decision { get; init; } = "";
}

/// <summary>One mapping's computed value and what the engine does with it.</summary>
public sealed record MappingValue(string TargetAttribute, string Expression, string? Value, string? TargetValue, string Outcome);

/// <summary>Writes entries to where logs are kept.</summary>
public interface IProvisioningLogSink
{
    Task AppendAsync(IReadOnlyList<ProvisioningLogEntry> entries, CancellationToken cancellationToken);
}
