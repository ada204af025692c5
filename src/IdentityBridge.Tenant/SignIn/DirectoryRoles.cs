using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>A built-in Entra directory role, by its template id (the same in every tenant).</summary>
public sealed record DirectoryRole(string Id, string DisplayName, bool ManagesApplications);

/// <summary>
/// The built-in directory roles the tenant knows and who holds them. Global, Application and Cloud Application
/// Administrators manage enterprise apps: they may use an app's Test action for any user.
/// </summary>
public sealed class DirectoryRoles(Store store)
{
    public static IReadOnlyList<DirectoryRole> BuiltIn { get; } =
    [
        new("62e90394-69f5-4237-9190-012177145e10", "Global Administrator", true),
        new("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", true),
        new("158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator", true),
        new("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers", false),
    ];

    public static DirectoryRole? Find(string idOrName) => BuiltIn.FirstOrDefault(r =>
        r.Id.Equals(idOrName, StringComparison.OrdinalIgnoreCase) || r.DisplayName.Equals(idOrName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the user holds a role that manages enterprise apps.</summary>
    public async Task<bool> ManagesApplicationsAsync(string userSysId, CancellationToken cancellationToken)
    {
        var ids = BuiltIn.Where(r => r.ManagesApplications).Select(r => r.Id);
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.RoleAssignment,
            Query = EncodedQuery.Where("principal_id", userSysId)
                .And(new QueryCondition("role_definition_id", QueryOperator.In, string.Join(',', ids))),
            Fields = ["sys_id"],
            Limit = 1,
        }, cancellationToken);
        return rows.Rows.Count > 0;
    }

    /// <summary>Gives a user a role; answers the assignment row (the existing one when it was already given).</summary>
    public async Task<RecordRow> AssignAsync(string userSysId, DirectoryRole role, string actor, CancellationToken cancellationToken)
    {
        var existing = await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.RoleAssignment,
            Query = EncodedQuery.Where("principal_id", userSysId).And(new QueryCondition("role_definition_id", QueryOperator.Equals, role.Id)),
            Limit = 1,
        }, cancellationToken);
        if (existing.Rows.Count > 0) return existing.Rows[0];
        var result = await store.InsertAsync(DirectoryTables.RoleAssignment, new Dictionary<string, string?>
        {
            ["sys_id"] = GraphIds.New(),
            ["role_definition_id"] = role.Id,
            ["principal_id"] = userSysId,
            ["directory_scope_id"] = "/",
        }, new WriteOptions(actor), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException("The role could not be assigned: " + result.Error?.Detail);
        return result.Row!;
    }
}
