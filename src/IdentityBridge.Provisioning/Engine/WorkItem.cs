using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>What a cycle does with one object, decided from the source and the job's state before any export.</summary>
internal enum Decision
{
    /// <summary>In scope: create or update.</summary>
    Provision,

    /// <summary>Out of scope, disabled or soft-deleted while linked: disable by update.</summary>
    Disable,

    /// <summary>Hard-deleted while linked: delete the target record.</summary>
    Delete,

    /// <summary>Nothing to do; <see cref="WorkItem.SkipReason"/> says why.</summary>
    Skip,
}

/// <summary>An object's failure: an Entra error code, the reason, and what to do.</summary>
internal sealed record ObjectFailure(string Code, string Reason, string? RecommendedAction, bool ReferenceFailure = false, bool Transient = false);

/// <summary>One object going through a cycle: its source, link, decision, target record, computed values and steps.</summary>
internal sealed class WorkItem
{
    public required SourceObjectType Type { get; init; }
    public required string Id { get; init; }
    public SourceObject? Source { get; set; }
    public Link? Link { get; set; }
    public Decision Decision { get; set; }
    public string? SkipReason { get; set; }

    /// <summary>The skip in words, for the log entry's reason.</summary>
    public string? SkipDescription { get; set; }

    /// <summary>Whether a skip is worth a log entry (a change Entra would report), or silent (an unassigned user in a full read).</summary>
    public bool LogSkip { get; set; }

    public bool Staged { get; set; }

    /// <summary>The user's app role assignments for <c>[appRoleAssignments]</c>, when a mapping reads them.</summary>
    public ExpressionValue AppRoles { get; set; }

    /// <summary>Whether a write was sent for the object in this cycle.</summary>
    public bool Attempted { get; set; }
    public int Depth { get; set; }
    public string? ManagerId { get; set; }

    public TargetRecord? Target { get; set; }
    public ObjectFailure? Failure { get; set; }

    /// <summary>The values the mappings give, by target attribute (references still as source values until resolved).</summary>
    public Dictionary<string, ComputedValue> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<ProvisioningStep> Steps { get; } = [];
    public List<string> ScopeDetails { get; } = [];
    public List<string> MatchDetails { get; } = [];
    public long Started { get; set; }
    public string DisplayName => Source?.DisplayName ?? DisplayNameKept ?? Link?.SourceName ?? Id;

    /// <summary>
    /// Drops what only the export needed (source attributes, values, steps, the target record) once the entry is
    /// written, so a cycle over 100,000 users does not hold them all until it ends.
    /// </summary>
    public void Release()
    {
        DisplayNameKept = DisplayName;
        Source = null;
        Target = null;
        Values.Clear();
        Values.TrimExcess();
        Steps.Clear();
        Steps.TrimExcess();
        ScopeDetails.Clear();
        MatchDetails.Clear();
    }

    private string? DisplayNameKept { get; set; }

    public AttributeBag Bag()
    {
        var bag = new AttributeBag();
        if (Source is not null)
            foreach (var (name, value) in Source.Attributes) bag[name] = value;
        bag["objectId"] = ExpressionValue.FromString(Id);
        if (!AppRoles.IsNull) bag["appRoleAssignments"] = AppRoles;
        bag["IsSoftDeleted"] = ExpressionValue.FromBoolean(Decision is Decision.Disable or Decision.Delete);
        return bag;
    }

    public void Step(ProvisioningStepType type, string name, ProvisioningResult status, string description, params (string Key, string Value)[] details) =>
        Steps.Add(new ProvisioningStep(type, name, status, description, details.Select(d => new KeyValuePair<string, string>(d.Key, d.Value)).ToList()));
}

/// <summary>One mapping's value for one object.</summary>
internal sealed record ComputedValue(TargetAttribute Attribute, EvaluationResult Result)
{
    /// <summary>The value before resolution (a department name, a manager's object id).</summary>
    public string? SourceText => Result.Value.Text;
}
