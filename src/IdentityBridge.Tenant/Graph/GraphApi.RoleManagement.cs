using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.SignIn;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Directory roles through Graph's RBAC API (<c>/roleManagement/directory</c>): the built-in role definitions and
/// who holds them, tenant-wide (<c>directoryScopeId</c> "/"). Only users hold roles here; Entra's role-assignable
/// groups are not modelled.
/// </summary>
internal sealed partial class GraphApi
{
    private const string TenantScope = "/";

    private static JsonObject RoleDefinition(DirectoryRole role) => new()
    {
        ["id"] = role.Id,
        ["description"] = role.ManagesApplications
            ? "Can create and manage all aspects of enterprise applications, including their single sign-on settings."
            : "Can read basic directory information.",
        ["displayName"] = role.DisplayName,
        ["isBuiltIn"] = true,
        ["isEnabled"] = true,
        ["templateId"] = role.Id,
        ["version"] = "1",
        ["rolePermissions"] = new JsonArray(),
    };

    private static JsonObject RoleAssignment(RecordRow row) => new()
    {
        ["id"] = GraphIds.FromSysId(row.SysId),
        ["principalId"] = row["principal_id"] is { Length: 32 } principal ? GraphIds.FromSysId(principal) : row["principal_id"],
        ["roleDefinitionId"] = row["role_definition_id"],
        ["directoryScopeId"] = row["directory_scope_id"] is { Length: > 0 } scope ? scope : TenantScope,
    };

