using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
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
public sealed partial class DirectoryImporter(TenantDirectory directory, string actor = "import")
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
        CancellationToken cancellationToken = default) =>
        UpsertAsync(user.Id.ToString("D"), user.UserPrincipalName, Body(user), ManagerOf(user, generator), cancellationToken);

    /// <summary>
    /// Imports a batch of generated users: the new ones (no user has their id) are created in one transaction by
    /// <see cref="TenantDirectory.CreateUsersAsync"/>, each recorded as a change; the existing ones are updated one by
    /// one as <see cref="ImportAsync(GeneratedUser, DirectoryGenerator, CancellationToken)"/> does, or left alone with
    /// <paramref name="updateExisting"/> false (<see cref="ImportResult.Updated"/> either way), so a re-run stays
    /// idempotent. A new user refused by the batch (its userPrincipalName taken by another id) goes through the
    /// one-by-one path, which updates that user.
    /// </summary>
    public async Task<IReadOnlyList<(ImportResult Result, string? Reason)>> ImportManyAsync(IReadOnlyList<GeneratedUser> users,
        DirectoryGenerator generator, bool updateExisting = true, CancellationToken cancellationToken = default)
    {
        var results = new (ImportResult, string?)[users.Count];
        var sysIds = users.Select(u => GraphIds.ToSysId(u.Id)).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in sysIds.Chunk(500))
        {
            var found = await directory.Store.QueryAsync(new RecordQuery
            {
                Table = DirectoryTables.User,
                Query = EncodedQuery.Where(TableDefinition.SysId, string.Join(",", chunk), QueryOperator.In),
                Fields = [TableDefinition.SysId],
                Limit = chunk.Length,
            }, cancellationToken);
            foreach (var row in found.Rows) existing.Add(row.SysId);
        }

        var fresh = new List<int>();
        var values = new List<Dictionary<string, string?>>();
        for (var i = 0; i < users.Count; i++)
        {
            if (existing.Contains(sysIds[i]))
            {
                results[i] = updateExisting ? await ImportAsync(users[i], generator, cancellationToken) : (ImportResult.Updated, null);
                continue;
            }
            Dictionary<string, string?> converted;
            try
            {
                converted = Convert(Body(users[i]), null);
            }
            catch (GraphException e)
            {
                results[i] = (ImportResult.Rejected, e.Message);
                continue;
            }
            if (ManagerOf(users[i], generator) is { } manager) converted["manager"] = manager;
            converted["sys_id"] = sysIds[i];
            fresh.Add(i);
            values.Add(converted);
        }
        var created = await directory.CreateUsersAsync(values, actor, cancellationToken);
        for (var j = 0; j < fresh.Count; j++)
        {
            var i = fresh[j];
            results[i] = created[j].Succeeded
                ? (ImportResult.Created, null)
                : created[j].Error!.Kind == WriteErrorKind.Aborted
                    ? await ImportAsync(users[i], generator, cancellationToken)
                    : (ImportResult.Rejected, created[j].Error!.Detail);
        }
        return results;
    }

    private static string? ManagerOf(GeneratedUser user, DirectoryGenerator generator) =>
        user.ManagerIndex < 0 ? null : GraphIds.ToSysId(generator.IdFor("user", user.ManagerIndex));

    private static JsonObject Body(GeneratedUser user) =>
        new()
        {
            ["userPrincipalName"] = user.UserPrincipalName, ["displayName"] = user.DisplayName, ["givenName"] = user.GivenName,
            ["surname"] = user.Surname, ["mail"] = user.Mail, ["mailNickname"] = user.MailNickname,
            ["jobTitle"] = user.JobTitle, ["department"] = user.Department, ["city"] = user.City, ["country"] = user.Country,
            ["usageLocation"] = user.UsageLocation, ["employeeId"] = user.EmployeeId, ["userType"] = user.UserType,
            ["accountEnabled"] = user.AccountEnabled, ["mobilePhone"] = user.MobilePhone,
            ["companyName"] = user.CompanyName is { Length: > 0 } company ? company : null,
        };

    /// <summary>The column values of a user's Graph body, converted as a Graph write converts them.</summary>
    private static Dictionary<string, string?> Convert(JsonObject body, string? currentExtensions)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return GraphJson.Values(GraphType.User, document.RootElement, currentExtensions);
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
            values = Convert(body, existing?["extensions"]);
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
