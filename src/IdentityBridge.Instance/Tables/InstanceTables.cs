using IdentityBridge.Storage.Schema;
using static IdentityBridge.Storage.Schema.ColumnDefinition;

namespace IdentityBridge.Instance.Tables;

/// <summary>
/// The built-in tables with the columns of spec/servicenow.md 3.2 to 3.4 and 7, plus the platform tables the
/// instance needs (roles, properties, OAuth, rate limits), and the Multi-Provider SSO tables of <see cref="SsoTables"/>.
/// </summary>
public static class InstanceTables
{
    public const string User = "sys_user";
    public const string Group = "sys_user_group";
    public const string GroupMember = "sys_user_grmember";
    public const string Department = "cmn_department";
    public const string Location = "cmn_location";
    public const string Company = "core_company";
    public const string Role = "sys_user_role";
    public const string UserRole = "sys_user_has_role";
    public const string Properties = "sys_properties";
    public const string Syslog = "syslog";
    public const string OAuthEntity = "oauth_entity";
    public const string OAuthCredential = "oauth_credential";
    public const string RateLimitRule = "sys_rate_limit_rules";
    public const string Dictionary = "sys_dictionary";

    /// <summary>sys_user.name is calculated from the first and last names, as ServiceNow's dictionary does.</summary>
    private static string? FullName(IReadOnlyDictionary<string, string?> row) =>
        string.Join(' ', new[] { row.GetValueOrDefault("first_name"), row.GetValueOrDefault("last_name") }
            .Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()));

    public static IReadOnlyList<TableDefinition> All { get; } =
    [
        new(User, "User", "name",
        [
            String("user_name", "User ID", 100),
            String("first_name", "First name", 50),
            String("middle_name", "Middle name", 50),
            String("last_name", "Last name", 50),
            new() { Name = "name", Type = ColumnType.String, Label = "Name", MaxLength = 151, Calculation = FullName },
            String("email", "Email", 100),
            String("title", "Title", 100),
            Reference("department", Department, "Department"),
            Reference("location", Location, "Location"),
            Reference("company", Company, "Company"),
            String("cost_center", "Cost center", 100),
            Reference("manager", User, "Manager"),
            String("phone", "Business phone", 40),
            String("mobile_phone", "Mobile phone", 40),
            String("home_phone", "Home phone", 40),
            String("employee_number", "Employee number", 40),
            String("street", "Street", 255),
            String("city", "City", 100),
            String("state", "State / Province", 100),
            String("zip", "Zip / Postal code", 40),
            String("country", "Country code", 3),
            String("gender", "Gender", 40),
            String("preferred_language", "Language", 40),
            String("time_zone", "Time zone", 40),
            String("source", "Source", 255),
            String("federated_id", "Federated ID", 255),
            Boolean("active", "Active", defaultValue: true),
            Boolean("locked_out", "Locked out"),
            Password("user_password", "Password"),
            Boolean("password_needs_reset", "Password needs reset"),
            Boolean("web_service_access_only", "Web service access only"),
            Boolean("internal_integration_user", "Internal Integration User"),
            Boolean("vip", "VIP"),
            Choice("identity_type", ["human", "machine", "ai"], "Identity type", "human"),
            Integer("failed_attempts", "Failed login attempts", 0),
            DateTime("last_login_time", "Last login time"),
        ],
        // Lookups by the keys provisioning matches on, and by the references lists filter on (a department's people).
        [IndexDefinition.UniqueOn("user_name"), IndexDefinition.On("email"), IndexDefinition.On("name"),
         IndexDefinition.On("employee_number"), IndexDefinition.On("manager"), IndexDefinition.On("department"),
         IndexDefinition.On("location"), IndexDefinition.On("company")]),

        new(Group, "Group", "name",
        [
            String("name", "Name", 80),
            String("description", "Description", 1000),
            Reference("manager", User, "Manager"),
            String("email", "Group email", 100),
            Reference("parent", Group, "Parent"),
            String("type", "Type", 1000),
            Boolean("active", "Active", defaultValue: true),
            Boolean("exclude_manager", "Exclude manager"),
            Boolean("include_members", "Include members"),
            Reference("default_assignee", User, "Default assignee"),
            String("cost_center", "Cost center", 100),
            String("roles", "Roles", 4000),
            String("source", "Source", 255),
        ],
        [IndexDefinition.On("name")]),

        new(GroupMember, "Group Member", "user",
        [
            Reference("user", User, "User"),
            Reference("group", Group, "Group"),
        ],
        [IndexDefinition.UniqueOn("user", "group"), IndexDefinition.On("group")]),

        new(Department, "Department", "name",
        [
            String("name", "Name", 100),
            String("id", "ID", 40),
            String("description", "Description", 1000),
            Reference("parent", Department, "Parent"),
            Reference("dept_head", User, "Department head"),
            Reference("company", Company, "Company"),
            String("cost_center", "Cost center", 100),
            String("code", "Code", 40),
        ],
        [IndexDefinition.On("name")]),

        new(Location, "Location", "name",
        [
            String("name", "Name", 100),
            String("street", "Street", 255),
            String("city", "City", 100),
            String("state", "State / Province", 100),
            String("zip", "Zip / Postal code", 40),
            String("country", "Country", 40),
            Reference("parent", Location, "Parent"),
            Reference("company", Company, "Company"),
            String("latitude", "Latitude", 40),
            String("longitude", "Longitude", 40),
        ],
        [IndexDefinition.On("name")]),

        new(Company, "Company", "name",
        [
            String("name", "Name", 100),
            String("street", "Street", 255),
            String("city", "City", 100),
            String("state", "State / Province", 100),
            String("zip", "Zip / Postal code", 40),
            String("country", "Country", 40),
            String("phone", "Phone", 40),
            String("stock_symbol", "Stock symbol", 40),
            Boolean("customer", "Customer"),
            Boolean("vendor", "Vendor"),
            Boolean("manufacturer", "Manufacturer"),
            Reference("parent", Company, "Parent"),
        ],
        [IndexDefinition.On("name")]),

        new(Role, "Role", "name",
        [
            String("name", "Name", 100),
            String("description", "Description", 1000),
            String("suffix", "Suffix", 100),
            Boolean("elevated_privilege", "Elevated privilege"),
            Boolean("grantable", "Grantable", defaultValue: true),
        ],
        [IndexDefinition.UniqueOn("name")]),

        new(UserRole, "User Role", "role",
        [
            Reference("user", User, "User"),
            Reference("role", Role, "Role"),
            Reference("granted_by", Group, "Granted by"),
            Boolean("inherited", "Inherited"),
            Choice("state", ["active", "pending", "requested"], "State", "active"),
        ],
        [IndexDefinition.UniqueOn("user", "role"), IndexDefinition.On("role")]),

        new(Properties, "System Property", "name",
        [
            String("name", "Name", 255),
            String("value", "Value", 4000),
            Choice("type", ["string", "boolean", "integer"], "Type", "string"),
            String("description", "Description", 1000),
        ],
        [IndexDefinition.UniqueOn("name")]),

        new(Syslog, "System Log Entry", "message",
        [
            Choice("level", ["-1", "0", "1", "2"], "Level", "0"),
            String("source", "Source", 100),
            String("message", "Message", 65_000),
            String("sys_class_name", "Class", 80),
        ],
        [IndexDefinition.On("sys_created_on"), IndexDefinition.On("source")]),

        new(OAuthEntity, "OAuth Application Registry", "name",
        [
            String("name", "Name", 100),
            String("client_id", "Client ID", 100),
            Password("client_secret", "Client Secret"),
            Boolean("active", "Active", defaultValue: true),
            Integer("access_token_lifespan", "Access Token Lifespan", 1800),
            Integer("refresh_token_lifespan", "Refresh Token Lifespan", 8_640_000),
            Reference("oauth_application_user", User, "OAuth Application User"),
            String("comments", "Comments", 1000),
        ],
        [IndexDefinition.UniqueOn("client_id")]),

        // Tokens are kept only as SHA-256 hashes, so a read of this table never yields a usable token.
        new(OAuthCredential, "OAuth Credential", "type",
        [
            String("token", "Token hash", 64),
            Choice("type", ["access_token", "refresh_token"], "Type"),
            Reference("user", User, "User"),
            Reference("client", OAuthEntity, "Client"),
            DateTime("expires", "Expires"),
            String("scope", "Scope", 100),
        ],
        [IndexDefinition.UniqueOn("token"), IndexDefinition.On("user")]),

        new(RateLimitRule, "Rate Limit Rule", "name",
        [
            String("name", "Name", 100),
            Boolean("active", "Active", defaultValue: true),
            Choice("type", ["user", "role", "all"], "Apply to", "all"),
            Reference("user", User, "User"),
            Reference("role", Role, "Role"),
            Integer("max_requests", "Requests per hour", 1000),
        ]),

        .. SsoTables.All,
    ];
}
