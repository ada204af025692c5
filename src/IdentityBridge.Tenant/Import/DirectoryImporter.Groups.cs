using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;

namespace IdentityBridge.Tenant.Import;

/// <summary>
/// Bulk loading of generated groups and memberships: a batch goes in with one <c>InsertManyAsync</c> (one
/// transaction) and its change rows with another, where <see cref="TenantDirectory.CreateGroupAsync"/> and
/// <see cref="TenantDirectory.AddMemberAsync"/> take two transactions and a change-log round trip per object. The
/// change rows are the ones those methods write (<c>changed</c> for a group, <c>member_added</c> with the member
/// for a membership), so a delta round whose deltaLink was taken before the load returns the new groups with their
/// <c>members@delta</c>, as it would after the same writes through Graph.
/// </summary>
/// <remarks>
/// The change numbers are reserved in one step before the rows are written, outside the directory's own change
/// gate. A delta reader could therefore pass over numbers a concurrent single write takes after the reservation
/// and commits first; load a directory that nothing else writes at the time (as <c>tenant generate</c> and the
/// benchmarks do).
/// </remarks>
public sealed partial class DirectoryImporter
{
    private const string SequenceName = "change_sequence";

    /// <summary>
    /// Creates the groups of a batch that are not in the directory yet (by id), each recorded as changed. Answers how
    /// many were created; a group already there is left alone, so an interrupted load can be run again.
    /// </summary>
    public async Task<int> ImportGroupsAsync(IReadOnlyList<GeneratedGroup> groups, CancellationToken cancellationToken = default)
    {
        var now = directory.Now();
        var rows = new List<IReadOnlyDictionary<string, string?>>(groups.Count);
        foreach (var group in groups)
        {
            var body = new JsonObject
            {
                ["displayName"] = group.DisplayName,
                ["description"] = group.Description,
                ["mailNickname"] = group.MailNickname,
                ["mailEnabled"] = false,
                ["securityEnabled"] = true,
            };
            using var document = JsonDocument.Parse(body.ToJsonString());
            var values = GraphJson.Values(GraphType.Group, document.RootElement);
            values["sys_id"] = GraphIds.ToSysId(group.Id);
            values["created_date_time"] = now;
            rows.Add(values);
        }
        var created = await InsertNewAsync(DirectoryTables.Group, rows, cancellationToken);
        await RecordAsync(created.Select(row => ("group", row["sys_id"]!, "changed", (string?)null)).ToList(), cancellationToken);
        return created.Count;
    }

    /// <summary>
    /// Adds the user memberships of a batch that are not in the directory yet, each recorded as <c>member_added</c>
    /// on its group. The groups and users must exist (load them first). Answers how many were added; a membership
    /// already there (by its record id, or the same user in the same group) is left alone.
    /// </summary>
    public async Task<int> ImportMembershipsAsync(IReadOnlyList<GeneratedMembership> memberships, DirectoryGenerator generator,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>(memberships.Count);
        foreach (var membership in memberships)
            rows.Add(new Dictionary<string, string?>
            {
                ["sys_id"] = GraphIds.ToSysId(generator.IdFor("membership", checked((int)membership.Index))),
                ["group_id"] = GraphIds.ToSysId(generator.IdFor("group", membership.GroupIndex)),
                ["member_id"] = GraphIds.ToSysId(generator.IdFor("user", membership.UserIndex)),
                ["member_type"] = "user",
            });
        var added = await InsertNewAsync(DirectoryTables.GroupMember, rows, cancellationToken);
        await RecordAsync(added.Select(row => ("group", row["group_id"]!, "member_added", row["member_id"])).ToList(), cancellationToken);
        return added.Count;
    }

    /// <summary>Inserts the rows in one transaction and answers those written; a row refused for a key already there is skipped.</summary>
    private async Task<List<IReadOnlyDictionary<string, string?>>> InsertNewAsync(Storage.Schema.TableDefinition table,
        List<IReadOnlyDictionary<string, string?>> rows, CancellationToken cancellationToken)
    {
        var results = await directory.Store.InsertManyAsync(table, rows, new WriteOptions(actor), cancellationToken);
        var written = new List<IReadOnlyDictionary<string, string?>>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (results[i].Succeeded) written.Add(rows[i]);
            else if (results[i].Error!.Kind != WriteErrorKind.Aborted)
                throw new InvalidOperationException($"A generated {table.Name} row was refused: {results[i].Error!.Detail}");
        }
        return written;
    }

    /// <summary>
    /// Writes change rows as the directory's single writes do: the sequence advances once by their number, then the
    /// rows go in as one batch, numbered in order.
    /// </summary>
    private async Task RecordAsync(IReadOnlyList<(string ObjectType, string ObjectId, string Kind, string? MemberId)> changes,
        CancellationToken cancellationToken)
    {
        if (changes.Count == 0) return;
        var sequence = await directory.Store.FindAsync(DirectoryTables.Setting, "name", SequenceName, cancellationToken)
                       ?? throw new InvalidOperationException("The change sequence is missing; open the directory with TenantDirectory.OpenAsync first.");
        // The rows are written: their changes must be too, even when the caller gives up now.
        var last = await directory.Store.AddAsync(DirectoryTables.Setting, sequence.SysId, "counter", changes.Count,
                       new WriteOptions("system"), CancellationToken.None)
                   ?? throw new InvalidOperationException("The change sequence is missing.");
        var first = last - changes.Count + 1;
        var rows = new IReadOnlyDictionary<string, string?>[changes.Count];
        for (var i = 0; i < changes.Count; i++)
            rows[i] = new Dictionary<string, string?>
            {
                ["seq"] = (first + i).ToString(CultureInfo.InvariantCulture),
                ["object_type"] = changes[i].ObjectType,
                ["object_id"] = changes[i].ObjectId,
                ["kind"] = changes[i].Kind,
                ["member_id"] = changes[i].MemberId,
                ["member_type"] = changes[i].MemberId is null ? null : "user",
            };
        var results = await directory.Store.InsertManyAsync(DirectoryTables.Change, rows, new WriteOptions("system"), CancellationToken.None);
        if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
            throw new InvalidOperationException("A change could not be recorded: " + failed.Error!.Detail);
    }
}
