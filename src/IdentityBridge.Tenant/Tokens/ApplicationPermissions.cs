using System.Text.RegularExpressions;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// Microsoft Graph's application permissions, as their app role values appear in the <c>roles</c> claim of an
/// app-only access token (https://learn.microsoft.com/graph/permissions-reference).
/// </summary>
public static partial class ApplicationPermissions
{
    public const string UserReadAll = "User.Read.All";
    public const string UserReadWriteAll = "User.ReadWrite.All";
    public const string GroupReadAll = "Group.Read.All";
    public const string GroupReadWriteAll = "Group.ReadWrite.All";
    public const string GroupMemberReadAll = "GroupMember.Read.All";
    public const string GroupMemberReadWriteAll = "GroupMember.ReadWrite.All";
    public const string ApplicationReadAll = "Application.Read.All";
    public const string ApplicationReadWriteAll = "Application.ReadWrite.All";
    public const string DirectoryReadAll = "Directory.Read.All";
    public const string DirectoryReadWriteAll = "Directory.ReadWrite.All";
    public const string AppRoleAssignmentReadWriteAll = "AppRoleAssignment.ReadWrite.All";
    public const string OrganizationReadAll = "Organization.Read.All";
    public const string DomainReadAll = "Domain.Read.All";
    public const string RoleManagementReadDirectory = "RoleManagement.Read.Directory";
    public const string RoleManagementReadWriteDirectory = "RoleManagement.ReadWrite.Directory";
    public const string AuditLogReadAll = "AuditLog.Read.All";

    /// <summary>The permissions the tenant's Graph API knows, for help texts and warnings.</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        UserReadAll, UserReadWriteAll, GroupReadAll, GroupReadWriteAll, GroupMemberReadAll, GroupMemberReadWriteAll,
        ApplicationReadAll, ApplicationReadWriteAll, DirectoryReadAll, DirectoryReadWriteAll,
        AppRoleAssignmentReadWriteAll, OrganizationReadAll, DomainReadAll,
        RoleManagementReadDirectory, RoleManagementReadWriteDirectory, AuditLogReadAll,
    ];

    // Graph's permission values are dotted words (User.Read.All, Directory.AccessAsUser.All); anything else is a typo.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(\\.[A-Za-z][A-Za-z0-9-]*){1,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>
    /// The permissions in Graph's spelling (a known name given in any case takes the known spelling), or a message
    /// that names the first value that is not a permission.
    /// </summary>
    public static (IReadOnlyList<string> Permissions, string? Problem) Normalize(IEnumerable<string> permissions)
    {
        var result = new List<string>();
        foreach (var raw in permissions)
        {
            var value = raw.Trim();
            if (value.Length == 0) continue;
            var known = Known.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase));
            if (known is null && (value.Length > 120 || !Shape().IsMatch(value)))
                return ([], $"'{value}' is not a Microsoft Graph application permission; use names such as {string.Join(", ", Known.Take(4))}");
            var name = known ?? value;
            if (!result.Contains(name, StringComparer.OrdinalIgnoreCase)) result.Add(name);
        }
        return (result, null);
    }
}
