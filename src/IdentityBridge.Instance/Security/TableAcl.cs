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
/// Table ACLs. <c>admin</c> may do everything; <c>user_admin</c> administers users, groups, memberships and the
/// reference tables and reads roles; any other authenticated user reads only their own sys_user record.
/// </summary>
public static class TableAcl
{
    private static readonly HashSet<string> UserAdminTables =
    [
        InstanceTables.User, InstanceTables.Group, InstanceTables.GroupMember, InstanceTables.Department,
        InstanceTables.Location, InstanceTables.Company, InstanceTables.UserRole,
    ];

    public static bool Allows(Caller caller, TableDefinition table, TableOperation operation)
    {
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
        Allows(caller, table, TableOperation.Read) && (caller.IsAdmin || caller.HasRole(Caller.UserAdminRole));

    /// <summary>The rows of a table the caller may read: all of them, or only their own user record.</summary>
    public static EncodedQuery? ReadFilter(Caller caller, TableDefinition table, EncodedQuery query)
    {
        if (!Allows(caller, table, TableOperation.Read)) return null;
        if (ReadsEveryRow(caller, table)) return query;
        return query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.Equals, caller.UserSysId));
    }
}
