using System.Security.Cryptography;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.Hosting;

/// <summary>
/// First start on an empty store: the platform roles, the system properties the instance reads, and the
/// <c>admin</c> user. There is no default password: it comes from the options or is generated and shown once.
/// </summary>
internal static class Bootstrap
{
    private static readonly (string Name, string Description, bool Elevated)[] Roles =
    [
        (Caller.AdminRole, "Full access to every table and setting", false),
        (Caller.SecurityAdminRole, "Administers security settings and ACLs", true),
        (Caller.UserAdminRole, "Administers users, groups, memberships, departments, locations and companies", false),
        ("itil", "Fulfiller", false),
        ("rest_api_explorer", "Uses the REST API Explorer", false),
        ("snc_platform_rest_api_access", "Uses the platform REST APIs", false),
        ("web_service_admin", "Administers web services", false),
        ("rate_limit_admin", "Administers REST rate limits", false),
        ("oauth_admin", "Administers OAuth applications", false),
        ("sso_config_admin", "Configures single sign-on identity providers", false),
    ];

    public static async Task RunAsync(Store store, InstanceOptions options, CancellationToken cancellationToken)
    {
        var system = new WriteOptions("system");
        var roles = store.Tables.Find(InstanceTables.Role)!;
        foreach (var (name, description, elevated) in Roles)
            if (await store.FindAsync(roles, "name", name, cancellationToken) is null)
                await store.InsertAsync(roles, new Dictionary<string, string?>
                {
                    ["name"] = name, ["description"] = description, ["elevated_privilege"] = elevated ? "true" : "false",
                }, system, cancellationToken);

        var properties = store.Tables.Find(InstanceTables.Properties)!;
        foreach (var (name, value, type, description) in SystemProperties.Defaults)
            if (await store.FindAsync(properties, "name", name, cancellationToken) is null)
                await store.InsertAsync(properties, new Dictionary<string, string?>
                {
                    ["name"] = name, ["value"] = value, ["type"] = type, ["description"] = description,
                }, system, cancellationToken);

        var users = store.Tables.Find(InstanceTables.User)!;
        if (await store.FindAsync(users, "user_name", "admin", cancellationToken) is { } existing)
        {
            await GrantAsync(store, existing.SysId, Caller.SecurityAdminRole, cancellationToken);
            return;
        }

        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_')
            : options.AdminPassword!;
        var admin = await store.InsertAsync(users, new Dictionary<string, string?>
        {
            ["user_name"] = "admin",
            ["first_name"] = "System",
            ["last_name"] = "Administrator",
            ["user_password"] = password,
            ["active"] = "true",
        }, system, cancellationToken);
        await GrantAsync(store, admin.Row!.SysId, Caller.AdminRole, cancellationToken);
        await GrantAsync(store, admin.Row!.SysId, Caller.SecurityAdminRole, cancellationToken);

        if (generated)
        {
            var output = options.Announce ?? Console.Out;
            await output.WriteLineAsync($"Created user 'admin' with the generated password: {password}");
            await output.WriteLineAsync("It is shown only this once. Set IDBRIDGE_ADMIN_PASSWORD before the first start to choose it instead.");
        }
    }

    /// <summary>
    /// Grants a role directly when the user does not hold it yet. The bootstrap admin holds security_admin as on
    /// ServiceNow: identity-provider records, certificates and authentication properties need it, not admin alone,
    /// and stores made before those existed get it on their next start.
    /// </summary>
    private static async Task GrantAsync(Store store, string userSysId, string roleName, CancellationToken cancellationToken)
    {
        var role = await store.FindAsync(store.Tables.Find(InstanceTables.Role)!, "name", roleName, cancellationToken);
        if (role is null) return;
        var grants = store.Tables.Find(InstanceTables.UserRole)!;
        var held = await store.CountAsync(grants, EncodedQuery.Where("user", userSysId)
            .And(new QueryCondition("role", QueryOperator.Equals, role.SysId)), cancellationToken);
        if (held > 0) return;
        await store.InsertAsync(grants, new Dictionary<string, string?> { ["user"] = userSysId, ["role"] = role.SysId },
            new WriteOptions("system"), cancellationToken);
    }
}
