using System.Globalization;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Delta queries. A round without a token pages through every object (keyset by id) and ends with a deltaLink
/// holding the change sequence number taken when the round began; a round with a token reads only
/// <c>graph_change</c> rows after that number, by index, so its cost follows the number of changes.
/// Tokens: <c>i|seq|lastId</c> while the first round pages, <c>c|seq</c> afterwards.
/// </summary>
internal sealed partial class GraphApi
{
    private static readonly JsonObject RemovedChanged = new() { ["reason"] = "changed" };
    private static readonly JsonObject RemovedDeleted = new() { ["reason"] = "deleted" };

    private async Task DeltaAsync(GraphRequest request, GraphType type)
    {
        Require(request, type == GraphType.User ? GraphPermissions.ReadUsers : GraphPermissions.ReadGroups);
        request.Allow("$select", "$skiptoken", "$deltatoken", "$top");
        var navigation = type == GraphType.User ? "manager" : "members";
        var selection = GraphJson.Select(type, request.Option("$select"), navigation);
        var navigationSelected = (request.Option("$select") ?? "").Split(',')
            .Any(s => s.Trim().Equals(navigation, StringComparison.OrdinalIgnoreCase));
        var withMembers = type == GraphType.Group && (!selection.Explicit || navigationSelected);
        // manager@delta only when manager is selected, as Graph answers it.
        var withManager = type == GraphType.User && navigationSelected;
        var size = request.Top();
        var token = request.Option("$skiptoken") ?? request.Option("$deltatoken");
        if (string.Equals(token, "latest", StringComparison.OrdinalIgnoreCase) && request.Option("$skiptoken") is null)
        {
            // Graph's $deltatoken=latest: no objects, only a deltaLink from now on, for a client that needs no first round.
            var now = await directory.CurrentSequenceAsync(request.Aborted);
            await request.WriteAsync(StatusCodes.Status200OK, new JsonObject
            {
                ["@odata.context"] = request.Root + "$metadata#" + selection.ContextSuffix(type.EntitySet),
                ["value"] = new JsonArray(),
                ["@odata.deltaLink"] = request.LinkWith("$deltatoken", GraphRequest.Token("c|" + Number(now)), "$skiptoken"),
            });
            return;
        }
        var text = token is null ? null : GraphRequest.ReadToken(token);
        if (token is not null && text is null) throw InvalidDeltaToken();

        var body = new JsonObject { ["@odata.context"] = request.Root + "$metadata#" + selection.ContextSuffix(type.EntitySet) };
        JsonArray value;
        string? next = null, delta = null;
        if (text is null || text.StartsWith("i|", StringComparison.Ordinal))
        {
            long seq;
            string? after = null;
            if (text is null) seq = await directory.CurrentSequenceAsync(request.Aborted);
            else
            {
                var parts = text.Split('|');
                if (parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out seq) ||
                    (parts[2].Length > 0 && !SysIds.IsSysId(parts[2])))
                    throw InvalidDeltaToken();
                after = parts[2].Length == 0 ? null : parts[2];
            }
            var table = type == GraphType.User ? DirectoryTables.User : DirectoryTables.Group;
            var conditions = new List<QueryCondition>();
            if (type == GraphType.User) conditions.Add(NotDeleted);
            if (after is not null) conditions.Add(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, after));
            var rows = (await Store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = ODataFilter.ToQuery([], conditions) with { Order = KeysetOrder },
                Fields = withManager ? selection.Columns("manager") : selection.Columns(),
                Limit = size + 1,
            }, request.Aborted)).Rows;
            var page = rows.Take(size).ToList();
            value = [];
            Dictionary<string, List<(string, string)>>? members = withMembers ? await MembersOfAsync(page.Select(r => r.SysId).ToList(), request.Aborted) : null;
            foreach (var row in page)
            {
                var json = GraphJson.Object(type, row, selection);
                if (members is not null)
                    json["members@delta"] = new JsonArray(members.GetValueOrDefault(row.SysId, [])
                        .Select(m => (JsonNode)MemberRef(m.Item1, m.Item2, removed: false)).ToArray());
                if (withManager && !string.IsNullOrEmpty(row["manager"]))
                    json["manager@delta"] = new JsonArray(MemberRef(row["manager"]!, "user", removed: false));
                value.Add(json);
            }
            if (rows.Count > size) next = "i|" + Number(seq) + "|" + page[^1].SysId;
            else delta = "c|" + Number(seq);
        }
        else if (text.StartsWith("c|", StringComparison.Ordinal) &&
                 long.TryParse(text[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var since))
        {
            var changes = await directory.ChangesAsync(type.Name, since, size + 1, request.Aborted);
            var batch = changes.Take(size).ToList();
            value = await ChangedObjectsAsync(type, batch, selection, withMembers, withManager, request.Aborted);
            var last = batch.Count == 0 ? since : long.Parse(batch[^1]["seq"]!, CultureInfo.InvariantCulture);
            if (changes.Count > size) next = "c|" + Number(last);
            else delta = "c|" + Number(last);
        }
        else throw InvalidDeltaToken();

        body["value"] = value;
        if (next is not null) body["@odata.nextLink"] = request.LinkWith("$skiptoken", GraphRequest.Token(next), "$deltatoken");
        else body["@odata.deltaLink"] = request.LinkWith("$deltatoken", GraphRequest.Token(delta!), "$skiptoken");
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private static GraphException InvalidDeltaToken() =>
        GraphException.BadRequest("The delta token is not valid; start a new round with a request without a token.");

    private static JsonObject MemberRef(string id, string type, bool removed)
    {
        var json = new JsonObject
        {
            ["@odata.type"] = type == "group" ? GraphType.Group.ODataType : GraphType.User.ODataType,
            ["id"] = GraphIds.FromSysId(id),
        };
        if (removed) json["@removed"] = RemovedDeleted.DeepClone();
        return json;
    }

    private async Task<Dictionary<string, List<(string, string)>>> MembersOfAsync(IReadOnlyList<string> groupIds,
        CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var chunk in groupIds.Chunk(500))
        {
            var rows = await Store.QueryAsync(new RecordQuery
            {
                Table = DirectoryTables.GroupMember,
                Query = EncodedQuery.Where("group_id", string.Join(",", chunk), QueryOperator.In),
                Fields = ["sys_id", "group_id", "member_id", "member_type"],
                Limit = 1_000_000,
            }, cancellationToken);
            foreach (var row in rows.Rows)
            {
                if (!result.TryGetValue(row["group_id"]!, out var list)) result[row["group_id"]!] = list = [];
                list.Add((row["member_id"]!, row["member_type"]!));
            }
        }
        return result;
    }

    /// <summary>The objects a batch of changes touched, each once, in the order of their first change.</summary>
    private async Task<JsonArray> ChangedObjectsAsync(GraphType type, IReadOnlyList<RecordRow> changes, Selection selection,
        bool withMembers, bool withManager, CancellationToken cancellationToken)
    {
        // The manager a user had before a change in this batch removed or replaced it (see TenantDirectory.UpdateUserAsync).
        var previousManagers = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var propertiesChanged = new HashSet<string>(StringComparer.Ordinal);
        var memberChanges = new Dictionary<string, Dictionary<string, (string Type, bool Removed)>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var id = change["object_id"]!;
            if (seen.Add(id)) order.Add(id);
            switch (change["kind"])
            {
                case "member_added" or "member_removed":
                    if (!memberChanges.TryGetValue(id, out var members)) memberChanges[id] = members = new(StringComparer.Ordinal);
                    // The last change of a member within the batch is its state.
                    members[change["member_id"]!] = (change["member_type"] ?? "user", change["kind"] == "member_removed");
                    break;
                default:
                    propertiesChanged.Add(id);
                    if (change["member_id"] is { Length: > 0 } previous) previousManagers.TryAdd(id, previous);
                    break;
            }
        }
        var table = type == GraphType.User ? DirectoryTables.User : DirectoryTables.Group;
        var current = await ByIdAsync(table, order, cancellationToken);
        var value = new JsonArray();
        foreach (var id in order)
        {
            if (!current.TryGetValue(id, out var row))
            {
                value.Add(new JsonObject { ["id"] = GraphIds.FromSysId(id), ["@removed"] = RemovedDeleted.DeepClone() });
                continue;
            }
            if (type == GraphType.User && !string.IsNullOrEmpty(row["deleted_date_time"]))
            {
                value.Add(new JsonObject { ["id"] = GraphIds.FromSysId(id), ["@removed"] = RemovedChanged.DeepClone() });
                continue;
            }
            var json = propertiesChanged.Contains(id)
                ? GraphJson.Object(type, row, selection)
                : new JsonObject { ["id"] = GraphIds.FromSysId(id) };
            if (withManager && propertiesChanged.Contains(id))
            {
                // The current manager; else, when this batch removed it, the removed one marked as Graph marks a
                // removed link (@removed), so that a client tells "no manager now" from "manager not changed".
                if (!string.IsNullOrEmpty(row["manager"]))
                    json["manager@delta"] = new JsonArray(MemberRef(row["manager"]!, "user", removed: false));
                else if (previousManagers.TryGetValue(id, out var previous))
                    json["manager@delta"] = new JsonArray(MemberRef(previous, "user", removed: true));
            }
            if (withMembers && memberChanges.TryGetValue(id, out var changed))
                json["members@delta"] = new JsonArray(changed.Select(m => (JsonNode)MemberRef(m.Key, m.Value.Type, m.Value.Removed)).ToArray());
            value.Add(json);
        }
        return value;
    }
}
