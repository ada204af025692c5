namespace IdentityBridge.Instance.Security;

/// <summary>The authenticated user a request runs as, with its effective roles.</summary>
public sealed record Caller(string UserSysId, string UserName, IReadOnlySet<string> Roles)
{
    public const string AdminRole = "admin";
    public const string UserAdminRole = "user_admin";
    public const string SecurityAdminRole = "security_admin";
    public const string SsoConfigAdminRole = "sso_config_admin";

    public bool IsAdmin => Roles.Contains(AdminRole);

    /// <summary>admin holds every role, as in ServiceNow.</summary>
    public bool HasRole(string role) => IsAdmin || Roles.Contains(role);

    /// <summary>
    /// A role held in its own right, not implied by admin: security_admin is elevated on ServiceNow, so admin alone
    /// does not administer authentication (identity providers, certificates, glide.authenticate.* properties).
    /// </summary>
    public bool HoldsOwnRole(string role) => Roles.Contains(role);
}
