using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Tenant.Directory;

/// <summary>
/// The tenant's tables. Every Graph object's sys_id is its id's 32 hex digits (<see cref="GraphIds"/>); multi-valued
/// properties (otherMails, proxyAddresses, businessPhones, groupTypes, appRoles) are JSON arrays in text columns.
/// </summary>
public static class DirectoryTables
{
    public const string UserTable = "graph_user";
    public const string GroupTable = "graph_group";
    public const string GroupMemberTable = "graph_group_member";
    public const string ServicePrincipalTable = "graph_service_principal";
    public const string AppRoleAssignmentTable = "graph_app_role_assignment";
    public const string DomainTable = "graph_domain";
    public const string ChangeTable = "graph_change";
    public const string SettingTable = "tenant_setting";
    public const string TokenSigningCertificateTable = "sp_token_signing_certificate";

    private const int JsonLength = 16_000;

    private static ColumnDefinition Json(string name) => ColumnDefinition.String(name, maxLength: JsonLength);

    public static TableDefinition User { get; } = new(UserTable, "User", "display_name",
    [
        ColumnDefinition.String("user_principal_name", maxLength: 113) with { Mandatory = true },
        ColumnDefinition.String("display_name", maxLength: 256),
        ColumnDefinition.String("given_name", maxLength: 64),
        ColumnDefinition.String("surname", maxLength: 64),
        ColumnDefinition.String("mail", maxLength: 256),
        ColumnDefinition.String("mail_nickname", maxLength: 64),
        Json("other_mails"),
        Json("proxy_addresses"),
        ColumnDefinition.String("job_title", maxLength: 128),
        ColumnDefinition.String("department", maxLength: 64),
        ColumnDefinition.String("company_name", maxLength: 64),
        ColumnDefinition.String("office_location", maxLength: 128),
        ColumnDefinition.String("street_address", maxLength: 1024),
        ColumnDefinition.String("city", maxLength: 128),
        ColumnDefinition.String("state", maxLength: 128),
        ColumnDefinition.String("postal_code", maxLength: 40),
        ColumnDefinition.String("country", maxLength: 128),
        ColumnDefinition.String("usage_location", maxLength: 2),
        ColumnDefinition.String("employee_id", maxLength: 16),
        ColumnDefinition.String("employee_type", maxLength: 64),
        Json("business_phones"),
        ColumnDefinition.String("mobile_phone", maxLength: 64),
        ColumnDefinition.Boolean("account_enabled", defaultValue: true),
        ColumnDefinition.String("user_type", maxLength: 16),
        ColumnDefinition.DateTime("created_date_time"),
        ColumnDefinition.DateTime("deleted_date_time"),
        ColumnDefinition.Reference("manager", UserTable),
        // extension_{appId}_{name} attributes, as one JSON object.
        Json("extensions"),
        ColumnDefinition.Password("password"),
    ],
    [
        IndexDefinition.UniqueOn("user_principal_name"),
        IndexDefinition.On("display_name"),
        IndexDefinition.On("mail"),
        IndexDefinition.On("manager"),
        // No index on deleted_date_time: SQLite, without statistics, would read every live user through it and
        // sort them for each page, where the primary key serves a page of the id-ordered list directly.
    ]);

    public static TableDefinition Group { get; } = new(GroupTable, "Group", "display_name",
    [
        ColumnDefinition.String("display_name", maxLength: 256) with { Mandatory = true },
        ColumnDefinition.String("description", maxLength: 1024),
        ColumnDefinition.String("mail", maxLength: 256),
        ColumnDefinition.String("mail_nickname", maxLength: 64),
        ColumnDefinition.Boolean("mail_enabled"),
        ColumnDefinition.Boolean("security_enabled", defaultValue: true),
        Json("group_types"),
        ColumnDefinition.DateTime("created_date_time"),
    ],
    [IndexDefinition.On("display_name"), IndexDefinition.On("mail")]);

    /// <summary>One direct member of a group: a user or a group (nesting), by its sys_id.</summary>
    public static TableDefinition GroupMember { get; } = new(GroupMemberTable, "Group member", "member_id",
    [
        ColumnDefinition.Reference("group_id", GroupTable),
        ColumnDefinition.String("member_id", maxLength: 32),
        ColumnDefinition.Choice("member_type", ["user", "group"]),
    ],
    [IndexDefinition.UniqueOn("group_id", "member_id"), IndexDefinition.On("member_id")]);

