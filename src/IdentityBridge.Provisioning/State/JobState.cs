using IdentityBridge.Provisioning.Source;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.State;

/// <summary>A source object linked to its target record.</summary>
internal sealed record Link(SourceObjectType Type, string SourceId, string? SourceName, string TargetId, bool Active);

/// <summary>A direct membership in the directory and the grmember record made for it (null while it waits).</summary>
internal sealed record Membership(string GroupId, string MemberId, SourceObjectType MemberType, string? TargetId);

/// <summary>An object held for another attempt, or a deletion held back by the guard.</summary>
internal sealed record Escrow(SourceObjectType Type, string SourceId, string? SourceName, string Kind, string? ErrorCode, string? Message,
    bool ReferenceFailure, long Attempts, DateTimeOffset? FirstFailed, DateTimeOffset? NextAttempt);

/// <summary>A reference from one object to another that has no target record yet.</summary>
internal sealed record PendingReference(SourceObjectType Type, string SourceId, string Attribute, string ReferencedId);

/// <summary>
/// Reads and writes one job's rows in the provisioning store. Writes are collected in a <see cref="StateBatch"/>
/// and flushed in one transaction per batch of objects.
/// </summary>
internal sealed class JobState(Store store, string job)
{
    private const int InListSize = 500;

    public Store Store => store;
    public string Job => job;

    public static string TypeName(SourceObjectType type) => type == SourceObjectType.User ? "User" : "Group";

    private static SourceObjectType ParseType(string? text) => text == "Group" ? SourceObjectType.Group : SourceObjectType.User;

    public string LinkKey(SourceObjectType type, string sourceId) => ProvisioningTables.KeyOf(job, "link", TypeName(type), sourceId);

    public string MemberKey(string groupId, string memberId) => ProvisioningTables.KeyOf(job, "member", groupId, memberId);

    public string EscrowKey(SourceObjectType type, string sourceId) => ProvisioningTables.KeyOf(job, "escrow", TypeName(type), sourceId);

    public string PendingKey(SourceObjectType type, string sourceId, string attribute) =>
        ProvisioningTables.KeyOf(job, "pending", TypeName(type), sourceId, attribute);

    public string AssignmentKey(string principalId) => ProvisioningTables.KeyOf(job, "assignment", principalId);

    // ---- reads -------------------------------------------------------------------------------------------------

