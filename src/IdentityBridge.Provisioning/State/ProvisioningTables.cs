using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.State;

/// <summary>
/// The provisioning store's tables: jobs, and per job the state Entra keeps in its connector data store (links
/// from source ids to target sys_ids, the directory's group memberships), the assignments seen last, escrows,
/// references waiting for their target, and cycle history. Rows of per-object state have deterministic sys_ids
/// (<see cref="KeyOf"/>), so writing the same fact twice, as a cycle resumed after a crash does, is an upsert.
/// </summary>
public static class ProvisioningTables
{
    private const int Json = 4_000_000;

    public static TableDefinition Job { get; } = new("prov_job", "Provisioning job", "name",
    [
        ColumnDefinition.String("job_id", maxLength: 200) with { Mandatory = true },
        ColumnDefinition.String("name", maxLength: 100) with { Mandatory = true },
        // The whole definition (source, target, settings, schema) as JSON, secrets inside encrypted.
        ColumnDefinition.String("definition", maxLength: Json),
        ColumnDefinition.Choice("schedule_state", ["Active", "Paused", "Disabled"], defaultValue: "Active"),
        // Graph's synchronizationStatus, as the engine keeps it between cycles.
        ColumnDefinition.String("status", maxLength: Json),
        ColumnDefinition.String("users_watermark", maxLength: 8_000),
        ColumnDefinition.String("groups_watermark", maxLength: 8_000),
        // What the next cycle must do beyond the delta: a restart's reset scope (ForceDeletes) and an interrupted cycle.
        ColumnDefinition.String("pending_restart", maxLength: 200),
        ColumnDefinition.String("running_cycle", maxLength: 64),
        ColumnDefinition.DateTime("next_run"),
        ColumnDefinition.String("lease_owner", maxLength: 200),
        ColumnDefinition.DateTime("lease_until"),
    ],
    [IndexDefinition.UniqueOn("name"), IndexDefinition.UniqueOn("job_id")]);

    /// <summary>A source object the job has linked to a target record (Entra caches the target id, spec 2.2).</summary>
    public static TableDefinition Link { get; } = new("prov_link", "Provisioning link", "source_name",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.Choice("object_type", ["User", "Group"]),
        ColumnDefinition.String("source_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.String("source_name", maxLength: 400),
        ColumnDefinition.String("target_id", maxLength: 64),
        // Active: provisioned and enabled; Disabled: deprovisioned by update (out of scope, disabled, soft-deleted).
        ColumnDefinition.Choice("state", ["Active", "Disabled"], defaultValue: "Active"),
        ColumnDefinition.DateTime("last_exported"),
    ],
    [IndexDefinition.On("job", "object_type", "source_name"), IndexDefinition.On("job", "target_id")]);

    /// <summary>
    /// A direct membership in the directory, and the sys_user_grmember record the job made for it (empty while it
    /// waits for its user to be provisioned or enabled: the queue that adds members who enter scope later).
    /// </summary>
    public static TableDefinition Member { get; } = new("prov_member", "Provisioning membership", "member_id",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.String("group_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.String("member_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.Choice("member_type", ["User", "Group"]),
        ColumnDefinition.String("target_id", maxLength: 64),
    ],
    [IndexDefinition.On("job", "group_id"), IndexDefinition.On("job", "member_id")]);

    /// <summary>A principal assigned to the job's enterprise app when the last cycle read the assignments.</summary>
    public static TableDefinition Assignment { get; } = new("prov_assignment", "Provisioning assignment", "principal_id",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.String("principal_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.Choice("principal_type", ["User", "Group"]),
    ],
    [IndexDefinition.On("job")]);

    /// <summary>
    /// An object to process again: a failure retried with back-off (Retry), or a deletion held back by the
    /// accidental-deletion guard (StagedDelete) until deletes are allowed.
    /// </summary>
    public static TableDefinition Escrow { get; } = new("prov_escrow", "Provisioning escrow", "source_name",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.Choice("object_type", ["User", "Group"]),
        ColumnDefinition.String("source_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.String("source_name", maxLength: 400),
        ColumnDefinition.Choice("kind", ["Retry", "StagedDelete"], defaultValue: "Retry"),
        ColumnDefinition.String("error_code", maxLength: 200),
        ColumnDefinition.String("message", maxLength: 4_000),
        ColumnDefinition.Boolean("reference_failure"),
        ColumnDefinition.Integer("attempts", defaultValue: 0),
        ColumnDefinition.DateTime("first_failed"),
        ColumnDefinition.DateTime("next_attempt"),
    ],
    [IndexDefinition.On("job", "kind", "next_attempt")]);

    /// <summary>A reference (manager) that names an object not provisioned yet; written when that object gets its record.</summary>
    public static TableDefinition PendingReference { get; } = new("prov_pending_reference", "Pending reference", "source_id",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.Choice("object_type", ["User", "Group"]),
        ColumnDefinition.String("source_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.String("attribute", maxLength: 100) with { Mandatory = true },
        ColumnDefinition.String("referenced_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.DateTime("since"),
    ],
    [IndexDefinition.On("job", "referenced_id"), IndexDefinition.On("job", "source_id")]);

    /// <summary>One cycle: Graph's synchronizationTaskExecution, kept as history.</summary>
    public static TableDefinition Cycle { get; } = new("prov_cycle", "Provisioning cycle", "cycle_id",
    [
        ColumnDefinition.String("job", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.String("cycle_id", maxLength: 64) with { Mandatory = true },
        ColumnDefinition.Choice("kind", ["Initial", "Incremental", "OnDemand"]),
        ColumnDefinition.Choice("state", ["Running", "Succeeded", "Failed", "EntryLevelErrors", "Interrupted"]),
        ColumnDefinition.DateTime("began"),
        ColumnDefinition.DateTime("ended"),
        ColumnDefinition.String("execution", maxLength: Json),
    ],
    [IndexDefinition.On("job", "began")]);

    public static IReadOnlyList<TableDefinition> All { get; } = [Job, Link, Member, Assignment, Escrow, PendingReference, Cycle];

    /// <summary>
    /// The sys_id of a per-object row: a hash of its identifying parts, so the same fact always lands on the same
    /// row. 128 bits of SHA-256 keep collisions out of reach for any directory.
    /// </summary>
    public static string KeyOf(params ReadOnlySpan<string> parts)
    {
        var text = string.Join('\u001f', parts.ToArray());
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
