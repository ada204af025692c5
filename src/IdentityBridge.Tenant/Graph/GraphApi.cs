using System.Text.Json.Nodes;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Microsoft Graph v1.0 over the directory, shaped as Graph shapes it. Every request carries a bearer token whose
/// caller must hold one of the application permissions the endpoint needs; the routes are matched here, the work is
/// in the partial files by resource (users, groups, delta, applications).
/// </summary>
internal sealed partial class GraphApi(TenantDirectory directory, TenantOptions options, GraphRateLimiter limiter,
    Saml.TokenSigningCertificates signingCertificates, Saml.SamlApplications samlApplications,
    SignIn.DirectoryRoles directoryRoles)
{
    private Store Store => directory.Store;

    public async Task HandleAsync(HttpContext context)
    {
        var caller = await AuthenticateAsync(context);
        if (limiter.Take(caller.AppId) is { } wait)
            throw new GraphException(StatusCodes.Status429TooManyRequests, "TooManyRequests",
                "Too many requests from this application. Wait for the number of seconds in Retry-After, then retry.")
            { RetryAfter = wait };
        var request = new GraphRequest(context, caller);
        var path = context.Request.Path.Value ?? "";
        var segments = path["/v1.0".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        if (segments.Length == 0) throw GraphException.BadRequest("Give a resource after /v1.0/, such as /v1.0/users.");

        var task = Route(request, segments, method);
        if (task is null)
            throw new GraphException(StatusCodes.Status405MethodNotAllowed, "Request_BadRequest",
                $"The HTTP method '{method}' is not allowed on the resource '{path}'.");
        await task;
    }

    private Task? Route(GraphRequest r, string[] s, string method)
    {
        bool Is(int index, string name) => string.Equals(s[index], name, StringComparison.OrdinalIgnoreCase) ||
                                           // Graph's SDKs call functions with parentheses (delta()) and cast with the
                                           // namespace alias (graph.user).
                                           (name == "delta" && string.Equals(s[index], "delta()", StringComparison.OrdinalIgnoreCase)) ||
                                           (name == "microsoft.graph.user" && string.Equals(s[index], "graph.user", StringComparison.OrdinalIgnoreCase));
        bool Get() => HttpMethods.IsGet(method);
        bool Post() => HttpMethods.IsPost(method);
        bool Patch() => HttpMethods.IsPatch(method);
        bool Delete() => HttpMethods.IsDelete(method);
        bool Put() => HttpMethods.IsPut(method);

        switch (s.Length)
        {
            case 1 when Is(0, "users"):
                return Get() ? ListUsersAsync(r) : Post() ? CreateUserAsync(r) : null;
            case 1 when Is(0, "groups"):
                return Get() ? ListGroupsAsync(r) : Post() ? CreateGroupAsync(r) : null;
            case 1 when Is(0, "servicePrincipals"):
                return Get() ? ListServicePrincipalsAsync(r) : Post() ? CreateServicePrincipalAsync(r) : null;
            case 1 when Is(0, "organization"):
                return Get() ? OrganizationAsync(r) : null;
            case 1 when Is(0, "domains"):
                return Get() ? DomainsAsync(r) : null;
            case 2 when Is(0, "users") && Is(1, "delta"):
                return Get() ? DeltaAsync(r, GraphType.User) : null;
            case 2 when Is(0, "groups") && Is(1, "delta"):
                return Get() ? DeltaAsync(r, GraphType.Group) : null;
            case 2 when Is(0, "users") && Is(1, "$count"):
                return Get() ? CountAsync(r, GraphType.User, DirectoryTables.User, [NotDeleted], GraphPermissions.ReadUsers) : null;
            case 2 when Is(0, "groups") && Is(1, "$count"):
                return Get() ? CountAsync(r, GraphType.Group, DirectoryTables.Group, [], GraphPermissions.ReadGroups) : null;
            case 2 when Is(0, "users"):
                return Get() ? GetUserAsync(r, s[1]) : Patch() ? UpdateUserAsync(r, s[1]) : Delete() ? DeleteUserAsync(r, s[1]) : null;
            case 2 when Is(0, "groups"):
                return Get() ? GetGroupAsync(r, s[1]) : Patch() ? UpdateGroupAsync(r, s[1]) : Delete() ? DeleteGroupAsync(r, s[1]) : null;
            case 2 when Is(0, "servicePrincipals"):
                return Get() ? GetServicePrincipalWithKeysAsync(r, s[1]) : Patch() ? UpdateServicePrincipalAsync(r, s[1]) : null;
            case 3 when Is(0, "servicePrincipals") && Is(2, "addTokenSigningCertificate"):
                return Post() ? AddTokenSigningCertificateAsync(r, s[1]) : null;
            case 3 when Is(0, "users") && Is(2, "manager"):
                return Get() ? GetManagerAsync(r, s[1]) : null;
            case 4 when Is(0, "users") && Is(2, "manager") && Is(3, "$ref"):
                return Put() ? SetManagerAsync(r, s[1]) : Delete() ? RemoveManagerAsync(r, s[1]) : null;
            case 3 when Is(0, "groups") && Is(2, "members"):
                return Get() ? ListMembersAsync(r, s[1]) : null;
            case 3 when Is(0, "groups") && Is(2, "transitiveMembers"):
                return Get() ? ListTransitiveMembersAsync(r, s[1]) : null;
            case 4 when Is(0, "groups") && Is(2, "members") && MemberCast(s[3]) is { } memberType:
                return Get() ? ListMembersAsync(r, s[1], memberType) : null;
            case 4 when Is(0, "groups") && Is(2, "transitiveMembers") && MemberCast(s[3]) is { } transitiveType:
                return Get() ? ListTransitiveMembersAsync(r, s[1], transitiveType) : null;
            case 4 when Is(0, "groups") && Is(2, "members") && Is(3, "$ref"):
                return Post() ? AddMemberAsync(r, s[1]) : null;
            case 5 when Is(0, "groups") && Is(2, "members") && Is(4, "$ref"):
                return Delete() ? RemoveMemberAsync(r, s[1], s[3]) : null;
            case 3 when Is(0, "directory") && Is(1, "deletedItems") && Is(2, "microsoft.graph.user"):
                return Get() ? ListDeletedUsersAsync(r) : null;
            case 3 when Is(0, "directory") && Is(1, "deletedItems"):
                return Get() ? GetDeletedUserAsync(r, s[2]) : Delete() ? PurgeUserAsync(r, s[2]) : null;
            case 4 when Is(0, "directory") && Is(1, "deletedItems") && Is(3, "restore"):
                return Post() ? RestoreUserAsync(r, s[2]) : null;
            case 3 when Is(0, "servicePrincipals") && Is(2, "appRoleAssignedTo"):
                return Get() ? ListAssignmentsAsync(r, s[1]) : Post() ? AssignAsync(r, s[1]) : null;
            case 4 when Is(0, "servicePrincipals") && Is(2, "appRoleAssignedTo"):
                return Delete() ? UnassignAsync(r, s[1], s[3]) : null;
            case 3 when Is(0, "roleManagement") && Is(1, "directory") && Is(2, "roleAssignments"):
                return Get() ? ListRoleAssignmentsAsync(r) : Post() ? CreateRoleAssignmentAsync(r) : null;
            case 4 when Is(0, "roleManagement") && Is(1, "directory") && Is(2, "roleAssignments"):
                return Get() ? GetRoleAssignmentAsync(r, s[3]) : Delete() ? DeleteRoleAssignmentAsync(r, s[3]) : null;
            case 3 when Is(0, "roleManagement") && Is(1, "directory") && Is(2, "roleDefinitions"):
                return Get() ? ListRoleDefinitionsAsync(r) : null;
            case 4 when Is(0, "roleManagement") && Is(1, "directory") && Is(2, "roleDefinitions"):
                return Get() ? GetRoleDefinitionAsync(r, s[3]) : null;
            case 2 when Is(0, "auditLogs") && Is(1, "signIns"):
                return Get() ? ListSignInsAsync(r) : null;
            default:
                throw GraphException.BadRequest($"Resource not found for the segment '{s[^1]}'.");
        }
    }

    /// <summary>
    /// The member type of a cast segment (<c>/members/microsoft.graph.user</c>, or <c>graph.user</c> as the SDKs
    /// write it), or null when the segment is no cast.
    /// </summary>
    private static string? MemberCast(string segment) => segment.ToLowerInvariant() switch
    {
        "microsoft.graph.user" or "graph.user" => "user",
        "microsoft.graph.group" or "graph.group" => "group",
        _ => null,
    };

    // ---- authentication and permissions ---------------------------------------------------------------------

    private async Task<GraphCaller> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0) throw GraphException.InvalidToken("Access token is empty.");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            throw GraphException.InvalidToken("Access token is empty.");
        var token = header[7..].Trim();
        if (options.TokenValidator is null)
            throw GraphException.InvalidToken("Access token validation failure: this tenant has no token validator configured.");
        var caller = await options.TokenValidator.ValidateAsync(token, context.RequestAborted)
                     ?? throw GraphException.InvalidToken("Access token validation failure. Invalid audience.");
        // A token another tenant issued is not valid here, whoever signed it.
        if (!string.Equals(caller.TenantId, directory.TenantId, StringComparison.OrdinalIgnoreCase))
            throw GraphException.InvalidToken("Access token validation failure: the token was issued for another tenant.");
        return caller;
    }

    private static void Require(GraphRequest request, string[] anyOf)
    {
        if (!anyOf.Any(request.Caller.Roles.Contains)) throw GraphException.Denied();
    }

    // ---- lists ----------------------------------------------------------------------------------------------

    /// <summary>
    /// A Graph list: <c>$select</c>, <c>$filter</c>, <c>$top</c>, <c>$count</c>, <c>$orderby</c> and paging. Without
    /// <c>$orderby</c> pages follow the id and the skip token holds the last id, so a deep page is one index range
    /// read; with it, the token holds the offset.
    /// </summary>
    private async Task ListAsync(GraphRequest request, GraphType type, TableDefinition table,
        IReadOnlyList<QueryCondition> required, string contextPath, string[]? extraColumns = null,
        Action<JsonObject, RecordRow>? decorate = null, Func<IReadOnlyList<(JsonObject, RecordRow)>, Task>? expand = null,
        string[]? extraSelectable = null, Func<IReadOnlyList<(JsonObject, RecordRow)>, Task>? enrich = null)
    {
        if (expand is null) request.Allow("$select", "$filter", "$top", "$count", "$orderby", "$skiptoken");
        else request.Allow("$select", "$filter", "$top", "$count", "$orderby", "$skiptoken", "$expand");
        var selection = GraphJson.Select(type, request.Option("$select"), extraSelectable ?? []);
        var filterText = request.Option("$filter");
        IReadOnlyList<IReadOnlyList<QueryCondition>> filter = string.IsNullOrWhiteSpace(filterText) ? [] : ODataFilter.Parse(filterText, type);
        var top = request.Top();
        var count = request.Count();
        var orderBy = OrderBy(type, request.Option("$orderby"));

        string? after = null;
        var offset = 0;
        if (request.Option("$skiptoken") is { } token)
        {
            var text = GraphRequest.ReadToken(token);
            if (orderBy is null && text is not null && text.StartsWith("k|", StringComparison.Ordinal) && SysIds.IsSysId(text[2..]))
                after = text[2..];
            else if (orderBy is not null && text is not null && text.StartsWith("o|", StringComparison.Ordinal) &&
                     int.TryParse(text[2..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var o))
                offset = o;
            else throw GraphException.BadRequest("The $skiptoken is not valid; follow the @odata.nextLink as given.");
        }

        var conditions = required.ToList();
        if (after is not null) conditions.Add(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, after));
        var query = ODataFilter.ToQuery(filter, conditions) with { Order = orderBy is null ? KeysetOrder : [orderBy] };
        var result = await Store.QueryAsync(new RecordQuery
        {
            Table = table,
            Query = query,
            Fields = selection.Columns(extraColumns ?? []),
            Limit = top + 1,
            Offset = offset,
            InvalidQueryReturnsNoRows = true,
        }, request.Aborted);
        if (result.DroppedTerms.Count > 0) throw GraphException.BadRequest("Invalid filter clause: a value does not fit its property.");

        var body = new JsonObject { ["@odata.context"] = request.Root + "$metadata#" + selection.ContextSuffix(contextPath) };
        if (count) body["@odata.count"] = await Store.CountAsync(table, ODataFilter.ToQuery(filter, required), request.Aborted);
        var page = result.Rows.Take(top).ToList();
        var objects = page.Select(row =>
        {
            var json = GraphJson.Object(type, row, selection);
            decorate?.Invoke(json, row);
            return (json, row);
        }).ToList();
        if (expand is not null) await expand(objects);
        if (enrich is not null) await enrich(objects);
        body["value"] = new JsonArray(objects.Select(o => (JsonNode)o.json).ToArray());
        if (result.Rows.Count > top)
            body["@odata.nextLink"] = request.LinkWith("$skiptoken",
                GraphRequest.Token(orderBy is null ? "k|" + page[^1].SysId : "o|" + (offset + top).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    /// <summary>
    /// <c>GET /users/$count</c> and <c>/groups/$count</c>: the number of objects matching <c>$filter</c>, as
    /// <c>text/plain</c>. Like <c>$count=true</c> it is an advanced query, so it needs <c>ConsistencyLevel: eventual</c>.
    /// </summary>
    private async Task CountAsync(GraphRequest request, GraphType type, TableDefinition table,
        IReadOnlyList<QueryCondition> required, string[] permissions)
    {
        Require(request, permissions);
        request.Allow("$filter");
        if (!string.Equals(request.Context.Request.Headers["ConsistencyLevel"].ToString(), "eventual", StringComparison.OrdinalIgnoreCase))
            throw GraphException.BadRequest("$count is an advanced query: send the header 'ConsistencyLevel: eventual' with it.");
        var filterText = request.Option("$filter");
        IReadOnlyList<IReadOnlyList<QueryCondition>> filter = string.IsNullOrWhiteSpace(filterText) ? [] : ODataFilter.Parse(filterText, type);
        var query = ODataFilter.ToQuery(filter, required);
        // A value that does not fit its property is the client's mistake, as on a list, not a condition to leave out.
        var probe = await Store.QueryAsync(new RecordQuery
        {
            Table = table, Query = query, Fields = [TableDefinition.SysId], Limit = 1, InvalidQueryReturnsNoRows = true,
        }, request.Aborted);
        if (probe.DroppedTerms.Count > 0) throw GraphException.BadRequest("Invalid filter clause: a value does not fit its property.");
        var count = await Store.CountAsync(table, query, request.Aborted);
        request.Context.Response.StatusCode = StatusCodes.Status200OK;
        request.Context.Response.ContentType = "text/plain;charset=utf-8";
        await request.Context.Response.WriteAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Aborted);
    }

    /// <summary>
    /// Orders by id. Where the database's own default order is the key (PostgreSQL), no ORDER BY term is added, so
    /// the primary key index serves the page directly.
    /// </summary>
    private IReadOnlyList<OrderTerm> KeysetOrder =>
        Store.Dialect.DefaultOrder("t") == "t.\"sys_id\"" ? [] : [new OrderTerm(TableDefinition.SysId, false)];

    private static OrderTerm? OrderBy(GraphType type, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var property = type.Find(parts[0]);
        if (property is null)
            throw GraphException.BadRequest($"Property '{parts[0]}' does not exist as a declared property or extension property.");
        if (!property.Sortable || parts.Length > 2 ||
            (parts.Length == 2 && !parts[1].Equals("asc", StringComparison.OrdinalIgnoreCase) && !parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase)))
            throw GraphException.BadRequest("Sorting not supported for current query.");
        return new OrderTerm(property.Column, parts.Length == 2 && parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase));
    }

    private static JsonObject Entity(GraphRequest request, string contextPath, JsonObject json)
    {
        var body = new JsonObject { ["@odata.context"] = request.Root + "$metadata#" + contextPath };
        foreach (var (key, value) in json.ToList())
        {
            json.Remove(key);
            body[key] = value;
        }
        return body;
    }

    private static GraphException WriteFailed(GraphType type, WriteResult result, string uniqueProperty) =>
        result.Error!.Kind switch
        {
            WriteErrorKind.Aborted => GraphException.BadRequest(
                $"Another object with the same value for property {uniqueProperty} already exists."),
            WriteErrorKind.NotFound => GraphException.NotFound(type.Name),
            _ => GraphException.BadRequest(result.Error.Detail),
        };

    // ---- organization and domains ---------------------------------------------------------------------------

    private async Task<IReadOnlyList<RecordRow>> DomainRowsAsync(CancellationToken cancellationToken) =>
        (await Store.QueryAsync(new RecordQuery { Table = DirectoryTables.Domain, Limit = 1000 }, cancellationToken)).Rows;

    private async Task OrganizationAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadDirectory);
        request.Allow("$select");
        var domains = await DomainRowsAsync(request.Aborted);
        var organization = new JsonObject
        {
            ["id"] = directory.TenantId,
            ["displayName"] = options.OrganizationName,
            ["tenantType"] = "AAD",
            ["verifiedDomains"] = new JsonArray(domains.Select(d => (JsonNode)new JsonObject
            {
                ["capabilities"] = "Email, OfficeCommunicationsOnline",
                ["isDefault"] = d["is_default"] == "true",
                ["isInitial"] = d["is_initial"] == "true",
                ["name"] = d["name"],
                ["type"] = "Managed",
            }).ToArray()),
        };
        await request.WriteAsync(StatusCodes.Status200OK, new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#organization",
            ["value"] = new JsonArray(organization),
        });
    }

    private async Task DomainsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadDirectory);
        request.Allow("$select");
        var domains = await DomainRowsAsync(request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK, new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#domains",
            ["value"] = new JsonArray(domains.Select(d => (JsonNode)new JsonObject
            {
                ["authenticationType"] = "Managed",
                ["id"] = d["name"],
                ["isAdminManaged"] = true,
                ["isDefault"] = d["is_default"] == "true",
                ["isInitial"] = d["is_initial"] == "true",
                ["isRoot"] = true,
                ["isVerified"] = d["is_verified"] == "true",
                ["supportedServices"] = new JsonArray("Email"),
            }).ToArray()),
        });
    }
}
