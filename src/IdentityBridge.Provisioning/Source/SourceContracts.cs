using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Provisioning.Source;

/// <summary>The directory object types the engine provisions.</summary>
public enum SourceObjectType
{
    User,
    Group,
}

/// <summary>How a delta round reports an object that left: Graph's <c>@removed.reason</c>.</summary>
public enum RemovalKind
{
    /// <summary>Still present (not removed).</summary>
    None,

    /// <summary><c>changed</c>: soft-deleted (restorable for 30 days).</summary>
    SoftDeleted,

    /// <summary><c>deleted</c>: hard-deleted (purged).</summary>
    HardDeleted,
}

/// <summary>Where to read the directory: a Graph endpoint and the app credentials that read it.</summary>
public sealed record SourceSettings
{
    /// <summary>Graph's base URL with its version, such as <c>https://graph.microsoft.com/v1.0</c>.</summary>
    public required Uri GraphBaseUrl { get; init; }

    /// <summary>
    /// The authority host whose <c>/{tenantId}/oauth2/v2.0/token</c> issues tokens. Null means
    /// <c>https://login.microsoftonline.com</c> for Microsoft's Graph hosts and the Graph URL's own scheme and host
    /// otherwise (IdentityBridge's tenant serves both).
    /// </summary>
    public Uri? Authority { get; init; }

    public required string TenantId { get; init; }

    public required string ClientId { get; init; }

    public required string ClientSecret { get; init; }

    /// <summary>
    /// When set, the server's certificate must have this SHA-256 thumbprint (hex, any case, colons allowed); the
    /// certificate is then trusted without a chain (a self-signed tenant certificate).
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>The token's scope; Graph's <c>.default</c> scope unless set.</summary>
    public string Scope { get; init; } = "https://graph.microsoft.com/.default";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);
}

/// <summary>A change of a group's direct membership, from Graph's <c>members@delta</c>.</summary>
public sealed record MemberChange(string MemberId, SourceObjectType MemberType, bool Removed);

/// <summary>
/// One directory object as the engine sees it: its Graph id, whether it was removed, and its attributes under the
/// names synchronization schemas use (Entra's source attribute names: <c>objectId</c>, <c>mobile</c>,
/// <c>telephoneNumber</c>, <c>userPrincipalName</c> ...). <c>manager</c> is a reference value (the manager's id) and
/// <c>members</c> is not in <see cref="Attributes"/>: a group's members come as <see cref="MemberChanges"/>.
/// </summary>
public sealed class SourceObject
{
    public required string Id { get; init; }

    public required SourceObjectType Type { get; init; }

    public RemovalKind Removal { get; init; }

    public AttributeBag Attributes { get; init; } = new();

    /// <summary>
    /// Whether <see cref="Attributes"/> holds every attribute that was asked for. A delta round may answer only what
    /// changed; the engine then reads the whole object before it maps it.
    /// </summary>
    public bool Complete { get; init; }

    /// <summary>Whether the round said anything about the manager (<c>manager@delta</c> present, or the object read whole).</summary>
    public bool ManagerKnown { get; init; }

    /// <summary>For groups: the members added and removed (the whole membership on a first round).</summary>
    public IReadOnlyList<MemberChange> MemberChanges { get; init; } = [];

    /// <summary>The display name for logs: userPrincipalName for users, displayName for groups, else the id.</summary>
    public string DisplayName =>
        Attributes.GetValue(Type == SourceObjectType.User ? "userPrincipalName" : "displayName").Text ?? Id;
}

/// <summary>An app role assignment of the job's enterprise app: a user or a group assigned to it.</summary>
public sealed record AppRoleAssignmentRef(string PrincipalId, SourceObjectType PrincipalType, string AppRoleId, string? PrincipalDisplayName);

/// <summary>An app role the enterprise app defines: its id, the value it sends, and its display name.</summary>
public sealed record AppRole(string Id, string? Value, string? DisplayName);

/// <summary>The outcome of one call to the directory: a value, or the error that stopped it.</summary>
public readonly record struct SourceResult<T>(T? Value, SourceError? Error)
{
    public bool Succeeded => Error is null;

    public static SourceResult<T> Ok(T value) => new(value, null);

    public static SourceResult<T> Fail(SourceError error) => new(default, error);
}

