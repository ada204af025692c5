namespace IdentityBridge.Provisioning.Logs;

/// <summary>Graph's <c>provisioningAction</c> (spec 5.1).</summary>
public enum ProvisioningAction
{
    Other,
    Create,
    Update,
    Delete,
    Disable,
    StagedDelete,
}

/// <summary>Graph's <c>provisioningResult</c>.</summary>
public enum ProvisioningResult
{
    Success,
    Failure,
    Skipped,
    Warning,
}

/// <summary>Graph's <c>provisioningStepType</c>, in the order a cycle takes the steps.</summary>
public enum ProvisioningStepType
{
    Import,
    Scoping,
    Matching,
    Processing,
    ReferenceResolution,
    Export,
}

/// <summary>Graph's <c>initiatorType</c>: who started the cycle an entry belongs to.</summary>
public enum ProvisioningInitiatorType
{
    System,
    User,
    Application,
}

/// <summary>One step of an entry: its type, a name (Entra's, such as <c>EntryImport</c>), its outcome and details.</summary>
public sealed record ProvisioningStep(
    ProvisioningStepType Type,
    string Name,
    ProvisioningResult Status,
    string Description,
    IReadOnlyList<KeyValuePair<string, string>> Details);

/// <summary>One attribute an export changed (or would change), with the target's value before and after.</summary>
public sealed record ModifiedProperty(string DisplayName, string? OldValue, string? NewValue);

/// <summary>Graph's <c>statusDetails</c>: the error code, why it happened and what to do.</summary>
public sealed record ProvisioningError(
    string ErrorCode,
    string Reason,
    string? RecommendedAction = null,
    string? AdditionalDetails = null,
    string ErrorCategory = "NonServiceFailure");

/// <summary>An object's identity on one side: id, type and the name people know it by.</summary>
public sealed record ProvisionedIdentity(string? Id, string Type, string? DisplayName);

/// <summary>
/// One provisioning log entry: what happened to one object in one cycle, in the fields of Graph's
/// <c>provisioningObjectSummary</c> (spec 5.1). Entries are immutable once written.
/// </summary>
public sealed record ProvisioningLogEntry
{
    /// <summary>The entry's id (a GUID).</summary>
    public required string Id { get; init; }

    public required DateTimeOffset ActivityDateTime { get; init; }

    public required string JobId { get; init; }

    /// <summary>The cycle, as Graph's <c>cycleId</c>.</summary>
    public required string CycleId { get; init; }

    /// <summary>This object's change within the cycle, as Graph's <c>changeId</c> (the join key of the CSV files).</summary>
    public required string ChangeId { get; init; }

    public required ProvisioningAction Action { get; init; }

    public required ProvisioningResult Status { get; init; }

    public ProvisioningError? Error { get; init; }

    public required ProvisionedIdentity SourceIdentity { get; init; }

    public required ProvisionedIdentity TargetIdentity { get; init; }

    public IReadOnlyList<ModifiedProperty> ModifiedProperties { get; init; } = [];

    public IReadOnlyList<ProvisioningStep> Steps { get; init; } = [];

    public long DurationInMilliseconds { get; init; }

    /// <summary>Names of the source and target systems for <c>sourceSystem</c>/<c>targetSystem</c>.</summary>
    public string SourceSystem { get; init; } = "Azure Active Directory";

    public string TargetSystem { get; init; } = "ServiceNow";

    /// <summary>The tenant the source belongs to.</summary>
    public string? TenantId { get; init; }

    /// <summary>The enterprise app (service principal) whose job this is, when there is one.</summary>
    public string? ServicePrincipalId { get; init; }

    /// <summary>Who started the cycle: <c>IdentityBridge Provisioning Service</c> for scheduled cycles, a user for on demand.</summary>
    public string InitiatedBy { get; init; } = "IdentityBridge Provisioning Service";

    /// <summary>The enterprise app's name, for Graph's <c>servicePrincipal.displayName</c>.</summary>
    public string? ServicePrincipalDisplayName { get; init; }

    /// <summary>Graph's <c>initiatedBy.id</c>: the user or app that started an on-demand run; empty for the service.</summary>
    public string? InitiatorId { get; init; }

    /// <summary>Graph's <c>initiatedBy.initiatorType</c>.</summary>
    public ProvisioningInitiatorType InitiatorType { get; init; } = ProvisioningInitiatorType.System;
}
