using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>Service principals (enterprise apps) with their app roles, and the users and groups assigned to them.</summary>
internal sealed partial class GraphApi
{
    /// <summary>The default access role: assigning it gives access without a specific app role.</summary>
    private const string DefaultAppRoleId = "00000000-0000-0000-0000-000000000000";

    private static void DecorateServicePrincipal(JsonObject json, RecordRow row)
    {
        JsonNode? roles = null;
        try
        {
            roles = string.IsNullOrEmpty(row["app_roles"]) ? null : JsonNode.Parse(row["app_roles"]!);
        }
        catch (JsonException)
        {
        }
        json["appRoles"] = roles ?? new JsonArray();
    }

    private Task ListServicePrincipalsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadApplications);
        var selected = Selected(request);
        return ListAsync(request, GraphType.ServicePrincipal, DirectoryTables.ServicePrincipal, [], "servicePrincipals",
            SingleSignOnColumns, DecorateServicePrincipal, extraSelectable: ServicePrincipalExtras,
            enrich: async objects =>
            {
                foreach (var (json, row) in objects) await AddSingleSignOnAsync(json, row, selected, request.Aborted);
            });
    }

    private async Task<RecordRow> FindServicePrincipalAsync(string id, CancellationToken cancellationToken)
    {
        if (!GraphIds.TryToSysId(id, out var sysId)) throw GraphException.BadRequest($"Invalid object identifier '{id}'.");
        return await Store.GetAsync(DirectoryTables.ServicePrincipal, sysId, cancellationToken: cancellationToken)
               ?? throw GraphException.NotFound(id);
    }

    private async Task GetServicePrincipalAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadApplications);
        var row = await FindServicePrincipalAsync(id, request.Aborted);
        var json = GraphJson.Object(GraphType.ServicePrincipal, row, GraphJson.Select(GraphType.ServicePrincipal, null));
        DecorateServicePrincipal(json, row);
        await request.WriteAsync(StatusCodes.Status200OK, Entity(request, "servicePrincipals/$entity", json));
    }

    private async Task CreateServicePrincipalAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.WriteApplications);
        var body = await request.BodyAsync();
        if (body.ValueKind != JsonValueKind.Object) throw GraphException.BadRequest("The request body must be a JSON object.");
        string? appRoles = null;
        if (body.TryGetProperty("appRoles", out var rolesValue))
        {
            if (rolesValue.ValueKind != JsonValueKind.Array ||
                rolesValue.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Object ||
                                                     !r.TryGetProperty("id", out var roleId) || roleId.ValueKind != JsonValueKind.String ||
                                                     !Guid.TryParse(roleId.GetString(), out _)))
                throw GraphJson.Invalid(GraphType.ServicePrincipal, "appRoles");
            appRoles = rolesValue.GetRawText();
        }
        var (singleSignOn, rest) = SplitSingleSignOn(body, "appRoles");
        var values = GraphJson.Values(GraphType.ServicePrincipal, JsonSerializer.SerializeToElement(rest));
        if (!Guid.TryParse(values.GetValueOrDefault("app_id"), out var appId)) throw GraphJson.Invalid(GraphType.ServicePrincipal, "appId");
        values["app_id"] = appId.ToString("D");
        values["app_roles"] = appRoles;
        // The settings are checked before the object exists, so a refused value leaves nothing behind.
        var probe = new Saml.SamlApplication { ServicePrincipalSysId = "", AppId = appId.ToString("D"), DisplayName = "" };
        var update = singleSignOn.Count == 0 ? null : SingleSignOnJson.Read(singleSignOn, probe);
        if (update is not null && Saml.SamlApplications.Check(update) is { } problem) throw Refused(problem);

        var result = await EnterpriseApps.InsertServicePrincipalAsync(directory, values, request.Caller.AppId, request.Aborted);
        if (!result.Succeeded) throw WriteFailed(GraphType.ServicePrincipal, result, "appId");
        if (update is not null)
        {
            var (_, refused) = await samlApplications.UpdateAsync(result.Row!.SysId, update, request.Caller.AppId, request.Aborted);
            if (refused is not null)
            {
                await Store.DeleteAsync(DirectoryTables.ServicePrincipal, result.Row!.SysId, request.Aborted);
                throw Refused(refused);
            }
        }
        var row = await FindServicePrincipalAsync(result.Row!.SysId, request.Aborted);
        var json = GraphJson.Object(GraphType.ServicePrincipal, row, GraphJson.Select(GraphType.ServicePrincipal, null));
        DecorateServicePrincipal(json, row);
        await AddSingleSignOnAsync(json, row, _ => true, request.Aborted);
        await request.WriteAsync(StatusCodes.Status201Created, Entity(request, "servicePrincipals/$entity", json));
    }

    private static JsonObject Assignment(RecordRow row) => new()
    {
        ["id"] = GraphIds.FromSysId(row.SysId),
        ["deletedDateTime"] = null,
        ["appRoleId"] = row["app_role_id"],
        ["createdDateTime"] = GraphJson.Value(GraphType.User.Find("createdDateTime")!, row["created_date_time"]),
        ["principalDisplayName"] = row["principal_display_name"],
        ["principalId"] = row["principal_id"] is { } p ? GraphIds.FromSysId(p) : null,
        ["principalType"] = row["principal_type"],
        ["resourceDisplayName"] = row["resource_display_name"],
        ["resourceId"] = row["resource_id"] is { } r ? GraphIds.FromSysId(r) : null,
    };

    private async Task ListAssignmentsAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadApplications);
        request.Allow("$top", "$skiptoken", "$count");
        var top = request.Top();
        var count = request.Count();
        var sp = await FindServicePrincipalAsync(id, request.Aborted);
        var after = ReadKeyToken(request);
        var query = EncodedQuery.Where("resource_id", sp.SysId);
        if (after is not null) query = query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, after));
        var rows = (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.AppRoleAssignment,
            Query = query with { Order = KeysetOrder },
            Limit = top + 1,
        }, request.Aborted)).Rows;
        var page = rows.Take(top).ToList();
        var body = new JsonObject
        {
            ["@odata.context"] = request.Root + $"$metadata#servicePrincipals('{GraphIds.FromSysId(sp.SysId)}')/appRoleAssignedTo",
        };
        if (count) body["@odata.count"] = await Store.CountAsync(DirectoryTables.AppRoleAssignment, EncodedQuery.Where("resource_id", sp.SysId), request.Aborted);
        body["value"] = new JsonArray(page.Select(r => (JsonNode)Assignment(r)).ToArray());
        if (rows.Count > top) body["@odata.nextLink"] = request.LinkWith("$skiptoken", GraphRequest.Token("k|" + page[^1].SysId));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private async Task AssignAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteAssignments);
        var body = await request.BodyAsync();
        var sp = await FindServicePrincipalAsync(id, request.Aborted);
        string? Text(string name) =>
            body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (!GraphIds.TryToSysId(Text("principalId"), out var principalId)) throw GraphJson.Invalid(GraphType.ServicePrincipal, "principalId");
        if (!Guid.TryParse(Text("appRoleId"), out var appRoleId)) throw GraphJson.Invalid(GraphType.ServicePrincipal, "appRoleId");
        if (Text("resourceId") is { } resource && (!GraphIds.TryToSysId(resource, out var resourceId) || resourceId != sp.SysId))
            throw GraphException.BadRequest("The resourceId must be the id of the service principal in the URL.");

        string principalType, principalName;
        if (await Store.GetAsync(DirectoryTables.User, principalId, cancellationToken: request.Aborted) is { } user &&
            string.IsNullOrEmpty(user["deleted_date_time"]))
            (principalType, principalName) = ("User", user["display_name"] ?? "");
        else if (await Store.GetAsync(DirectoryTables.Group, principalId, cancellationToken: request.Aborted) is { } group)
            (principalType, principalName) = ("Group", group["display_name"] ?? "");
        else throw GraphException.NotFound(GraphIds.FromSysId(principalId));

        var role = appRoleId.ToString("D");
        var roles = JsonNode.Parse(sp["app_roles"] is { Length: > 0 } r ? r : "[]") as JsonArray ?? [];
        if (role != DefaultAppRoleId && !roles.Any(x => string.Equals(x?["id"]?.GetValue<string>(), role, StringComparison.OrdinalIgnoreCase)))
            throw GraphException.BadRequest("Permission being assigned was not found on application.");
        var existing = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.AppRoleAssignment,
            Query = EncodedQuery.Where("resource_id", sp.SysId)
                .And(new QueryCondition("principal_id", QueryOperator.Equals, principalId))
                .And(new QueryCondition("app_role_id", QueryOperator.Equals, role)),
            Limit = 1,
        }, request.Aborted);
        if (existing.Rows.Count > 0) throw GraphException.BadRequest("Permission being assigned already exists on the object.");

        var result = await Store.InsertAsync(DirectoryTables.AppRoleAssignment, new Dictionary<string, string?>
        {
            ["sys_id"] = GraphIds.New(),
            ["resource_id"] = sp.SysId,
            ["resource_display_name"] = sp["display_name"],
            ["principal_id"] = principalId,
            ["principal_type"] = principalType,
            ["principal_display_name"] = principalName,
            ["app_role_id"] = role,
            ["created_date_time"] = directory.Now(),
        }, new(request.Caller.AppId), request.Aborted);
        if (!result.Succeeded) throw WriteFailed(GraphType.ServicePrincipal, result, "appRoleId");
        var row = await Store.GetAsync(DirectoryTables.AppRoleAssignment, result.Row!.SysId, cancellationToken: request.Aborted);
        await request.WriteAsync(StatusCodes.Status201Created,
            Entity(request, $"servicePrincipals('{GraphIds.FromSysId(sp.SysId)}')/appRoleAssignedTo/$entity", Assignment(row!)));
    }

    private async Task UnassignAsync(GraphRequest request, string id, string assignmentId)
    {
        Require(request, GraphPermissions.WriteAssignments);
        var sp = await FindServicePrincipalAsync(id, request.Aborted);
        if (!GraphIds.TryToSysId(assignmentId, out var sysId)) throw GraphException.BadRequest($"Invalid object identifier '{assignmentId}'.");
        var row = await Store.GetAsync(DirectoryTables.AppRoleAssignment, sysId, cancellationToken: request.Aborted);
        if (row is null || row["resource_id"] != sp.SysId) throw GraphException.NotFound(assignmentId);
        await Store.DeleteAsync(DirectoryTables.AppRoleAssignment, sysId, request.Aborted);
        await request.NoContentAsync();
    }
}