    private async Task ListRoleDefinitionsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadRoles);
        request.Allow();
        await request.WriteAsync(StatusCodes.Status200OK, new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#roleManagement/directory/roleDefinitions",
            ["value"] = new JsonArray(DirectoryRoles.BuiltIn.Select(r => (JsonNode)RoleDefinition(r)).ToArray()),
        });
    }

    private async Task GetRoleDefinitionAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadRoles);
        var role = DirectoryRoles.BuiltIn.FirstOrDefault(r => r.Id.Equals(id, StringComparison.OrdinalIgnoreCase))
                   ?? throw GraphException.NotFound(id);
        await request.WriteAsync(StatusCodes.Status200OK,
            Entity(request, "roleManagement/directory/roleDefinitions/$entity", RoleDefinition(role)));
    }

    /// <summary>The assignments, oldest id first, with <c>$filter</c> on <c>principalId</c> and <c>roleDefinitionId</c> (eq).</summary>
    private async Task ListRoleAssignmentsAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.ReadRoles);
        request.Allow("$filter", "$top", "$skiptoken");
        var top = request.Top();
        var query = EncodedQuery.Empty;
        foreach (var clause in ClauseFilter.Parse(request.Option("$filter")))
        {
            const string supported = "principalId eq '<id>' or roleDefinitionId eq '<id>'";
            if (clause.Operator != "eq") throw ClauseFilter.Unsupported(clause, supported);
            if (clause.Property.Equals("principalId", StringComparison.OrdinalIgnoreCase))
                query = query.And(new QueryCondition("principal_id", QueryOperator.Equals,
                    GraphIds.TryToSysId(clause.Value, out var principal) ? principal : clause.Value));
            else if (clause.Property.Equals("roleDefinitionId", StringComparison.OrdinalIgnoreCase))
                query = query.And(new QueryCondition("role_definition_id", QueryOperator.Equals, clause.Value.ToLowerInvariant()));
            else throw ClauseFilter.Unsupported(clause, supported);
        }
        var after = ReadKeyToken(request);
        if (after is not null) query = query.And(new QueryCondition(Storage.Schema.TableDefinition.SysId, QueryOperator.GreaterThan, after));
        var rows = (await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.RoleAssignment,
            Query = query with { Order = KeysetOrder },
            Limit = top + 1,
        }, request.Aborted)).Rows;
        var page = rows.Take(top).ToList();
        var body = new JsonObject
        {
            ["@odata.context"] = request.Root + "$metadata#roleManagement/directory/roleAssignments",
            ["value"] = new JsonArray(page.Select(r => (JsonNode)RoleAssignment(r)).ToArray()),
        };
        if (rows.Count > top) body["@odata.nextLink"] = request.LinkWith("$skiptoken", GraphRequest.Token("k|" + page[^1].SysId));
        await request.WriteAsync(StatusCodes.Status200OK, body);
    }

    private async Task<RecordRow> FindRoleAssignmentAsync(string id, CancellationToken cancellationToken)
    {
        if (!GraphIds.TryToSysId(id, out var sysId)) throw GraphException.NotFound(id);
        return await Store.GetAsync(DirectoryTables.RoleAssignment, sysId, cancellationToken: cancellationToken)
               ?? throw GraphException.NotFound(id);
    }

    private async Task GetRoleAssignmentAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.ReadRoles);
        var row = await FindRoleAssignmentAsync(id, request.Aborted);
        await request.WriteAsync(StatusCodes.Status200OK,
            Entity(request, "roleManagement/directory/roleAssignments/$entity", RoleAssignment(row)));
    }

    private async Task CreateRoleAssignmentAsync(GraphRequest request)
    {
        Require(request, GraphPermissions.WriteRoles);
        var body = await request.BodyAsync();
        if (body.ValueKind != JsonValueKind.Object) throw GraphException.BadRequest("The request body must be a JSON object.");
        string? Text(string name)
        {
            if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.String) throw Invalid(name);
            return value.GetString();
        }
        if (!GraphIds.TryToSysId(Text("principalId"), out var principalId)) throw Invalid("principalId");
        var roleText = Text("roleDefinitionId") ?? throw Invalid("roleDefinitionId");
        var role = DirectoryRoles.BuiltIn.FirstOrDefault(r => r.Id.Equals(roleText, StringComparison.OrdinalIgnoreCase))
                   ?? throw GraphException.BadRequest(
                       $"The roleDefinitionId '{roleText}' is not a role of this tenant; list them at /v1.0/roleManagement/directory/roleDefinitions.");
        var scope = Text("directoryScopeId") ?? TenantScope;
        if (scope != TenantScope)
            throw GraphException.BadRequest($"The directoryScopeId '{scope}' is not supported; roles are given tenant-wide with directoryScopeId \"/\".");

        var user = await Store.GetAsync(DirectoryTables.User, principalId, ["sys_id", "deleted_date_time"], cancellationToken: request.Aborted);
        if (user is null || !string.IsNullOrEmpty(user["deleted_date_time"]))
            throw GraphException.NotFound(GraphIds.FromSysId(principalId));
        var existing = await Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.RoleAssignment,
            Query = EncodedQuery.Where("principal_id", principalId).And(new QueryCondition("role_definition_id", QueryOperator.Equals, role.Id)),
            Fields = ["sys_id"],
            Limit = 1,
        }, request.Aborted);
        if (existing.Rows.Count > 0)
            throw new GraphException(StatusCodes.Status409Conflict, "Request_BadRequest",
                "A conflicting object with one or more of the specified property values is present in the directory: the principal already holds this role.");
        var created = await directoryRoles.AssignAsync(principalId, role, request.Caller.AppId, request.Aborted);
        var row = await Store.GetAsync(DirectoryTables.RoleAssignment, created.SysId, cancellationToken: request.Aborted) ?? created;
        await request.WriteAsync(StatusCodes.Status201Created,
            Entity(request, "roleManagement/directory/roleAssignments/$entity", RoleAssignment(row)));

        static GraphException Invalid(string property) =>
            GraphException.BadRequest($"Invalid value specified for property '{property}' of resource 'UnifiedRoleAssignment'.");
    }

    private async Task DeleteRoleAssignmentAsync(GraphRequest request, string id)
    {
        Require(request, GraphPermissions.WriteRoles);
        var row = await FindRoleAssignmentAsync(id, request.Aborted);
        await Store.DeleteAsync(DirectoryTables.RoleAssignment, row.SysId, request.Aborted);
        await request.NoContentAsync();
    }
}
