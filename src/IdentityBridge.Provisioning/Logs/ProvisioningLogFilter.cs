namespace IdentityBridge.Provisioning.Logs;

/// <summary>How an identity filter compares with ids and display names; always ignoring case.</summary>
public enum IdentityMatch
{
    Equals,
    StartsWith,
    Contains,
}

/// <summary>
/// Which entries of one job to read, as the portal's filters pick them (spec 5.1): identity, action, status, cycle,
/// change, error code and a time range. Conditions that are set must all hold.
/// </summary>
public sealed record ProvisioningLogFilter
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;

    public required string JobId { get; init; }

    /// <summary>An object on either side: its id or display name (the portal's "Identity" filter).</summary>
    public string? Identity { get; init; }

    /// <summary>The source object: its id or display name.</summary>
    public string? SourceIdentity { get; init; }

    /// <summary>The target object: its id (a ServiceNow sys_id) or display name.</summary>
    public string? TargetIdentity { get; init; }

    public IdentityMatch IdentityMatch { get; init; } = IdentityMatch.Equals;

    public ProvisioningAction? Action { get; init; }

    public ProvisioningResult? Status { get; init; }

    public string? CycleId { get; init; }

    public string? ChangeId { get; init; }

    public string? ErrorCode { get; init; }

    /// <summary>Entries at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Entries before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>At most this many entries per page, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The <see cref="ProvisioningLogPage.Continuation"/> of the previous page, to read the next one.</summary>
    public string? Continuation { get; init; }
}

/// <summary>A page of entries, newest first, and the token that reads the next page (null after the last one).</summary>
public sealed record ProvisioningLogPage(IReadOnlyList<ProvisioningLogEntry> Entries, string? Continuation);

/// <summary>How many entries a filter matches, in all and per action, status and both, for summaries.</summary>
public sealed record ProvisioningLogCounts(
    long Total,
    IReadOnlyDictionary<ProvisioningAction, long> ByAction,
    IReadOnlyDictionary<ProvisioningResult, long> ByStatus,
    IReadOnlyDictionary<(ProvisioningAction Action, ProvisioningResult Status), long> ByActionAndStatus);
