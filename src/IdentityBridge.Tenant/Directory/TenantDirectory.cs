using System.Globalization;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Security;

namespace IdentityBridge.Tenant.Directory;

/// <summary>
/// The directory's writes and the rules around them: every change to a user, a group or a membership is numbered in
/// <c>graph_change</c> for delta queries, deleting a user soft-deletes it, and a purge (or 30 days) hard-deletes it
/// with its memberships and assignments.
/// </summary>
public sealed class TenantDirectory
{
    /// <summary>How long a soft-deleted user stays restorable, as in Entra.</summary>
    public static readonly TimeSpan DeletedRetention = TimeSpan.FromDays(30);

    // Fixed keys of the tenant_setting rows.
    private const string TenantIdSetting = "00000000000000000000000000000001";
    private const string SequenceSetting = "00000000000000000000000000000002";

    private readonly TimeProvider _time;
    // Takes a sequence number and writes its change row as one step, so that a delta reader never sees a later
    // number before an earlier one. Across nodes, the unique index on seq keeps numbers distinct.
    private readonly SemaphoreSlim _changeGate = new(1, 1);

    private TenantDirectory(Store store, TimeProvider time, string tenantId)
    {
        Store = store;
        _time = time;
        TenantId = tenantId;
    }

    public Store Store { get; }

    /// <summary>The tenant id (a GUID), fixed at first start.</summary>
    public string TenantId { get; }

    internal static WriteOptions System { get; } = new("system");

    /// <summary>Reads the tenant's settings, creating the tenant id, the change sequence and the default domain on first start.</summary>
    public static async Task<TenantDirectory> OpenAsync(Store store, TimeProvider time, string defaultDomain,
        CancellationToken cancellationToken = default)
    {
        var tenant = await store.GetAsync(DirectoryTables.Setting, TenantIdSetting, cancellationToken: cancellationToken);
        if (tenant is null)
        {
            await store.InsertAsync(DirectoryTables.Setting, new Dictionary<string, string?>
            {
                ["sys_id"] = TenantIdSetting,
                ["name"] = "tenant_id",
                ["value"] = Guid.NewGuid().ToString("D"),
            }, System, cancellationToken);
            // A second node starting at the same moment loses the unique key and reads the winner's id.
            tenant = await store.GetAsync(DirectoryTables.Setting, TenantIdSetting, cancellationToken: cancellationToken)
                     ?? throw new InvalidOperationException("The tenant id could not be stored.");
        }
        if (await store.GetAsync(DirectoryTables.Setting, SequenceSetting, cancellationToken: cancellationToken) is null)
            await store.InsertAsync(DirectoryTables.Setting, new Dictionary<string, string?>
            {
                ["sys_id"] = SequenceSetting,
                ["name"] = "change_sequence",
                ["counter"] = "0",
            }, System, cancellationToken);
        var directory = new TenantDirectory(store, time, tenant["value"]!);
        if (await store.CountAsync(DirectoryTables.Domain, EncodedQuery.Empty, cancellationToken) == 0)
            await store.InsertAsync(DirectoryTables.Domain, new Dictionary<string, string?>
            {
                ["name"] = defaultDomain,
                ["is_default"] = "true",
                ["is_initial"] = "true",
                ["is_verified"] = "true",
            }, System, cancellationToken);
        return directory;
    }

    public string Now() => GlideDateTimes.Format(_time.GetUtcNow());

    // ---- change log -----------------------------------------------------------------------------------------

    /// <summary>The sequence number of the latest change: a delta round that starts now begins after it.</summary>
    public async Task<long> CurrentSequenceAsync(CancellationToken cancellationToken = default)
    {
        var row = await Store.GetAsync(DirectoryTables.Setting, SequenceSetting, cancellationToken: cancellationToken);
        return long.Parse(row?["counter"] ?? "0", CultureInfo.InvariantCulture);
    }

