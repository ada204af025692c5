using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;

namespace IdentityBridge.Tenant.Import;

public enum ImportResult
{
    Created,
    Updated,
    Rejected,
}

/// <summary>
/// Writes imported and generated users into the directory, idempotently: a user with the same <c>id</c> or, failing
/// that, the same <c>userPrincipalName</c> is updated rather than created again. Values go through the same
/// conversion as a Graph write, so an import accepts exactly what <c>POST /users</c> accepts.
/// </summary>
public sealed class DirectoryImporter(TenantDirectory directory, string actor = "import")
{
    public async Task<(ImportResult Result, string? Reason)> ImportAsync(ImportedUser user, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        string? id = null;
        foreach (var (name, value) in user.Properties)
        {
            if (name == "id")
            {
                id = value?.GetValue<string>();
                continue;
            }
            body[name] = value?.DeepClone();
        }
        if (user.Password is { Length: > 0 } password) body["passwordProfile"] = new JsonObject { ["password"] = password };
        return await UpsertAsync(id, user.UserPrincipalName, body, managerSysId: null, cancellationToken);
    }

    public Task<(ImportResult Result, string? Reason)> ImportAsync(GeneratedUser user, DirectoryGenerator generator,
        CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["userPrincipalName"] = user.UserPrincipalName, ["displayName"] = user.DisplayName, ["givenName"] = user.GivenName,
            ["surname"] = user.Surname, ["mail"] = user.Mail, ["mailNickname"] = user.MailNickname,
            ["jobTitle"] = user.JobTitle, ["department"] = user.Department, ["city"] = user.City, ["country"] = user.Country,
            ["usageLocation"] = user.UsageLocation, ["employeeId"] = user.EmployeeId, ["userType"] = user.UserType,
            ["accountEnabled"] = user.AccountEnabled, ["mobilePhone"] = user.MobilePhone,
        };
        var manager = user.ManagerIndex < 0 ? null : GraphIds.ToSysId(generator.IdFor("user", user.ManagerIndex));
        return UpsertAsync(user.Id.ToString("D"), user.UserPrincipalName, body, manager, cancellationToken);
    }

    private async Task<(ImportResult, string?)> UpsertAsync(string? id, string userPrincipalName, JsonObject body,
        string? managerSysId, CancellationToken cancellationToken)
    {
        string? sysId = null;
        if (id is not null && !GraphIds.TryToSysId(id, out sysId)) return (ImportResult.Rejected, $"'{id}' is not an object id (a GUID).");
        var existing = sysId is null ? null : await directory.Store.GetAsync(DirectoryTables.User, sysId, cancellationToken: cancellationToken);
        existing ??= await directory.FindUserByPrincipalNameAsync(userPrincipalName, cancellationToken);

        Dictionary<string, string?> values;
        try
        {
            using var document = JsonDocument.Parse(body.ToJsonString());
            values = GraphJson.Values(GraphType.User, document.RootElement, existing?["extensions"]);
        }
        catch (GraphException e)
        {
            return (ImportResult.Rejected, e.Message);
        }
        if (managerSysId is not null) values["manager"] = managerSysId;

        if (existing is null)
        {
            if (sysId is not null) values["sys_id"] = sysId;
            var created = await directory.CreateUserAsync(values, actor, cancellationToken);
            return created.Succeeded ? (ImportResult.Created, null) : (ImportResult.Rejected, created.Error!.Detail);
        }
        var updated = await directory.UpdateUserAsync(existing.SysId, values, actor, cancellationToken);
        return updated.Succeeded ? (ImportResult.Updated, null) : (ImportResult.Rejected, updated.Error!.Detail);
    }
}
