using System.Security.Cryptography;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.RateLimiting;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.TableApi;

/// <summary>
/// What the platform does around a write, beyond the table layer: the guard against granting admin
/// (KB0758037), locked_out following active, cascades, generated OAuth credentials, clearing caches, and the
/// rules of Multi-Provider SSO (<see cref="SsoRules"/>).
/// </summary>
public sealed class BusinessRules(Store store, Authenticator authenticator, RoleResolver roles, SystemProperties properties,
    RateLimiter rateLimiter, SsoRules sso)
{
    /// <summary>A secret generated for a new OAuth client, shown once in the response to its creation.</summary>
    public sealed record Generated(string Field, string Value);

    public async Task<(ApiError? Error, Generated? Generated)> BeforeAsync(Caller caller, TableDefinition table, TableOperation operation,
        RecordRow? current, Dictionary<string, string?> values, CancellationToken cancellationToken)
    {
        if (await sso.BeforeAsync(caller, table, operation, current, values, cancellationToken) is { } ssoError) return (ssoError, null);
        switch (table.Name)
        {
            case InstanceTables.User:
                if (!caller.IsAdmin && current is not null && await HoldsAdminAsync(current.SysId, cancellationToken))
                    return (Escalation(caller, $"modify the user '{current["user_name"]}', who holds the admin role"), null);
                if (values.TryGetValue("active", out var active) && !values.ContainsKey("locked_out") &&
                    active is { Length: > 0 })
                {
                    // As on ServiceNow, deactivating a user locks the account and reactivating unlocks it.
                    values["locked_out"] = active.Equals("false", StringComparison.OrdinalIgnoreCase) || active == "0" ? "true" : "false";
                }
                // Unlocking starts the count of failed logins afresh; otherwise the next wrong password locks again.
                if (current?["locked_out"] == "true" && values.GetValueOrDefault("locked_out") is { } unlock &&
                    (unlock.Equals("false", StringComparison.OrdinalIgnoreCase) || unlock == "0") && !values.ContainsKey("failed_attempts"))
                    values["failed_attempts"] = "0";
                break;

            case InstanceTables.Group:
                if (!caller.IsAdmin &&
                    (CarriesAdmin(values.GetValueOrDefault("roles")) || CarriesAdmin(current?["roles"])))
                    return (Escalation(caller, "grant admin/security_admin-containing roles or groups"), null);
                if (operation != TableOperation.Delete && !caller.HoldsOwnRole(Caller.SecurityAdminRole) &&
                    AuthenticationRoleIn(values.GetValueOrDefault("roles"), except: current?["roles"]) is { } addedRole)
                    return (AuthenticationEscalation(caller, addedRole), null);
                break;

            case InstanceTables.GroupMember:
            {
                if (operation == TableOperation.Create &&
                    (string.IsNullOrWhiteSpace(values.GetValueOrDefault("user")) || string.IsNullOrWhiteSpace(values.GetValueOrDefault("group"))))
                    return (ApiError.BadRequest("Invalid value for field: user, group",
                        "A group membership needs both 'user' and 'group' (sys_ids, or display values with sysparm_input_display_value=true)"), null);
                var groupValue = values.GetValueOrDefault("group") ?? current?["group"];
                var groups = await CandidatesAsync(InstanceTables.Group, groupValue, cancellationToken);
                if (!caller.IsAdmin)
                {
                    var previous = await CandidatesAsync(InstanceTables.Group, current?["group"], cancellationToken);
                    if (groups.Concat(previous).Any(g => CarriesAdmin(g["roles"])))
                        return (Escalation(caller, "grant admin/security_admin-containing roles or groups"), null);
                    var userValue = values.GetValueOrDefault("user") ?? current?["user"];
                    foreach (var user in await CandidatesAsync(InstanceTables.User, userValue, cancellationToken))
                        if (await HoldsAdminAsync(user.SysId, cancellationToken))
                            return (Escalation(caller, $"change the groups of '{user["user_name"]}', who holds the admin role"), null);
                }
                if (operation != TableOperation.Delete && !caller.HoldsOwnRole(Caller.SecurityAdminRole) &&
                    groups.Select(g => AuthenticationRoleIn(g["roles"])).OfType<string>().FirstOrDefault() is { } groupRole)
                    return (AuthenticationEscalation(caller, groupRole), null);
                break;
            }

            case InstanceTables.UserRole:
            {
                var roleCandidates = await CandidatesAsync(InstanceTables.Role, values.GetValueOrDefault("role") ?? current?["role"], cancellationToken);
                if (!caller.IsAdmin)
                {
                    if (roleCandidates.Count == 0 || roleCandidates.Any(role => IsAdminRole(role["name"]) || role["elevated_privilege"] == "true"))
                        return (Escalation(caller, "grant admin/security_admin-containing roles or groups"), null);
                    foreach (var user in await CandidatesAsync(InstanceTables.User, values.GetValueOrDefault("user") ?? current?["user"], cancellationToken))
                        if (await HoldsAdminAsync(user.SysId, cancellationToken))
                            return (Escalation(caller, $"change the roles of '{user["user_name"]}', who holds the admin role"), null);
                }
                if (operation != TableOperation.Delete && !caller.HoldsOwnRole(Caller.SecurityAdminRole) &&
                    roleCandidates.Select(role => AuthenticationRoleIn(role["name"])).OfType<string>().FirstOrDefault() is { } grantedRole)
                    return (AuthenticationEscalation(caller, grantedRole), null);
                break;
            }

            case InstanceTables.Role:
                if (operation == TableOperation.Delete && IsAdminRole(current?["name"]))
                    return (new ApiError(StatusCodes.Status403Forbidden, "Operation Failed", "The admin role is part of the platform and cannot be deleted"), null);
                break;

            case InstanceTables.OAuthEntity when operation == TableOperation.Create:
            {
                if (string.IsNullOrWhiteSpace(values.GetValueOrDefault("client_id")))
                    values["client_id"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                if (string.IsNullOrEmpty(values.GetValueOrDefault("client_secret")))
                {
                    var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
                    values["client_secret"] = secret;
                    return (null, new Generated("client_secret", secret));
                }
                break;
            }
        }
        return (null, null);
    }

    public async Task AfterAsync(TableDefinition table, TableOperation operation, RecordRow? before, RecordRow? after,
        CancellationToken cancellationToken)
    {
        var row = after ?? before;
        await sso.AfterAsync(table, operation, before, after, cancellationToken);
        switch (table.Name)
        {
            case InstanceTables.User when row is not null:
                authenticator.Forget(row.SysId);
                if (operation == TableOperation.Delete)
                {
                    await store.DeleteWhereAsync(store.Tables.Find(InstanceTables.GroupMember)!, EncodedQuery.Where("user", row.SysId), cancellationToken);
                    await store.DeleteWhereAsync(store.Tables.Find(InstanceTables.UserRole)!, EncodedQuery.Where("user", row.SysId), cancellationToken);
                }
                break;
            case InstanceTables.Group:
                if (operation == TableOperation.Delete && row is not null)
                    await store.DeleteWhereAsync(store.Tables.Find(InstanceTables.GroupMember)!, EncodedQuery.Where("group", row.SysId), cancellationToken);
                roles.ForgetAll();
                break;
            case InstanceTables.GroupMember or InstanceTables.UserRole:
                if (before?["user"] is { Length: > 0 } oldUser) roles.Forget(oldUser);
                if (after?["user"] is { Length: > 0 } newUser) roles.Forget(newUser);
                break;
            case InstanceTables.Role:
                roles.ForgetAll();
                break;
            case InstanceTables.Properties:
                properties.Invalidate();
                break;
            case InstanceTables.RateLimitRule:
                rateLimiter.Reload();
                break;
        }
    }

    private async Task<bool> HoldsAdminAsync(string userSysId, CancellationToken cancellationToken) =>
        (await roles.RolesOfAsync(userSysId, cancellationToken)).Contains(Caller.AdminRole);

    private static bool IsAdminRole(string? name) => name is "admin" or "security_admin";

    private static bool CarriesAdmin(string? roleList) => RoleResolver.SplitRoles(roleList).Any(IsAdminRole);

    /// <summary>
    /// Every record a reference value may name: the record with that sys_id and every record with that display value.
    /// The store picks one of them by its own rules; the guard refuses when any of them is privileged, so that a
    /// look-alike name (a second group called like an admin group) cannot make it check another record than the
    /// one written.
    /// </summary>
    private async Task<IReadOnlyList<RecordRow>> CandidatesAsync(string tableName, string? value, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(value)) return [];
        var table = store.Tables.Find(tableName)!;
        var candidates = new List<RecordRow>();
        var sysId = value.Trim().ToLowerInvariant();
        if (SysIds.IsSysId(sysId) && await store.GetAsync(table, sysId, cancellationToken: cancellationToken) is { } byId)
            candidates.Add(byId);
        if (table.DisplayField != TableDefinition.SysId)
            candidates.AddRange((await store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = EncodedQuery.Where(table.DisplayField, value.Trim()),
                // All of them: a cap would let enough look-alikes push the privileged record out of view.
                Limit = int.MaxValue,
                InvalidQueryReturnsNoRows = true,
            }, cancellationToken)).Rows);
        return candidates;
    }

    /// <summary>The roles that decide who may configure sign-in: security_admin, and sso_config_admin (identity providers).</summary>
    private static readonly string[] AuthenticationRoles = [Caller.SecurityAdminRole, Caller.SsoConfigAdminRole];

    /// <summary>The first authentication role a comma-separated role list carries (and <paramref name="except"/> does not), or null.</summary>
    private static string? AuthenticationRoleIn(string? roleList, string? except = null) =>
        RoleResolver.SplitRoles(roleList).FirstOrDefault(role =>
            AuthenticationRoles.Contains(role, StringComparer.Ordinal) && !RoleResolver.SplitRoles(except).Contains(role, StringComparer.Ordinal));

    /// <summary>
    /// The roles that configure sign-in are granted only by security_admin, admin included: otherwise admin alone, or
    /// a user_admin, could grant itself the right to plant an identity provider that signs anyone in as anyone.
    /// </summary>
    private static ApiError AuthenticationEscalation(Caller caller, string role) =>
        new(StatusCodes.Status403Forbidden, "Operation Failed",
            $"User {caller.UserName} without the security_admin role is not allowed to grant {role}-containing roles or groups");

    private static ApiError Escalation(Caller caller, string what) =>
        new(StatusCodes.Status403Forbidden, "Operation Failed",
            $"User {caller.UserName} without admin/security_admin role is not allowed to {what}");
}
