using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Security;

public enum TableOperation
{
    Read,
    Create,
    Write,
    Delete,
}

/// <summary>
/// Table ACLs. <c>admin</c> may do everything except administer authentication; <c>user_admin</c> administers users,
/// groups, memberships and the reference tables and reads roles; any other authenticated user reads only their own
/// sys_user record.
/// </summary>
/// <remarks>
/// Authentication follows ServiceNow's least privilege: identity-provider records and certificates are written by
/// <c>security_admin</c> (records also by <c>sso_config_admin</c>), and admin without security_admin only reads
/// them, so that an admin account taken over cannot plant an identity provider that signs anyone in as anyone.
/// Sessions, sent requests and consumed assertions are the service provider's own state: only security_admin reads
/// them and nobody writes them through the API. Properties <c>glide.authenticate.*</c> are guarded row by row in
/// <see cref="TableApi.BusinessRules"/>.
/// </remarks>
public static class TableAcl
{
    private static readonly HashSet<string> UserAdminTables =
    [
        InstanceTables.User, InstanceTables.Group, InstanceTables.GroupMember, InstanceTables.Department,
        InstanceTables.Location, InstanceTables.Company, InstanceTables.UserRole,
    ];

    private static readonly HashSet<string> IdentityProviderTables = [SsoTables.IdentityProvider, SsoTables.Saml];

    private static readonly HashSet<string> ServiceProviderStateTables = [SsoTables.Session, SsoTables.Request, SsoTables.Replay];

    public static bool Allows(Caller caller, TableDefinition table, TableOperation operation)
    {
        // The instance's SAML private key is nobody's to read or write through the API.
        if (table.Name == SsoTables.ServiceProviderKey) return false;
        var securityAdmin = caller.HoldsOwnRole(Caller.SecurityAdminRole);
        if (IdentityProviderTables.Contains(table.Name))
            return securityAdmin || caller.HoldsOwnRole(Caller.SsoConfigAdminRole) || (operation == TableOperation.Read && caller.IsAdmin);
        if (table.Name == SsoTables.Certificate)
            // sso_config_admin links certificates to records, so it reads them; trust-store certificates are public.
            return securityAdmin || (operation == TableOperation.Read && (caller.IsAdmin || caller.HoldsOwnRole(Caller.SsoConfigAdminRole)));
        if (ServiceProviderStateTables.Contains(table.Name))
            return operation == TableOperation.Read && securityAdmin;
        if (caller.IsAdmin) return true;
        if (caller.HasRole(Caller.UserAdminRole))
        {
            if (UserAdminTables.Contains(table.Name)) return true;
            if (table.Name == InstanceTables.Role && operation == TableOperation.Read) return true;
        }
        return table.Name == InstanceTables.User && operation == TableOperation.Read;
    }

    /// <summary>True when the caller reads every row of the table, with no row filter.</summary>
    public static bool ReadsEveryRow(Caller caller, TableDefinition table) =>
        Allows(caller, table, TableOperation.Read) &&
        (table.Name != InstanceTables.User || caller.IsAdmin || caller.HasRole(Caller.UserAdminRole));

    /// <summary>The rows of a table the caller may read: all of them, or only their own user record.</summary>
    public static EncodedQuery? ReadFilter(Caller caller, TableDefinition table, EncodedQuery query)
    {
        if (!Allows(caller, table, TableOperation.Read)) return null;
        if (ReadsEveryRow(caller, table)) return query;
        return query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.Equals, caller.UserSysId));
    }
}