    internal async Task RecordAsync(string objectType, string objectId, string kind, string? memberId = null,
        string? memberType = null, CancellationToken cancellationToken = default)
    {
        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            var seq = await Store.IncrementAsync(DirectoryTables.Setting, SequenceSetting, "counter", System, cancellationToken)
                      ?? throw new InvalidOperationException("The change sequence is missing.");
            await Store.InsertAsync(DirectoryTables.Change, new Dictionary<string, string?>
            {
                ["seq"] = seq.ToString(CultureInfo.InvariantCulture),
                ["object_type"] = objectType,
                ["object_id"] = objectId,
                ["kind"] = kind,
                ["member_id"] = memberId,
                ["member_type"] = memberType,
            }, System, CancellationToken.None);
        }
        finally
        {
            _changeGate.Release();
        }
    }

    /// <summary>
    /// Records one change per object in two statements' worth of work: the sequence advances once by the number of
    /// objects, and the change rows go in as one batch. Under the same gate as <see cref="RecordAsync"/>, so the
    /// numbers stay in order for delta readers.
    /// </summary>
    internal async Task RecordManyAsync(string objectType, IReadOnlyList<string> objectIds, string kind,
        CancellationToken cancellationToken = default)
    {
        if (objectIds.Count == 0) return;
        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            var last = await Store.AddAsync(DirectoryTables.Setting, SequenceSetting, "counter", objectIds.Count, System, cancellationToken)
                       ?? throw new InvalidOperationException("The change sequence is missing.");
            var first = last - objectIds.Count + 1;
            var rows = new IReadOnlyDictionary<string, string?>[objectIds.Count];
            for (var i = 0; i < objectIds.Count; i++)
                rows[i] = new Dictionary<string, string?>
                {
                    ["seq"] = (first + i).ToString(CultureInfo.InvariantCulture),
                    ["object_type"] = objectType,
                    ["object_id"] = objectIds[i],
                    ["kind"] = kind,
                };
            var results = await Store.InsertManyAsync(DirectoryTables.Change, rows, System, CancellationToken.None);
            if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
                throw new InvalidOperationException("A change could not be recorded: " + failed.Error!.Detail);
        }
        finally
        {
            _changeGate.Release();
        }
    }

    /// <summary>The changes of one object type after a sequence number, oldest first.</summary>
    public async Task<IReadOnlyList<RecordRow>> ChangesAsync(string objectType, long after, int limit,
        CancellationToken cancellationToken = default)
    {
        var query = EncodedQuery.Where("object_type", objectType)
            .And(new QueryCondition("seq", QueryOperator.GreaterThan, after.ToString(CultureInfo.InvariantCulture)));
        var result = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.Change,
            Query = query with { Order = [new OrderTerm("seq", false)] },
            Limit = limit,
        }, cancellationToken);
        return result.Rows;
    }

    // ---- users ----------------------------------------------------------------------------------------------

    public async Task<WriteResult> CreateUserAsync(Dictionary<string, string?> values, string actor,
        CancellationToken cancellationToken = default)
    {
        values["created_date_time"] = Now();
        values.TryAdd("user_type", "Member");
        var result = await Store.InsertAsync(DirectoryTables.User, values, new WriteOptions(actor), cancellationToken);
        if (result.Succeeded) await RecordAsync("user", result.Row!.SysId, "changed", cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>
    /// Creates many users in one batch (see <see cref="Store.InsertManyAsync"/>), as <see cref="CreateUserAsync"/>
    /// creates one: each created user is recorded as changed, so a delta round started before the batch sees it.
    /// Answers one result per user; a duplicate or invalid user is refused alone.
    /// </summary>
    public async Task<IReadOnlyList<WriteResult>> CreateUsersAsync(IReadOnlyList<Dictionary<string, string?>> users, string actor,
        CancellationToken cancellationToken = default)
    {
        var now = Now();
        foreach (var values in users)
        {
            values["created_date_time"] = now;
            values.TryAdd("user_type", "Member");
        }
        var results = await Store.InsertManyAsync(DirectoryTables.User, users, new WriteOptions(actor), cancellationToken);
        await RecordManyAsync("user", results.Where(r => r.Succeeded).Select(r => r.Row!.SysId).ToList(), "changed",
            CancellationToken.None); // the users are written: their changes must be too
        return results;
    }

    /// <summary>
    /// Updates a user and records the change. When the update replaces or removes the manager, the change row keeps
    /// the previous manager in <c>member_id</c>, so that a delta round can say the manager was removed (Graph's
    /// <c>manager@delta</c> entry with <c>@removed</c>) and not only that the user changed.
    /// </summary>
    public async Task<WriteResult> UpdateUserAsync(string sysId, Dictionary<string, string?> values, string actor,
        CancellationToken cancellationToken = default)
    {
        string? previousManager = null;
        if (values.TryGetValue("manager", out var manager))
        {
            var current = await Store.GetAsync(DirectoryTables.User, sysId, ["sys_id", "manager"], cancellationToken: cancellationToken);
            previousManager = current?["manager"] is { Length: > 0 } before && before != manager ? before : null;
        }
        var result = await Store.UpdateAsync(DirectoryTables.User, sysId, values, new WriteOptions(actor), cancellationToken);
        if (result.Succeeded)
            await RecordAsync("user", sysId, "changed", previousManager, previousManager is null ? null : "user", cancellationToken);
        return result;
    }

    /// <summary>A user (live or soft-deleted) by userPrincipalName, case-insensitively; for idempotent import.</summary>
    public Task<RecordRow?> FindUserByPrincipalNameAsync(string userPrincipalName, CancellationToken cancellationToken = default) =>
        Store.FindAsync(DirectoryTables.User, "user_principal_name", userPrincipalName, cancellationToken);

    /// <summary>
    /// Checks a user's password for sign-in: the user, or null for a wrong password and for an unknown, deleted or
    /// disabled user alike.
    /// </summary>
    public async Task<RecordRow?> VerifyPasswordAsync(string userPrincipalName, string password,
        CancellationToken cancellationToken = default)
    {
        var user = await FindUserByPrincipalNameAsync(userPrincipalName, cancellationToken);
        var hash = user is null ? null : await Store.GetPasswordHashAsync(DirectoryTables.User, user.SysId, "password", cancellationToken);
        var valid = PasswordHasher.Verify(password, hash);
        return valid && user is not null && string.IsNullOrEmpty(user["deleted_date_time"]) && user["account_enabled"] == "true" ? user : null;
    }

    /// <summary>Moves a user to deleted items; it keeps its memberships until it is purged, as in Entra.</summary>
    public async Task<bool> SoftDeleteUserAsync(string sysId, string actor, CancellationToken cancellationToken = default)
    {
        var result = await Store.UpdateAsync(DirectoryTables.User, sysId,
            new Dictionary<string, string?> { ["deleted_date_time"] = Now() }, new WriteOptions(actor), cancellationToken);
        if (!result.Succeeded) return false;
        await RecordAsync("user", sysId, "changed", cancellationToken: cancellationToken);
        return true;
    }

    public async Task<bool> RestoreUserAsync(string sysId, string actor, CancellationToken cancellationToken = default)
    {
        var result = await Store.UpdateAsync(DirectoryTables.User, sysId,
            new Dictionary<string, string?> { ["deleted_date_time"] = "" }, new WriteOptions(actor), cancellationToken);
        if (!result.Succeeded) return false;
        await RecordAsync("user", sysId, "changed", cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Deletes a user for good, with its memberships, its app role assignments and the manager links to it.</summary>
    public async Task<bool> PurgeUserAsync(string sysId, string actor, CancellationToken cancellationToken = default)
    {
        if (await Store.GetAsync(DirectoryTables.User, sysId, ["sys_id"], cancellationToken: cancellationToken) is null) return false;
        await RemoveFromAllGroupsAsync(sysId, "user", cancellationToken);
        await Store.DeleteWhereAsync(DirectoryTables.AppRoleAssignment, EncodedQuery.Where("principal_id", sysId), cancellationToken);
        var reports = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.User,
            Query = EncodedQuery.Where("manager", sysId),
            Fields = ["sys_id"],
            Limit = 100_000,
        }, cancellationToken);
        foreach (var report in reports.Rows)
            await UpdateUserAsync(report.SysId, new Dictionary<string, string?> { ["manager"] = "" }, actor, cancellationToken);
        var deleted = await Store.DeleteAsync(DirectoryTables.User, sysId, cancellationToken);
        if (!deleted.Succeeded) return false;
        await RecordAsync("user", sysId, "deleted", cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Hard-deletes the users deleted more than 30 days ago; answers how many.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = GlideDateTimes.Format(_time.GetUtcNow() - DeletedRetention);
        var expired = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.User,
            Query = new EncodedQuery([new QueryGroup([
                new QueryClause([new QueryCondition("deleted_date_time", QueryOperator.IsNotEmpty, "")]),
                new QueryClause([new QueryCondition("deleted_date_time", QueryOperator.LessThan, cutoff)])])], [], []),
            Fields = ["sys_id"],
            Limit = 10_000,
        }, cancellationToken);
        foreach (var row in expired.Rows) await PurgeUserAsync(row.SysId, "system", cancellationToken);
        return expired.Rows.Count;
    }

    // ---- groups ---------------------------------------------------------------------------------------------

    public async Task<WriteResult> CreateGroupAsync(Dictionary<string, string?> values, string actor,
        CancellationToken cancellationToken = default)
    {
        values["created_date_time"] = Now();
        var result = await Store.InsertAsync(DirectoryTables.Group, values, new WriteOptions(actor), cancellationToken);
        if (result.Succeeded) await RecordAsync("group", result.Row!.SysId, "changed", cancellationToken: cancellationToken);
        return result;
    }

    public async Task<WriteResult> UpdateGroupAsync(string sysId, Dictionary<string, string?> values, string actor,
        CancellationToken cancellationToken = default)
    {
        var result = await Store.UpdateAsync(DirectoryTables.Group, sysId, values, new WriteOptions(actor), cancellationToken);
        if (result.Succeeded) await RecordAsync("group", sysId, "changed", cancellationToken: cancellationToken);
        return result;
    }

    /// <summary>Deletes a security group for good (Entra soft-deletes only Microsoft 365 groups).</summary>
    public async Task<bool> DeleteGroupAsync(string sysId, CancellationToken cancellationToken = default)
    {
        if (await Store.GetAsync(DirectoryTables.Group, sysId, ["sys_id"], cancellationToken: cancellationToken) is null) return false;
        await RemoveFromAllGroupsAsync(sysId, "group", cancellationToken);
        await Store.DeleteWhereAsync(DirectoryTables.GroupMember, EncodedQuery.Where("group_id", sysId), cancellationToken);
        await Store.DeleteWhereAsync(DirectoryTables.AppRoleAssignment, EncodedQuery.Where("principal_id", sysId), cancellationToken);
        var deleted = await Store.DeleteAsync(DirectoryTables.Group, sysId, cancellationToken);
        if (!deleted.Succeeded) return false;
        await RecordAsync("group", sysId, "deleted", cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Adds a direct member; false when it is a member already.</summary>
    public async Task<bool> AddMemberAsync(string groupId, string memberId, string memberType, string actor,
        CancellationToken cancellationToken = default)
    {
        var result = await Store.InsertAsync(DirectoryTables.GroupMember, new Dictionary<string, string?>
        {
            ["group_id"] = groupId,
            ["member_id"] = memberId,
            ["member_type"] = memberType,
        }, new WriteOptions(actor), cancellationToken);
        if (!result.Succeeded) return false;
        await RecordAsync("group", groupId, "member_added", memberId, memberType, cancellationToken);
        return true;
    }

    public async Task<bool> RemoveMemberAsync(string groupId, string memberId, CancellationToken cancellationToken = default)
    {
        var rows = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.GroupMember,
            Query = EncodedQuery.Where("group_id", groupId).And(new QueryCondition("member_id", QueryOperator.Equals, memberId)),
            Limit = 1,
        }, cancellationToken);
        if (rows.Rows.Count == 0) return false;
        var row = rows.Rows[0];
        await Store.DeleteAsync(DirectoryTables.GroupMember, row.SysId, cancellationToken);
        await RecordAsync("group", groupId, "member_removed", memberId, row["member_type"], cancellationToken);
        return true;
    }

    private async Task RemoveFromAllGroupsAsync(string memberId, string memberType, CancellationToken cancellationToken)
    {
        var rows = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.GroupMember,
            Query = EncodedQuery.Where("member_id", memberId),
            Limit = 100_000,
        }, cancellationToken);
        foreach (var row in rows.Rows)
        {
            await Store.DeleteAsync(DirectoryTables.GroupMember, row.SysId, cancellationToken);
            await RecordAsync("group", row["group_id"]!, "member_removed", memberId, memberType, cancellationToken);
        }
    }
}
