using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

internal sealed partial class GraphApi
{
    private static readonly QueryCondition NotDeleted = new("deleted_date_time", QueryOperator.IsEmpty, "");
    private static readonly QueryCondition Deleted = new("deleted_date_time", QueryOperator.IsNotEmpty, "");

    private Task ListUsersAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadUsers);
        var manager = ExpandManager(request);
        return ListAsync(request, GraphType.User, DirectoryTables.User, [NotDeleted], "users",
            manager is null ? null : ["manager"], expand: manager is null ? null : objects => AddManagersAsync(objects, manager, request.Aborted));
    }

    /// <summary>
    /// <c>$expand=manager</c> or <c>$expand=manager($select=id,displayName)</c>: the selection for the manager, or null
    /// when nothing is expanded. Graph expands nothing else on users here.
    /// </summary>
    private static Selection? ExpandManager(GraphRequest request)
    {
        var text = request.Option("$expand")?.Trim();
        if (string.IsNullOrEmpty(text)) return null;
        if (text.Equals("manager", StringComparison.OrdinalIgnoreCase)) return GraphJson.Select(GraphType.User, null);
        const string prefix = "manager($select=";
        if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && text.EndsWith(')'))
            return GraphJson.Select(GraphType.User, text[prefix.Length..^1]);
        throw GraphException.BadRequest($"Expanding '{text}' is not supported: use $expand=manager or $expand=manager($select=...).");
    }

    /// <summary>Adds each user's manager as Graph's <c>manager</c> property; a user without one has none.</summary>
    private async Task AddManagersAsync(IReadOnlyList<(JsonObject Json, RecordRow Row)> objects, Selection selection,
        CancellationToken cancellationToken)
    {
        var managers = await ByIdAsync(DirectoryTables.User, objects.Select(o => o.Row["manager"]).OfType<string>(), cancellationToken);
        foreach (var (json, row) in objects)
            if (row["manager"] is { } id && managers.TryGetValue(id, out var manager) && string.IsNullOrEmpty(manager["deleted_date_time"]))
                json["manager"] = GraphJson.Object(GraphType.User, manager, selection, withType: true);
    }

    /// <summary>A user by id or userPrincipalName; soft-deleted users only when asked for.</summary>
    private async Task<RecordRow> FindUserAsync(string idOrUpn, bool deleted, CancellationToken cancellationToken,
        IReadOnlyList<string>? fields = null)
    {
        RecordRow? row;
        if (GraphIds.TryToSysId(idOrUpn, out var sysId))
            row = await Store.GetAsync(DirectoryTables.User, sysId, fields, cancellationToken: cancellationToken);
        else if (idOrUpn.Contains('@'))
        {
            var found = await Store.FindAsync(DirectoryTables.User, "user_principal_name", idOrUpn, cancellationToken);
            row = found is null || fields is null ? found : await Store.GetAsync(DirectoryTables.User, found.SysId, fields, cancellationToken: cancellationToken);
        }
        else throw GraphException.BadRequest($"Invalid object identifier '{idOrUpn}'.");
        if (row is null || string.IsNullOrEmpty(row["deleted_date_time"]) == deleted) throw GraphException.NotFound(idOrUpn);
        return row;
    }

    private async Task GetUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadUsers);
        request.Allow("$select", "$expand");
        var selection = GraphJson.Select(GraphType.User, request.Option("$select"));
        var manager = ExpandManager(request);
        var row = await FindUserAsync(id, deleted: false, request.Aborted, selection.Columns("deleted_date_time", "manager"));
        var json = GraphJson.Object(GraphType.User, row, selection);
        if (manager is not null) await AddManagersAsync([(json, row)], manager, request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK, Entity(request, selection.ContextSuffix("users") + "/$entity", json));
    }

    private async Task CheckDomainAsync(string? userPrincipalName, CancellationToken cancellationToken)
    {
        var at = userPrincipalName?.LastIndexOf('@') ?? -1;
        if (userPrincipalName is null || at <= 0 || at == userPrincipalName.Length - 1)
            throw GraphJson.Invalid(GraphType.User, "userPrincipalName");
        var domain = userPrincipalName[(at + 1)..];
        if (await Store.FindAsync(DirectoryTables.Domain, "name", domain, cancellationToken) is null)
            throw GraphException.BadRequest(
                "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.");
    }

    private async Task CreateUserAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.WriteUsers);
        var values = GraphJson.Values(GraphType.User, await request.BodyAsync());
        foreach (var (column, property) in new[]
                 {
                     ("account_enabled", "accountEnabled"), ("display_name", "displayName"),
                     ("mail_nickname", "mailNickname"), ("user_principal_name", "userPrincipalName"), ("password", "passwordProfile"),
                 })
            if (string.IsNullOrEmpty(values.GetValueOrDefault(column))) throw GraphJson.Invalid(GraphType.User, property);
        await CheckDomainAsync(values["user_principal_name"], request.Aborted);
        values["sys_id"] = GraphIds.New();
        var result = await directory.CreateUserAsync(values, request.Caller.AppId, request.Aborted);
        if (!result.Succeeded) throw WriteFailed(GraphType.User, result, "userPrincipalName");
        var selection = GraphJson.Select(GraphType.User, null);
        var row = await FindUserAsync(result.Row!.SysId, deleted: false, request.Aborted);
        await request.WriteAsync(StatusCodes.Status201Created,
            Entity(request, "users/$entity", GraphJson.Object(GraphType.User, row, selection)));
    }

    private async Task UpdateUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var body = await request.BodyAsync();
        var current = await FindUserAsync(id, deleted: false, request.Aborted);
        var values = GraphJson.Values(GraphType.User, body, current["extensions"]);
        if (values.TryGetValue("user_principal_name", out var upn)) await CheckDomainAsync(upn, request.Aborted);
        foreach (var (column, property) in new[] { ("display_name", "displayName"), ("account_enabled", "accountEnabled") })
            if (values.TryGetValue(column, out var value) && string.IsNullOrEmpty(value)) throw GraphJson.Invalid(GraphType.User, property);
        if (values.Count > 0)
        {
            var result = await directory.UpdateUserAsync(current.SysId, values, request.Caller.AppId, request.Aborted);
            if (!result.Succeeded) throw WriteFailed(GraphType.User, result, "userPrincipalName");
        }
        await request.NoContentAsync();
    }

    private async Task DeleteUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var user = await FindUserAsync(id, deleted: false, request.Aborted);
        await directory.SoftDeleteUserAsync(user.SysId, request.Caller.AppId, request.Aborted);
        await request.NoContentAsync();
    }

    // ---- manager --------------------------------------------------------------------------------------------

    private async Task GetManagerAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadUsers);
        request.Allow("$select");
        var selection = GraphJson.Select(GraphType.User, request.Option("$select"));
        var user = await FindUserAsync(id, deleted: false, request.Aborted);
        var managerId = user["manager"];
        var manager = managerId is null ? null : await Store.GetAsync(DirectoryTables.User, managerId, cancellationToken: request.Aborted);
        if (manager is null || !string.IsNullOrEmpty(manager["deleted_date_time"])) throw GraphException.NotFound("manager");
        await request.WriteAsync(StatusCodes.Status200OK,
            Entity(request, "directoryObjects/$entity", GraphJson.Object(GraphType.User, manager, selection, withType: true)));
    }

    private async Task SetManagerAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var managerId = GraphJson.ReferencedId(await request.BodyAsync())
                        ?? throw GraphException.BadRequest("The '@odata.id' does not end with an object id.");
        var user = await FindUserAsync(id, deleted: false, request.Aborted);
        var manager = await FindUserAsync(managerId, deleted: false, request.Aborted);
        if (manager.SysId == user.SysId) throw GraphException.BadRequest("A user cannot be their own manager.");
        await directory.UpdateUserAsync(user.SysId, new Dictionary<string, string?> { ["manager"] = manager.SysId },
            request.Caller.AppId, request.Aborted);
        await request.NoContentAsync();
    }

    private async Task RemoveManagerAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var user = await FindUserAsync(id, deleted: false, request.Aborted);
        if (user["manager"] is null) throw GraphException.NotFound("manager");
        await directory.UpdateUserAsync(user.SysId, new Dictionary<string, string?> { ["manager"] = "" },
            request.Caller.AppId, request.Aborted);
        await request.NoContentAsync();
    }

    // ---- deleted items --------------------------------------------------------------------------------------

    private async Task ListDeletedUsersAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadUsers);
        // Users past their 30 days are gone before anyone can list them.
        await directory.PurgeExpiredAsync(request.Aborted);
        await ListAsync(request, GraphType.User, DirectoryTables.User, [Deleted], "directory/deletedItems/microsoft.graph.user",
            ["deleted_date_time"], (json, row) => json["deletedDateTime"] = GraphJson.Value(GraphType.User.Find("deletedDateTime")!, row["deleted_date_time"]));
    }

    private async Task GetDeletedUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadUsers);
        await directory.PurgeExpiredAsync(request.Aborted);
        var selection = GraphJson.Select(GraphType.User, request.Option("$select"));
        var row = await FindUserAsync(id, deleted: true, request.Aborted);
        var json = GraphJson.Object(GraphType.User, row, selection, withType: true);
        json["deletedDateTime"] = GraphJson.Value(GraphType.User.Find("deletedDateTime")!, row["deleted_date_time"]);
        await request.WriteAsync(StatusCodes.Status200OK, Entity(request, "directoryObjects/$entity", json));
    }

    private async Task PurgeUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var row = await FindUserAsync(id, deleted: true, request.Aborted);
        await directory.PurgeUserAsync(row.SysId, request.Caller.AppId, request.Aborted);
        await request.NoContentAsync();
    }

    private async Task RestoreUserAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteUsers);
        var row = await FindUserAsync(id, deleted: true, request.Aborted);
        await directory.RestoreUserAsync(row.SysId, request.Caller.AppId, request.Aborted);
        var restored = await FindUserAsync(row.SysId, deleted: false, request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK, Entity(request, "directoryObjects/$entity",
            GraphJson.Object(GraphType.User, restored, GraphJson.Select(GraphType.User, null), withType: true)));
    }

}
