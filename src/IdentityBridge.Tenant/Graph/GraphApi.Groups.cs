using System.Globalization;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

internal sealed partial class GraphApi
{
    // Transitive membership stops here, so a hostile nesting cannot make one request walk the whole directory.
    private const int MaxTransitiveMembers = 100_000;

    private Task ListGroupsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadGroups);
        return ListAsync(request, GraphType.Group, DirectoryTables.Group, [], "groups");
    }

    private async Task<RecordRow> FindGroupAsync(string id, CancellationToken cancellationToken)
    {
        if (!GraphIds.TryToSysId(id, out var sysId)) throw GraphException.BadRequest($"Invalid object identifier '{id}'.");
        return await Store.GetAsync(DirectoryTables.Group, sysId, cancellationToken: cancellationToken)
               ?? throw GraphException.NotFound(id);
    }

    private async Task GetGroupAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadGroups);
        request.Allow("$select");
        var selection = GraphJson.Select(GraphType.Group, request.Option("$select"));
        var row = await FindGroupAsync(id, request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK,
            Entity(request, selection.ContextSuffix("groups") + "/$entity", GraphJson.Object(GraphType.Group, row, selection)));
    }

    private async Task CreateGroupAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.WriteGroups);
        var values = GraphJson.Values(GraphType.Group, await request.BodyAsync());
        foreach (var (column, property) in new[]
                 {
                     ("display_name", "displayName"), ("mail_enabled", "mailEnabled"),
                     ("mail_nickname", "mailNickname"), ("security_enabled", "securityEnabled"),
                 })
            if (string.IsNullOrEmpty(values.GetValueOrDefault(column))) throw GraphJson.Invalid(GraphType.Group, property);
        values["sys_id"] = GraphIds.New();
        var result = await directory.CreateGroupAsync(values, request.Caller.AppId, request.Aborted);
        if (!result.Succeeded) throw WriteFailed(GraphType.Group, result, "mailNickname");
        var row = await FindGroupAsync(result.Row!.SysId, request.Aborted);
        await request.WriteAsync(StatusCodes.Status201Created,
            Entity(request, "groups/$entity", GraphJson.Object(GraphType.Group, row, GraphJson.Select(GraphType.Group, null))));
    }

    private async Task UpdateGroupAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteGroups);
        var body = await request.BodyAsync();
        var current = await FindGroupAsync(id, request.Aborted);
        var values = GraphJson.Values(GraphType.Group, body);
        if (values.TryGetValue("display_name", out var name) && string.IsNullOrEmpty(name))
            throw GraphJson.Invalid(GraphType.Group, "displayName");
        if (values.Count > 0)
        {
            var result = await directory.UpdateGroupAsync(current.SysId, values, request.Caller.AppId, request.Aborted);
            if (!result.Succeeded) throw WriteFailed(GraphType.Group, result, "mailNickname");
        }
        await request.NoContentAsync();
    }

    private async Task DeleteGroupAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteGroups);
        var group = await FindGroupAsync(id, request.Aborted);
        await directory.DeleteGroupAsync(group.SysId, request.Aborted);
        await request.NoContentAsync();
    }

    // ---- members --------------------------------------------------------------------------------------------

    /// <param name="memberType">Only members of this type (<c>user</c>, <c>group</c>), for a cast segment; null for all.</param>
    private async Task ListMembersAsync(GraphRequest request, string id, string? memberType = null)
    {
        Require(request, GraphPermissions.ReadGroups);
        request.Allow("$select", "$top", "$skiptoken", "$count");
        var top = request.Top();
        var count = request.Count();
        var group = await FindGroupAsync(id, request.Aborted);
        var after = ReadKeyToken(request);
        var members = EncodedQuery.Where("group_id", group.SysId);
        if (memberType is not null) members = members.And(new QueryCondition("member_type", QueryOperator.Equals, memberType));
        var query = members;
        if (after is not null) query = query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, after));
        var rows = (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.GroupMember,
            Query = query with { Order = KeysetOrder },
            Limit = top + 1,
        }, request.Aborted)).Rows;
        var page = rows.Take(top).ToList();
        var objects = await MemberObjectsAsync(request, page.Select(r => (r["member_id"]!, r["member_type"]!)).ToList());
        var body = new JsonObject { ["@odata.context"] = request.Root + "$metadata#" + MembersContext(memberType) };
        if (count) body["@odata.count"] = await Store.CountAsync(DirectoryTables.GroupMember, members, request.Aborted);
        body["value"] = new JsonArray(objects.ToArray());
        if (rows.Count > top) body["@odata.nextLink"] = request.LinkWith("$skiptoken", GraphRequest.Token("k|" + page[^1].SysId));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private static string MembersContext(string? memberType) => memberType switch
    {
        "user" => "users",
        "group" => "groups",
        _ => "directoryObjects",
    };

    private async Task ListTransitiveMembersAsync(GraphRequest request, string id, string? memberType = null)
    {
        Require(request, GraphPermissions.ReadGroups);
        request.Allow("$select", "$top", "$skiptoken", "$count");
        var top = request.Top();
        var count = request.Count();
        var group = await FindGroupAsync(id, request.Aborted);
        var after = ReadKeyToken(request);

        // Breadth first through nested groups; a group met twice (or a cycle) is walked once.
        var members = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal) { group.SysId };
        var queue = new Queue<string>([group.SysId]);
        while (queue.Count > 0 && members.Count < MaxTransitiveMembers)
        {
            var current = queue.Dequeue();
            var rows = (await Store.QueryAsync(new RecordQuery
            {
                Table = DirectoryTables.GroupMember,
                Query = EncodedQuery.Where("group_id", current),
                Fields = ["sys_id", "member_id", "member_type"],
                Limit = MaxTransitiveMembers,
            }, request.Aborted)).Rows;
            foreach (var row in rows)
            {
                var memberId = row["member_id"]!;
                if (memberId == group.SysId) continue;
                members.TryAdd(memberId, row["member_type"]!);
                if (row["member_type"] == "group" && visited.Add(memberId)) queue.Enqueue(memberId);
            }
        }
        var ofType = members.Where(m => memberType is null || m.Value == memberType).ToList();
        var remaining = ofType.Where(m => after is null || string.CompareOrdinal(m.Key, after) > 0).ToList();
        var page = remaining.Take(top).ToList();
        var objects = await MemberObjectsAsync(request, page.Select(m => (m.Key, m.Value)).ToList());
        var body = new JsonObject { ["@odata.context"] = request.Root + "$metadata#" + MembersContext(memberType) };
        if (count) body["@odata.count"] = ofType.Count;
        body["value"] = new JsonArray(objects.ToArray());
        if (remaining.Count > top) body["@odata.nextLink"] = request.LinkWith("$skiptoken", GraphRequest.Token("k|" + page[^1].Key));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private static string? ReadKeyToken(GraphRequest request)
    {
        if (request.Option("$skiptoken") is not { } token) return null;
        var text = GraphRequest.ReadToken(token);
        if (text is null || !text.StartsWith("k|", StringComparison.Ordinal) || !SysIds.IsSysId(text[2..]))
            throw GraphException.BadRequest("The $skiptoken is not valid; follow the @odata.nextLink as given.");
        return text[2..];
    }

    /// <summary>Directory objects (users and groups, each with its @odata.type) in the order given; deleted users are left out.</summary>
    private async Task<List<JsonNode>> MemberObjectsAsync(GraphRequest request, IReadOnlyList<(string Id, string Type)> members)
    {
        var select = request.Option("$select");
        var userSelection = GraphJson.Select(GraphType.User, Lenient(GraphType.User, select));
        var groupSelection = GraphJson.Select(GraphType.Group, Lenient(GraphType.Group, select));
        var users = await ByIdAsync(DirectoryTables.User, members.Where(m => m.Type == "user").Select(m => m.Id), request.Aborted);
        var groups = await ByIdAsync(DirectoryTables.Group, members.Where(m => m.Type == "group").Select(m => m.Id), request.Aborted);
        var result = new List<JsonNode>();
        foreach (var (memberId, type) in members)
        {
            if (type == "user" && users.TryGetValue(memberId, out var user) && string.IsNullOrEmpty(user["deleted_date_time"]))
                result.Add(GraphJson.Object(GraphType.User, user, userSelection, withType: true));
            else if (type == "group" && groups.TryGetValue(memberId, out var group))
                result.Add(GraphJson.Object(GraphType.Group, group, groupSelection, withType: true));
        }
        return result;
    }

    // A $select over directory objects names properties of several types; each type takes the ones it has.
    private static string? Lenient(GraphType type, string? select)
    {
        if (string.IsNullOrWhiteSpace(select)) return null;
        var known = select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(n => type.Find(n) is not null).ToList();
        return known.Count == 0 ? "id" : string.Join(",", known);
    }

    private async Task<Dictionary<string, RecordRow>> ByIdAsync(TableDefinition table, IEnumerable<string> ids,
        CancellationToken cancellationToken)
    {
        var list = ids.Distinct().ToList();
        var byId = new Dictionary<string, RecordRow>(StringComparer.Ordinal);
        foreach (var chunk in list.Chunk(500))
        {
            var rows = await Store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = EncodedQuery.Where(TableDefinition.SysId, string.Join(",", chunk), QueryOperator.In),
                Limit = chunk.Length,
            }, cancellationToken);
            foreach (var row in rows.Rows) byId[row.SysId] = row;
        }
        return byId;
    }

    private async Task AddMemberAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteMembers);
        var body = await request.BodyAsync();
        var memberId = GraphJson.ReferencedId(body) ?? throw GraphException.BadRequest("The '@odata.id' does not end with an object id.");
        var group = await FindGroupAsync(id, request.Aborted);
        string type;
        if (await Store.GetAsync(DirectoryTables.User, memberId, ["sys_id", "deleted_date_time"], cancellationToken: request.Aborted) is { } user &&
            string.IsNullOrEmpty(user["deleted_date_time"]))
            type = "user";
        else if (await Store.GetAsync(DirectoryTables.Group, memberId, ["sys_id"], cancellationToken: request.Aborted) is not null)
            type = "group";
        else throw GraphException.NotFound(GraphIds.FromSysId(memberId));
        if (memberId == group.SysId) throw GraphException.BadRequest("A group cannot be a member of itself.");
        if (!await directory.AddMemberAsync(group.SysId, memberId, type, request.Caller.AppId, request.Aborted))
            throw GraphException.BadRequest("One or more added object references already exist for the following modified properties: 'members'.");
        await request.NoContentAsync();
    }

    private async Task RemoveMemberAsync(GraphRequest request, string id, string memberId)
    {
        Require(request, GraphPermissions.WriteMembers);
        var group = await FindGroupAsync(id, request.Aborted);
        if (!GraphIds.TryToSysId(memberId, out var memberSysId)) throw GraphException.BadRequest($"Invalid object identifier '{memberId}'.");
        if (!await directory.RemoveMemberAsync(group.SysId, memberSysId, request.Aborted)) throw GraphException.NotFound(memberId);
        await request.NoContentAsync();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