    /// <summary>Every row of a table for this job matching <paramref name="extra"/>, paged by sys_id.</summary>
    private async Task<List<RecordRow>> AllAsync(TableDefinition table, IReadOnlyList<QueryCondition> extra, CancellationToken cancellationToken,
        bool byKey = false)
    {
        var rows = new List<RecordRow>();
        string? after = null;
        while (true)
        {
            // Rows looked up by key need no job condition (their keys are made from the job), and giving one lets
            // SQLite walk every row of the job through the job's index instead of seeking each key.
            var query = byKey ? EncodedQuery.Empty : EncodedQuery.Where("job", job);
            foreach (var condition in extra) query = query.And(condition);
            if (after is not null) query = query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, after));
            var page = (await store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = query with { Order = [new OrderTerm(TableDefinition.SysId, false)] },
                Limit = 10_000,
            }, cancellationToken)).Rows;
            rows.AddRange(page);
            if (page.Count < 10_000) return rows;
            after = page[^1].SysId;
        }
    }

    private async Task<List<RecordRow>> InAsync(TableDefinition table, string field, IEnumerable<string> values, CancellationToken cancellationToken)
    {
        var rows = new List<RecordRow>();
        foreach (var chunk in values.Distinct(StringComparer.Ordinal).Chunk(InListSize))
            rows.AddRange(await AllAsync(table, [new QueryCondition(field, QueryOperator.In, string.Join(",", chunk))], cancellationToken,
                byKey: field == TableDefinition.SysId));
        return rows;
    }

    private static Link ReadLink(RecordRow row) =>
        new(ParseType(row["object_type"]), row["source_id"]!, row["source_name"], row["target_id"]!, row["state"] != "Disabled");

    public async Task<Dictionary<string, Link>> AllLinksAsync(SourceObjectType type, CancellationToken cancellationToken) =>
        (await AllAsync(ProvisioningTables.Link, [new QueryCondition("object_type", QueryOperator.Equals, TypeName(type))], cancellationToken))
        .Select(ReadLink).ToDictionary(l => l.SourceId, StringComparer.Ordinal);

    public async Task<Dictionary<string, Link>> LinksAsync(SourceObjectType type, IEnumerable<string> sourceIds, CancellationToken cancellationToken)
    {
        var keys = sourceIds.Select(id => LinkKey(type, id));
        return (await InAsync(ProvisioningTables.Link, TableDefinition.SysId, keys, cancellationToken))
            .Select(ReadLink).ToDictionary(l => l.SourceId, StringComparer.Ordinal);
    }

    private static Membership ReadMember(RecordRow row) =>
        new(row["group_id"]!, row["member_id"]!, ParseType(row["member_type"]), string.IsNullOrEmpty(row["target_id"]) ? null : row["target_id"]);

    public async Task<List<Membership>> AllMembershipsAsync(CancellationToken cancellationToken) =>
        (await AllAsync(ProvisioningTables.Member, [], cancellationToken)).Select(ReadMember).ToList();

    public async Task<List<Membership>> MembershipsOfGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken) =>
        (await InAsync(ProvisioningTables.Member, "group_id", groupIds, cancellationToken)).Select(ReadMember).ToList();

    public async Task<List<Membership>> MembershipsOfMembersAsync(IEnumerable<string> memberIds, CancellationToken cancellationToken) =>
        (await InAsync(ProvisioningTables.Member, "member_id", memberIds, cancellationToken)).Select(ReadMember).ToList();

    private static Escrow ReadEscrow(RecordRow row) => new(
        ParseType(row["object_type"]), row["source_id"]!, row["source_name"], row["kind"] ?? "Retry", row["error_code"], row["message"],
        row["reference_failure"] == "true", long.TryParse(row["attempts"], out var attempts) ? attempts : 0,
        GlideDateTimes.TryParse(row["first_failed"], out var first) ? first : null,
        GlideDateTimes.TryParse(row["next_attempt"], out var next) ? next : null);

    public async Task<List<Escrow>> EscrowsAsync(CancellationToken cancellationToken) =>
        (await AllAsync(ProvisioningTables.Escrow, [], cancellationToken)).Select(ReadEscrow).ToList();

    /// <summary>Escrows of one type due for another attempt by <paramref name="now"/>, and the staged deletions when asked; by index.</summary>
    public async Task<List<Escrow>> DueEscrowsAsync(SourceObjectType type, DateTimeOffset now, bool staged, CancellationToken cancellationToken)
    {
        var due = await AllAsync(ProvisioningTables.Escrow, [
            new QueryCondition("kind", QueryOperator.Equals, "Retry"),
            new QueryCondition("next_attempt", QueryOperator.LessThanOrEquals, GlideDateTimes.Format(now)),
            new QueryCondition("object_type", QueryOperator.Equals, TypeName(type))], cancellationToken);
        if (staged)
            due.AddRange(await AllAsync(ProvisioningTables.Escrow, [
                new QueryCondition("kind", QueryOperator.Equals, "StagedDelete"),
                new QueryCondition("object_type", QueryOperator.Equals, TypeName(type))], cancellationToken));
        return due.Select(ReadEscrow).ToList();
    }

    public async Task<Dictionary<string, Escrow>> EscrowsOfAsync(SourceObjectType type, IEnumerable<string> sourceIds, CancellationToken cancellationToken) =>
        (await InAsync(ProvisioningTables.Escrow, TableDefinition.SysId, sourceIds.Select(id => EscrowKey(type, id)), cancellationToken))
        .Select(ReadEscrow).ToDictionary(e => e.SourceId, StringComparer.Ordinal);

    public async Task<List<PendingReference>> PendingReferencesToAsync(IEnumerable<string> referencedIds, CancellationToken cancellationToken) =>
        (await InAsync(ProvisioningTables.PendingReference, "referenced_id", referencedIds, cancellationToken))
        .Select(r => new PendingReference(ParseType(r["object_type"]), r["source_id"]!, r["attribute"]!, r["referenced_id"]!)).ToList();

    public async Task<Dictionary<string, SourceObjectType>> AssignmentsAsync(CancellationToken cancellationToken) =>
        (await AllAsync(ProvisioningTables.Assignment, [], cancellationToken))
        .ToDictionary(r => r["principal_id"]!, r => ParseType(r["principal_type"]), StringComparer.Ordinal);

    public async Task<long> CountAsync(TableDefinition table, IReadOnlyList<QueryCondition> extra, CancellationToken cancellationToken)
    {
        var query = EncodedQuery.Where("job", job);
        foreach (var condition in extra) query = query.And(condition);
        return await store.CountAsync(table, query, cancellationToken);
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    public StateBatch Batch() => new(this);

    /// <summary>Deletes the rows of the given tables for this job (a restart's reset).</summary>
    public Task ClearAsync(IEnumerable<TableDefinition> tables, CancellationToken cancellationToken) =>
        store.WriteBatchAsync(tables.Select(t => (BatchWrite)new BatchWrite.DeleteWhere(t, EncodedQuery.Where("job", job))).ToList(),
            StateBatch.Writer, cancellationToken);
}