    public static TableDefinition ServicePrincipal { get; } = new(ServicePrincipalTable, "Service principal", "display_name",
    [
        ColumnDefinition.String("app_id", maxLength: 36) with { Mandatory = true },
        ColumnDefinition.String("display_name", maxLength: 256),
        ColumnDefinition.Boolean("account_enabled", defaultValue: true),
        ColumnDefinition.Boolean("app_role_assignment_required"),
        ColumnDefinition.String("service_principal_type", maxLength: 40),
        Json("app_roles"),
        Json("tags"),
        ColumnDefinition.DateTime("created_date_time"),
    ],
    [IndexDefinition.UniqueOn("app_id"), IndexDefinition.On("display_name")]);

    /// <summary>A user or group assigned to a service principal (an enterprise app), with one of its app roles.</summary>
    public static TableDefinition AppRoleAssignment { get; } = new(AppRoleAssignmentTable, "App role assignment", "principal_display_name",
    [
        ColumnDefinition.Reference("resource_id", ServicePrincipalTable),
        ColumnDefinition.String("resource_display_name", maxLength: 256),
        ColumnDefinition.String("principal_id", maxLength: 32),
        ColumnDefinition.Choice("principal_type", ["User", "Group", "ServicePrincipal"]),
        ColumnDefinition.String("principal_display_name", maxLength: 256),
        ColumnDefinition.String("app_role_id", maxLength: 36),
        ColumnDefinition.DateTime("created_date_time"),
    ],
    [IndexDefinition.On("resource_id"), IndexDefinition.On("principal_id")]);

    public static TableDefinition Domain { get; } = new(DomainTable, "Domain", "name",
    [
        ColumnDefinition.String("name", maxLength: 255) with { Mandatory = true },
        ColumnDefinition.Boolean("is_default"),
        ColumnDefinition.Boolean("is_initial"),
        ColumnDefinition.Boolean("is_verified", defaultValue: true),
    ],
    [IndexDefinition.UniqueOn("name")]);

    /// <summary>
    /// Every write to a user, a group or a membership, numbered by a strictly increasing sequence. A delta token
    /// holds a sequence number, so a delta round reads the changes after it by index: its cost follows the number of
    /// changes, not the size of the directory.
    /// </summary>
    public static TableDefinition Change { get; } = new(ChangeTable, "Directory change", "seq",
    [
        ColumnDefinition.Integer("seq"),
        ColumnDefinition.Choice("object_type", ["user", "group"]),
        ColumnDefinition.String("object_id", maxLength: 32),
        // changed, deleted (hard), member_added, member_removed
        ColumnDefinition.Choice("kind", ["changed", "deleted", "member_added", "member_removed"]),
        ColumnDefinition.String("member_id", maxLength: 32),
        ColumnDefinition.Choice("member_type", ["user", "group"]),
    ],
    [IndexDefinition.UniqueOn("seq"), IndexDefinition.On("object_type", "seq")]);

    public static TableDefinition Setting { get; } = new(SettingTable, "Tenant setting", "name",
    [
        ColumnDefinition.String("name", maxLength: 100) with { Mandatory = true },
        ColumnDefinition.String("value", maxLength: 4000),
        ColumnDefinition.Integer("counter"),
    ],
    [IndexDefinition.UniqueOn("name")]);

    /// <summary>
    /// A SAML token-signing certificate of a service principal (spec/saml.md 1.5). Several are kept for rollover, one
    /// active; the private key is held only as SecretProtector ciphertext.
    /// </summary>
    public static TableDefinition TokenSigningCertificate { get; } = new(TokenSigningCertificateTable, "Token signing certificate", "display_name",
    [
        ColumnDefinition.Reference("service_principal", ServicePrincipalTable),
        ColumnDefinition.String("key_id", maxLength: 36) with { Mandatory = true },
        ColumnDefinition.String("thumbprint", maxLength: 40) with { Mandatory = true },
        ColumnDefinition.String("display_name", maxLength: 256),
        ColumnDefinition.String("certificate", maxLength: 8000),
        ColumnDefinition.String("private_key", maxLength: 8000),
        ColumnDefinition.DateTime("start_date_time"),
        ColumnDefinition.DateTime("end_date_time"),
        ColumnDefinition.Boolean("active"),
    ],
    [IndexDefinition.UniqueOn("key_id"), IndexDefinition.On("service_principal")]);

    public static IReadOnlyList<TableDefinition> All { get; } =
        [User, Group, GroupMember, ServicePrincipal, AppRoleAssignment, Domain, Change, Setting, TokenSigningCertificate];
}