/// <summary>
/// A directory failure. <see cref="Code"/> is the error code provisioning logs and job status show: Graph's own
/// code where Graph gave one (<c>Authorization_RequestDenied</c>, <c>InvalidAuthenticationToken</c>), the token
/// endpoint's <c>AADSTS</c> code for credential failures, <c>Timeout</c>, <c>TooManyRequests</c> or
/// <c>SourceUnreachable</c> otherwise. Job-level errors (credentials, permissions, an unreachable host) stop the
/// cycle; others affect one object.
/// </summary>
public sealed record SourceError(string Code, string Message, int? HttpStatus = null, bool JobLevel = false);

/// <summary>
/// The directory as the engine reads it. <c>GraphSource</c> reads any Microsoft Graph v1.0 endpoint; every method
/// retries throttling (429 with Retry-After) and transient failures itself before it reports an error.
/// </summary>
public interface ISourceDirectory : IAsyncDisposable
{
    /// <summary>
    /// One delta round over users or groups: from <paramref name="deltaLink"/> when given, else a full round. Each
    /// page is handed to <paramref name="onPage"/> before the next is read; the answer is the new deltaLink.
    /// <paramref name="attributes"/> are schema attribute names to read (translated to Graph's <c>$select</c>);
    /// for groups, members are always read.
    /// </summary>
    Task<SourceResult<string>> ReadDeltaAsync(SourceObjectType type, string? deltaLink, IReadOnlyCollection<string> attributes,
        Func<IReadOnlyList<SourceObject>, CancellationToken, ValueTask> onPage, CancellationToken cancellationToken);

    /// <summary>
    /// A deltaLink that starts from now (<c>$deltatoken=latest</c>) without reading any object; null when the
    /// directory does not offer one.
    /// </summary>
    Task<SourceResult<string?>> LatestDeltaLinkAsync(SourceObjectType type, CancellationToken cancellationToken);

    /// <summary>Whole objects by id (missing ones, such as hard-deleted objects, are left out of the answer).</summary>
    Task<SourceResult<IReadOnlyList<SourceObject>>> GetByIdsAsync(SourceObjectType type, IReadOnlyCollection<string> ids,
        IReadOnlyCollection<string> attributes, CancellationToken cancellationToken);

    /// <summary>A user by id or userPrincipalName, or a group by id or displayName; null when there is none.</summary>
    Task<SourceResult<SourceObject?>> FindAsync(SourceObjectType type, string idOrName, IReadOnlyCollection<string> attributes,
        CancellationToken cancellationToken);

    /// <summary>A group's direct members (users and groups), as additions.</summary>
    Task<SourceResult<IReadOnlyList<MemberChange>>> GetMembersAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>The service principal's app role assignments (<c>appRoleAssignedTo</c>), every page.</summary>
    Task<SourceResult<IReadOnlyList<AppRoleAssignmentRef>>> GetAssignmentsAsync(string servicePrincipalId, CancellationToken cancellationToken);

    /// <summary>The app roles the service principal defines (<c>appRoles</c>), for <c>[appRoleAssignments]</c> in mappings.</summary>
    Task<SourceResult<IReadOnlyList<AppRole>>> GetAppRolesAsync(string servicePrincipalId, CancellationToken cancellationToken);

    /// <summary>The service principal's id from its id, its appId or its display name; null when there is none.</summary>
    Task<SourceResult<string?>> FindServicePrincipalAsync(string idAppIdOrName, CancellationToken cancellationToken);

    /// <summary>The tenant's default verified domain (for DefaultDomain()); null when the directory does not say.</summary>
    Task<SourceResult<string?>> DefaultDomainAsync(CancellationToken cancellationToken);

    /// <summary>Checks that a token is issued and users (and groups) can be read; each finding names what to fix.</summary>
    Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken);
}

/// <summary>One finding of a connection test: what was checked, whether it passed, and what to do when it did not.</summary>
public sealed record ConnectionCheck(string Name, bool Passed, string Detail, string? Fix = null);