/// <summary>State changes collected while objects are processed, written in one transaction.</summary>
internal sealed class StateBatch(JobState state)
{
    public static readonly WriteOptions Writer = new("provisioning");
    private readonly List<BatchWrite> _writes = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate) return _writes.Count;
        }
    }

    private void Add(BatchWrite write)
    {
        lock (_gate) _writes.Add(write);
    }

    public void SetLink(Link link, DateTimeOffset now) => Add(new BatchWrite.Upsert(ProvisioningTables.Link, new Dictionary<string, string?>
    {
        ["sys_id"] = state.LinkKey(link.Type, link.SourceId),
        ["job"] = state.Job,
        ["object_type"] = JobState.TypeName(link.Type),
        ["source_id"] = link.SourceId,
        ["source_name"] = Clip(link.SourceName, 400),
        ["target_id"] = link.TargetId,
        ["state"] = link.Active ? "Active" : "Disabled",
        ["last_exported"] = GlideDateTimes.Format(now),
    }));

    public void RemoveLink(SourceObjectType type, string sourceId) =>
        Add(new BatchWrite.Delete(ProvisioningTables.Link, state.LinkKey(type, sourceId)));

    public void SetMembership(Membership membership) => Add(new BatchWrite.Upsert(ProvisioningTables.Member, new Dictionary<string, string?>
    {
        ["sys_id"] = state.MemberKey(membership.GroupId, membership.MemberId),
        ["job"] = state.Job,
        ["group_id"] = membership.GroupId,
        ["member_id"] = membership.MemberId,
        ["member_type"] = JobState.TypeName(membership.MemberType),
        ["target_id"] = membership.TargetId ?? "",
    }));

    public void RemoveMembership(string groupId, string memberId) =>
        Add(new BatchWrite.Delete(ProvisioningTables.Member, state.MemberKey(groupId, memberId)));

    public void SetEscrow(Escrow escrow) => Add(new BatchWrite.Upsert(ProvisioningTables.Escrow, new Dictionary<string, string?>
    {
        ["sys_id"] = state.EscrowKey(escrow.Type, escrow.SourceId),
        ["job"] = state.Job,
        ["object_type"] = JobState.TypeName(escrow.Type),
        ["source_id"] = escrow.SourceId,
        ["source_name"] = Clip(escrow.SourceName, 400),
        ["kind"] = escrow.Kind,
        ["error_code"] = Clip(escrow.ErrorCode, 200),
        ["message"] = Clip(escrow.Message, 4_000),
        ["reference_failure"] = escrow.ReferenceFailure ? "true" : "false",
        ["attempts"] = escrow.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["first_failed"] = escrow.FirstFailed is { } first ? GlideDateTimes.Format(first) : "",
        ["next_attempt"] = escrow.NextAttempt is { } next ? GlideDateTimes.Format(next) : "",
    }));

    public void RemoveEscrow(SourceObjectType type, string sourceId) =>
        Add(new BatchWrite.Delete(ProvisioningTables.Escrow, state.EscrowKey(type, sourceId)));

    public void SetPendingReference(PendingReference reference, DateTimeOffset now) => Add(new BatchWrite.Upsert(ProvisioningTables.PendingReference,
        new Dictionary<string, string?>
        {
            ["sys_id"] = state.PendingKey(reference.Type, reference.SourceId, reference.Attribute),
            ["job"] = state.Job,
            ["object_type"] = JobState.TypeName(reference.Type),
            ["source_id"] = reference.SourceId,
            ["attribute"] = reference.Attribute,
            ["referenced_id"] = reference.ReferencedId,
            ["since"] = GlideDateTimes.Format(now),
        }));

    public void RemovePendingReference(SourceObjectType type, string sourceId, string attribute) =>
        Add(new BatchWrite.Delete(ProvisioningTables.PendingReference, state.PendingKey(type, sourceId, attribute)));

    public void SetAssignment(string principalId, SourceObjectType type) => Add(new BatchWrite.Upsert(ProvisioningTables.Assignment,
        new Dictionary<string, string?>
        {
            ["sys_id"] = state.AssignmentKey(principalId),
            ["job"] = state.Job,
            ["principal_id"] = principalId,
            ["principal_type"] = JobState.TypeName(type),
        }));

    public void RemoveAssignment(string principalId) => Add(new BatchWrite.Delete(ProvisioningTables.Assignment, state.AssignmentKey(principalId)));

    public void Raw(BatchWrite write) => Add(write);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<BatchWrite> writes;
        lock (_gate)
        {
            if (_writes.Count == 0) return;
            writes = [.. _writes];
            _writes.Clear();
        }
        await state.Store.WriteBatchAsync(writes, Writer, cancellationToken);
    }

    private static string? Clip(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
