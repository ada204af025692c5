using System.Diagnostics.CodeAnalysis;

namespace IdentityBridge.Tenant.Directory;

/// <summary>
/// A Graph object id is a GUID (<c>8d4e...-...</c>); the store keys records by a 32-hex sys_id. The sys_id of an object
/// is its GUID's 32 hex digits, so the two convert without a lookup.
/// </summary>
public static class GraphIds
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static string ToSysId(Guid id) => id.ToString("N");

    /// <summary>The sys_id of a Graph id given in any of the GUID's text forms, or null when it is not a GUID.</summary>
    public static bool TryToSysId(string? id, [NotNullWhen(true)] out string? sysId)
    {
        sysId = null;
        if (id is null || !Guid.TryParse(id, out var guid)) return false;
        sysId = ToSysId(guid);
        return true;
    }

    /// <summary>The Graph id (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>) of a sys_id.</summary>
    public static string FromSysId(string sysId) => Guid.ParseExact(sysId, "N").ToString("D");
}
