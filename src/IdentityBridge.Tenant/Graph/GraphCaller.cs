namespace IdentityBridge.Tenant.Graph;

/// <summary>The application a valid access token speaks for: its client id, its tenant and its granted app roles.</summary>
public sealed record GraphCaller(string AppId, string TenantId, IReadOnlySet<string> Roles);

/// <summary>
/// Checks a bearer token presented to Graph. Returns the caller, or null when the token is not valid (forged,
/// expired, for another audience); Graph then answers 401 InvalidAuthenticationToken.
/// </summary>
public interface IGraphTokenValidator
{
    ValueTask<GraphCaller?> ValidateAsync(string bearerToken, CancellationToken ct);
}

/// <summary>The application permissions Graph checks, and which of them grant each kind of access.</summary>
internal static class GraphPermissions
{
    public const string UserReadAll = "User.Read.All";
    public const string UserReadWriteAll = "User.ReadWrite.All";
    public const string GroupReadAll = "Group.Read.All";
    public const string GroupReadWriteAll = "Group.ReadWrite.All";
    public const string GroupMemberReadWriteAll = "GroupMember.ReadWrite.All";
    public const string ApplicationReadAll = "Application.Read.All";
    public const string ApplicationReadWriteAll = "Application.ReadWrite.All";
    public const string DirectoryReadAll = "Directory.Read.All";
    public const string DirectoryReadWriteAll = "Directory.ReadWrite.All";
    public const string AppRoleAssignmentReadWriteAll = "AppRoleAssignment.ReadWrite.All";
    public const string DomainReadAll = "Domain.Read.All";
    public const string OrganizationReadAll = "Organization.Read.All";
    public const string RoleManagementReadDirectory = "RoleManagement.Read.Directory";
    public const string RoleManagementReadWriteDirectory = "RoleManagement.ReadWrite.Directory";
    public const string AuditLogReadAll = "AuditLog.Read.All";

    public static readonly string[] ReadUsers = [UserReadAll, UserReadWriteAll, DirectoryReadAll, DirectoryReadWriteAll];
    public static readonly string[] WriteUsers = [UserReadWriteAll, DirectoryReadWriteAll];
    public static readonly string[] ReadGroups = [GroupReadAll, GroupReadWriteAll, DirectoryReadAll, DirectoryReadWriteAll];
    public static readonly string[] WriteGroups = [GroupReadWriteAll, DirectoryReadWriteAll];
    public static readonly string[] WriteMembers = [GroupMemberReadWriteAll, GroupReadWriteAll, DirectoryReadWriteAll];
    public static readonly string[] ReadApplications = [ApplicationReadAll, ApplicationReadWriteAll, DirectoryReadAll, DirectoryReadWriteAll];
    public static readonly string[] WriteApplications = [ApplicationReadWriteAll, DirectoryReadWriteAll];
    public static readonly string[] WriteAssignments = [AppRoleAssignmentReadWriteAll, DirectoryReadWriteAll];
    public static readonly string[] ReadRoles =
        [RoleManagementReadDirectory, RoleManagementReadWriteDirectory, DirectoryReadAll, DirectoryReadWriteAll];
    // Graph gives role changes to RoleManagement.ReadWrite.Directory alone: Directory.ReadWrite.All does not make an
    // application able to hand out Global Administrator.
    public static readonly string[] WriteRoles = [RoleManagementReadWriteDirectory];
    public static readonly string[] ReadSignIns = [AuditLogReadAll];
    public static readonly string[] ReadDirectory =
        [DirectoryReadAll, DirectoryReadWriteAll, UserReadAll, UserReadWriteAll, GroupReadAll, GroupReadWriteAll,
         ApplicationReadAll, DomainReadAll, OrganizationReadAll];
}
