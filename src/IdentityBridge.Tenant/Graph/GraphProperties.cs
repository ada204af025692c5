using System.Collections.Frozen;

namespace IdentityBridge.Tenant.Graph;

/// <summary>How a Graph property is held in its column.</summary>
internal enum GraphValueKind
{
    String,
    Boolean,
    DateTime,
    /// <summary>A collection of strings, kept as a JSON array.</summary>
    StringCollection,
    /// <summary>The object's id: a GUID kept as the record's sys_id.</summary>
    Id,
}

/// <summary>One property of a Graph resource type and the column that holds it.</summary>
internal sealed record GraphProperty(string Name, string Column, GraphValueKind Kind, bool Filterable = true,
    bool Writable = true, bool Sortable = false);

/// <summary>The properties of one Graph resource type (<c>microsoft.graph.user</c>), by their Graph names.</summary>
internal sealed class GraphType
{
    private readonly FrozenDictionary<string, GraphProperty> _byName;

    public GraphType(string name, string entitySet, IReadOnlyList<GraphProperty> properties, bool hasExtensions = false)
    {
        Name = name;
        EntitySet = entitySet;
        Properties = properties;
        HasExtensions = hasExtensions;
        // Graph matches property names in $select and $filter without regard to case.
        _byName = properties.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The type's name without namespace: <c>user</c>.</summary>
    public string Name { get; }
    public string EntitySet { get; }
    public IReadOnlyList<GraphProperty> Properties { get; }
    /// <summary>Whether the type carries directory extension attributes (<c>extension_{appId}_{name}</c>).</summary>
    public bool HasExtensions { get; }
    public string ODataType => "#microsoft.graph." + Name;

    public GraphProperty? Find(string name) => _byName.GetValueOrDefault(name);

    public static GraphType User { get; } = new("user", "users",
    [
        new("id", "sys_id", GraphValueKind.Id, Writable: false),
        new("userPrincipalName", "user_principal_name", GraphValueKind.String, Sortable: true),
        new("displayName", "display_name", GraphValueKind.String, Sortable: true),
        new("givenName", "given_name", GraphValueKind.String),
        new("surname", "surname", GraphValueKind.String),
        new("mail", "mail", GraphValueKind.String),
        new("mailNickname", "mail_nickname", GraphValueKind.String),
        new("otherMails", "other_mails", GraphValueKind.StringCollection, Filterable: false),
        new("proxyAddresses", "proxy_addresses", GraphValueKind.StringCollection, Filterable: false),
        new("jobTitle", "job_title", GraphValueKind.String),
        new("department", "department", GraphValueKind.String),
        new("companyName", "company_name", GraphValueKind.String),
        new("officeLocation", "office_location", GraphValueKind.String),
        new("streetAddress", "street_address", GraphValueKind.String),
        new("city", "city", GraphValueKind.String),
        new("state", "state", GraphValueKind.String),
        new("postalCode", "postal_code", GraphValueKind.String),
        new("country", "country", GraphValueKind.String),
        new("usageLocation", "usage_location", GraphValueKind.String),
        new("employeeId", "employee_id", GraphValueKind.String),
        new("employeeType", "employee_type", GraphValueKind.String),
        new("businessPhones", "business_phones", GraphValueKind.StringCollection, Filterable: false),
        new("mobilePhone", "mobile_phone", GraphValueKind.String),
        new("accountEnabled", "account_enabled", GraphValueKind.Boolean),
        new("userType", "user_type", GraphValueKind.String),
        new("createdDateTime", "created_date_time", GraphValueKind.DateTime, Writable: false),
        new("deletedDateTime", "deleted_date_time", GraphValueKind.DateTime, Filterable: false, Writable: false),
    ], hasExtensions: true);

    public static GraphType Group { get; } = new("group", "groups",
    [
        new("id", "sys_id", GraphValueKind.Id, Writable: false),
        new("displayName", "display_name", GraphValueKind.String, Sortable: true),
        new("description", "description", GraphValueKind.String),
        new("mail", "mail", GraphValueKind.String),
        new("mailNickname", "mail_nickname", GraphValueKind.String),
        new("mailEnabled", "mail_enabled", GraphValueKind.Boolean),
        new("securityEnabled", "security_enabled", GraphValueKind.Boolean),
        new("groupTypes", "group_types", GraphValueKind.StringCollection, Filterable: false),
        new("createdDateTime", "created_date_time", GraphValueKind.DateTime, Writable: false),
    ]);

    public static GraphType ServicePrincipal { get; } = new("servicePrincipal", "servicePrincipals",
    [
        new("id", "sys_id", GraphValueKind.Id, Writable: false),
        new("appId", "app_id", GraphValueKind.String),
        new("displayName", "display_name", GraphValueKind.String, Sortable: true),
        new("accountEnabled", "account_enabled", GraphValueKind.Boolean),
        new("appRoleAssignmentRequired", "app_role_assignment_required", GraphValueKind.Boolean),
        new("servicePrincipalType", "service_principal_type", GraphValueKind.String),
        new("tags", "tags", GraphValueKind.StringCollection, Filterable: false),
        new("createdDateTime", "created_date_time", GraphValueKind.DateTime, Writable: false),
        // Read and written through SingleSignOnJson (Entra's rules apply); declared here so $filter can name it.
        new("preferredSingleSignOnMode", "preferred_single_sign_on_mode", GraphValueKind.String),
    ]);
}
