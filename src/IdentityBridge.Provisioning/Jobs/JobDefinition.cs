using System.Text.Json.Serialization;

namespace IdentityBridge.Provisioning.Jobs;

/// <summary>Who is in scope (spec 2.1): Entra's "Sync only assigned users and groups" or "Sync all users and groups".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProvisioningScope>))]
public enum ProvisioningScope
{
    AssignedUsersAndGroups,
    AllUsersAndGroups,
}

/// <summary>What to do when a department, location or company value has no record in the target.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MissingReferencePolicy>))]
public enum MissingReferencePolicy
{
    /// <summary>As Entra: the object fails with <c>InvalidLookupReference</c> and is retried later.</summary>
    Fail,

    /// <summary>Create the missing record (its display field set to the value), then use it.</summary>
    Create,
}

/// <summary>The directory a job reads. The secret is plain here and encrypted in the store.</summary>
public sealed record JobSource
{
    public required string GraphUrl { get; init; }
    public string? Authority { get; init; }
    public required string TenantId { get; init; }
    public required string ClientId { get; init; }
    [JsonPropertyName("clientSecret")] public string? ClientSecret { get; init; }
    public string? CertificateSha256 { get; init; }
}

/// <summary>The instance a job writes. Secrets are plain here and encrypted in the store.</summary>
public sealed record JobTarget
{
    public required string InstanceUrl { get; init; }

    /// <summary><c>basic</c> or <c>oauth</c>.</summary>
    public string Authentication { get; init; } = "basic";

    public string? UserName { get; init; }
    public string? Password { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public int MaxConcurrency { get; init; } = 8;
    public double? MaxRequestsPerSecond { get; init; }
}

/// <summary>The settings of spec 2 that a job carries, with Entra's defaults unless noted.</summary>
public sealed record JobSettings
{
    public ProvisioningScope Scope { get; init; } = ProvisioningScope.AssignedUsersAndGroups;

    /// <summary>The enterprise app (service principal id) whose assignments define scope.</summary>
    public string? ServicePrincipalId { get; init; }

    /// <summary>Entra's <c>SkipOutOfScopeDeletions</c>: objects leaving scope are not disabled (spec 2.9).</summary>
    public bool SkipOutOfScopeDeletions { get; init; }

    /// <summary>
    /// Entra's <c>QuarantineTooManyDeletesThreshold</c> (spec 2.8): more disables and deletes than this in one
    /// cycle are held back and the job quarantined. 0 turns the guard off.
    /// </summary>
    public int DeletionThreshold { get; init; } = 500;

    /// <summary>Time between incremental cycles: 40 minutes as Entra; zero for continuous (poll the delta link).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(40);

    /// <summary>How often continuous mode asks the directory for changes.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Members of nested groups of an assigned group are in scope too (Entra takes direct members only).</summary>
    public bool FlattenNestedGroups { get; init; }

    /// <summary>
    /// Per target table, an encoded query that narrows matching (for example <c>active=true</c> on sys_user, so a
    /// rehire does not fail with DuplicateTargetEntries against the old inactive record).
    /// </summary>
    public Dictionary<string, string> MatchingFilters { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public MissingReferencePolicy MissingReferences { get; init; } = MissingReferencePolicy.Fail;

    /// <summary>Per reference table, source values translated to the target's display values before the lookup.</summary>
    public Dictionary<string, Dictionary<string, string>> ReferenceMap { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long provisioning log entries are kept.</summary>
    public int LogRetentionDays { get; init; } = 30;
}

/// <summary>A provisioning job: a source, a target, a synchronization schema and settings.</summary>
public sealed record JobDefinition
{
    public required string Name { get; init; }
    public required JobSource Source { get; init; }
    public required JobTarget Target { get; init; }

    /// <summary>The synchronization schema as Graph's JSON; null for the shipped ServiceNow default.</summary>
    public string? Schema { get; init; }

    public JobSettings Settings { get; init; } = new();
}
