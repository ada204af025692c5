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
    public const string SamlIdentifierTable = "sp_saml_identifier";
    public const string SessionTable = "tenant_session";
    public const string SessionParticipantTable = "tenant_session_participant";
    public const string SignInLockoutTable = "sign_in_lockout";
    public const string SignInLogTable = "sign_in_log";
    public const string SamlPendingRequestTable = "saml_pending_request";
    public const string RoleAssignmentTable = "directory_role_assignment";

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
        // Single sign-on (spec/saml.md 1.2-1.9). Graph's own properties first: the Sign-on URL is loginUrl.
        ColumnDefinition.String("preferred_single_sign_on_mode", maxLength: 20),
        ColumnDefinition.String("login_url", maxLength: 1024),
        ColumnDefinition.String("logout_url", maxLength: 1024),
        ColumnDefinition.String("logo_url", maxLength: 1024),
        Json("notification_email_addresses"),
        // Reply URLs with their index and default flag: [{"uri":..,"index":0,"isDefault":true}].
        Json("reply_urls"),
        // The rest of the SAML settings as one JSON object (SamlSettings): relay state, NameID, claims, signing.
        Json("saml_settings"),
    ],
    [IndexDefinition.UniqueOn("app_id"), IndexDefinition.On("display_name")]);

    /// <summary>
    /// An Identifier (entity id) of a service principal's SAML settings. Unique across the tenant, as Entra keeps
    /// identifier URIs, so an AuthnRequest's Issuer names one app.
    /// </summary>
    public static TableDefinition SamlIdentifier { get; } = new(SamlIdentifierTable, "SAML identifier", "identifier",
    [
        ColumnDefinition.Reference("service_principal", ServicePrincipalTable),
        ColumnDefinition.String("identifier", maxLength: 1024) with { Mandatory = true },
        ColumnDefinition.Boolean("is_default"),
    ],
    [IndexDefinition.UniqueOn("identifier"), IndexDefinition.On("service_principal")]);

    /// <summary>
    /// A browser's sign-in to the tenant. The sys_id is the SHA-256 of the cookie value (hex, 32 characters kept),
    /// so the store never holds a usable cookie.
    /// </summary>
    public static TableDefinition Session { get; } = new(SessionTable, "Tenant session", "user_principal_name",
    [
        ColumnDefinition.Reference("user", UserTable),
        ColumnDefinition.String("user_principal_name", maxLength: 113),
        ColumnDefinition.DateTime("authenticated_at"),
        ColumnDefinition.DateTime("expires_at"),
        ColumnDefinition.DateTime("ended_at"),
    ],
    [IndexDefinition.On("user")]);

    /// <summary>An app a session signed in to by SAML: what single logout needs (NameID and SessionIndex).</summary>
    public static TableDefinition SessionParticipant { get; } = new(SessionParticipantTable, "Session participant", "session",
    [
        ColumnDefinition.Reference("session", SessionTable),
        ColumnDefinition.Reference("service_principal", ServicePrincipalTable),
        ColumnDefinition.String("name_id", maxLength: 1024),
        ColumnDefinition.String("name_id_format", maxLength: 256),
        ColumnDefinition.String("session_index", maxLength: 100),
    ],
    [IndexDefinition.On("session"), IndexDefinition.On("session_index")]);

    /// <summary>Smart lockout state of one user: failed password attempts and how long sign-in is held back.</summary>
    public static TableDefinition SignInLockout { get; } = new(SignInLockoutTable, "Sign-in lockout", "user",
    [
        ColumnDefinition.Reference("user", UserTable),
        ColumnDefinition.Integer("failed_attempts"),
        ColumnDefinition.Integer("lockouts"),
        ColumnDefinition.DateTime("last_failure_at"),
        ColumnDefinition.DateTime("locked_until"),
        // A random key of this row and the keyed hashes (HMAC-SHA256, shortened) of the last few wrong passwords, so
        // that the same wrong password typed again is not counted twice; never the passwords themselves.
        ColumnDefinition.String("password_key", maxLength: 64),
        ColumnDefinition.String("recent_bad_passwords", maxLength: 200),
    ],
    [IndexDefinition.UniqueOn("user")]);

    /// <summary>
    /// One interactive sign-in or SAML sign-on, successful or not, with Entra's error code: what an admin (and
    /// doctor) reads to learn why a user could not get in.
    /// </summary>
    public static TableDefinition SignInLog { get; } = new(SignInLogTable, "Sign-in log", "user_principal_name",
    [
        ColumnDefinition.DateTime("created_date_time"),
        ColumnDefinition.String("user_principal_name", maxLength: 256),
        ColumnDefinition.String("user_id", maxLength: 32),
        ColumnDefinition.String("app_id", maxLength: 36),
        ColumnDefinition.String("app_display_name", maxLength: 256),
        ColumnDefinition.Integer("error_code"),
        ColumnDefinition.String("failure_reason", maxLength: 1024),
        ColumnDefinition.String("correlation_id", maxLength: 36),
        ColumnDefinition.String("ip_address", maxLength: 64),
        ColumnDefinition.String("detail", maxLength: 4000),
    ],
    [IndexDefinition.On("created_date_time"), IndexDefinition.On("user_id"), IndexDefinition.On("app_id")]);

    /// <summary>
    /// An AuthnRequest waiting for its user to sign in. The sys_id is a random handle carried through the sign-in
    /// page; the row says where the response goes and what it answers.
    /// </summary>
    public static TableDefinition SamlPendingRequest { get; } = new(SamlPendingRequestTable, "Pending SAML request", "request_id",
    [
        ColumnDefinition.Reference("service_principal", ServicePrincipalTable),
        ColumnDefinition.String("request_id", maxLength: 256),
        ColumnDefinition.String("issuer", maxLength: 1024),
        ColumnDefinition.String("reply_url", maxLength: 1024),
        ColumnDefinition.String("relay_state", maxLength: 1024),
        ColumnDefinition.String("name_id_format", maxLength: 256),
        ColumnDefinition.Boolean("force_authn"),
        ColumnDefinition.DateTime("expires_at"),
    ]);

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

    /// <summary>
    /// A directory role given to a user (Graph unifiedRoleAssignment, tenant-wide scope "/"): who may administer
    /// enterprise apps, for example use their Test action.
    /// </summary>
    public static TableDefinition RoleAssignment { get; } = new(RoleAssignmentTable, "Directory role assignment", "principal_id",
    [
        ColumnDefinition.String("role_definition_id", maxLength: 36) with { Mandatory = true },
        ColumnDefinition.String("principal_id", maxLength: 32) with { Mandatory = true },
        ColumnDefinition.String("directory_scope_id", maxLength: 256),
    ],
    [IndexDefinition.UniqueOn("principal_id", "role_definition_id"), IndexDefinition.On("role_definition_id")]);

    public static IReadOnlyList<TableDefinition> All { get; } =
        [
            User, Group, GroupMember, ServicePrincipal, AppRoleAssignment, Domain, Change, Setting, TokenSigningCertificate,
            SamlIdentifier, Session, SessionParticipant, SignInLockout, SignInLog, SamlPendingRequest, RoleAssignment,
        ];
}
