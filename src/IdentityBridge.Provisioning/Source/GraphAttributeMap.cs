using System.Collections.Frozen;

namespace IdentityBridge.Provisioning.Source;

/// <summary>How a Graph property's value becomes a schema attribute's value.</summary>
internal enum GraphValueShape
{
    /// <summary>As it comes: a string, a boolean, a number or a list of strings.</summary>
    AsIs,

    /// <summary>The first value of a collection (<c>telephoneNumber</c> from <c>businessPhones</c>).</summary>
    FirstValue,

    /// <summary>A B2B guest's userPrincipalName without <c>#EXT#</c> and the inviting tenant's domain (spec 2.1).</summary>
    GuestStripped,

    /// <summary>A navigation property read as a reference (<c>manager</c>).</summary>
    Reference,

    /// <summary>One part of <c>onPremisesExtensionAttributes</c> (<c>extensionAttribute1</c> ... <c>15</c>).</summary>
    OnPremisesExtension,
}

/// <summary>One schema attribute and the Graph property it is read from.</summary>
internal sealed record GraphAttribute(string SchemaName, string GraphProperty, GraphValueShape Shape = GraphValueShape.AsIs);

/// <summary>
/// The one translation between the source attribute names of Entra's synchronization schema (the "Azure Active
/// Directory" directory: <c>objectId</c>, <c>mobile</c>, <c>telephoneNumber</c> ...) and Microsoft Graph's property
/// names (<c>id</c>, <c>mobilePhone</c>, <c>businessPhones</c> ...). Names the table does not list are Graph's own
/// (<c>city</c>, <c>extension_{appId}_{name}</c>) and pass through unchanged.
/// </summary>
internal static class GraphAttributeMap
{
    /// <summary>Attributes the engine computes itself (spec 3.3); Graph has no such property, so they are never selected.</summary>
    public static readonly FrozenSet<string> Computed =
        new[] { "IsSoftDeleted", "appRoleAssignments" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly GraphAttribute[] Users =
    [
        new("objectId", "id"),
        new("userPrincipalName", "userPrincipalName", GraphValueShape.GuestStripped),
        new("originalUserPrincipalName", "userPrincipalName"),
        new("telephoneNumber", "businessPhones", GraphValueShape.FirstValue),
        new("mobile", "mobilePhone"),
        new("facsimileTelephoneNumber", "faxNumber"),
        new("physicalDeliveryOfficeName", "officeLocation"),
        new("manager", "manager", GraphValueShape.Reference),
        .. Enumerable.Range(1, 15).Select(i =>
            new GraphAttribute("extensionAttribute" + i, "onPremisesExtensionAttributes", GraphValueShape.OnPremisesExtension)),
    ];

    private static readonly GraphAttribute[] Groups =
    [
        new("objectId", "id"),
    ];

    private static readonly FrozenDictionary<string, GraphAttribute> UsersBySchemaName =
        Users.ToFrozenDictionary(a => a.SchemaName, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, GraphAttribute> GroupsBySchemaName =
        Groups.ToFrozenDictionary(a => a.SchemaName, StringComparer.OrdinalIgnoreCase);

    /// <summary>What a user is always read with: the engine names users by these and decides scope by accountEnabled.</summary>
    public static readonly IReadOnlyList<string> AlwaysReadUser = ["objectId", "userPrincipalName", "displayName", "accountEnabled"];

    public static readonly IReadOnlyList<string> AlwaysReadGroup = ["objectId", "displayName"];

    /// <summary>The Graph property a schema attribute is read from, and how.</summary>
    public static GraphAttribute Find(SourceObjectType type, string schemaName) =>
        (type == SourceObjectType.User ? UsersBySchemaName : GroupsBySchemaName).GetValueOrDefault(schemaName)
        ?? new GraphAttribute(schemaName, schemaName);

    /// <summary>The schema name a Graph property shows under when nobody asked for it by another name.</summary>
    public static string SchemaNameOf(SourceObjectType type, string graphProperty) => graphProperty switch
    {
        "id" => "objectId",
        "mobilePhone" when type == SourceObjectType.User => "mobile",
        "faxNumber" when type == SourceObjectType.User => "facsimileTelephoneNumber",
        _ => graphProperty,
    };

    /// <summary>
    /// The guest form alias_theirdomain#EXT#@yourdomain as alias@theirdomain, as Entra's provisioning service hands a
    /// guest's userPrincipalName to a connector (spec 2.1); any other value as it is.
    /// </summary>
    public static string StripGuestSuffix(string userPrincipalName)
    {
        var ext = userPrincipalName.IndexOf("#EXT#", StringComparison.OrdinalIgnoreCase);
        if (ext <= 0) return userPrincipalName;
        var local = userPrincipalName.AsSpan(0, ext);
        // The invited address's @ became the last underscore: the home domain itself has none.
        var underscore = local.LastIndexOf('_');
        if (underscore <= 0 || underscore == local.Length - 1) return userPrincipalName;
        return string.Concat(local[..underscore], "@", local[(underscore + 1)..]);
    }
}
