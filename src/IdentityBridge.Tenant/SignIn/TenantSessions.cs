using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>A browser's sign-in to the tenant.</summary>
public sealed record TenantSession(string SysId, string UserSysId, string UserPrincipalName, DateTimeOffset AuthenticatedAt,
    DateTimeOffset ExpiresAt);

/// <summary>An app a session signed in to by SAML, as single logout names it.</summary>
public sealed record SessionParticipant(string ServicePrincipalSysId, string NameId, string? NameIdFormat, string SessionIndex);

/// <summary>
/// Tenant sessions: a random 32-byte token in the <c>ESTSAUTH</c> cookie (Entra's name), stored only as its SHA-256,
/// so a copy of the database signs nobody in. A session ends at sign-out, after <see cref="Lifetime"/>, or as soon as
/// its user is disabled or deleted. Over https the cookie is <c>SameSite=None; Secure</c>, because a service provider
/// posts its AuthnRequest to the tenant from another site and the session must ride along, as Entra's does.
/// </summary>
public sealed class TenantSessions(Store store, TimeProvider time)
{
    public const string CookieName = "ESTSAUTH";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private static TableDefinition Table => DirectoryTables.Session;

    /// <summary>Concurrent sign-ons to apps share the commits that record them.</summary>
    private readonly CombinedInserts _participants = new(store, DirectoryTables.SessionParticipant, "system");

    /// <summary>Starts a session for a user who has just proven who they are, and sets its cookie.</summary>
    public async Task<TenantSession> StartAsync(HttpContext context, RecordRow user, CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var result = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            [TableDefinition.SysId] = Hash(token),
            ["user"] = user.SysId,
            ["user_principal_name"] = user["user_principal_name"],
            ["authenticated_at"] = GlideDateTimes.Format(now),
            ["expires_at"] = GlideDateTimes.Format(now + Lifetime),
        }, new WriteOptions("system"), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException("Could not start a session: " + result.Error?.Detail);
        context.Response.Cookies.Append(CookieName, token, CookieOptions(context));
        return Describe(result.Row!);
    }

    /// <summary>The live session of the request's cookie, or null; a session whose user can no longer sign in ends here.</summary>
    public async Task<TenantSession?> CurrentAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var token) || string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var row = await store.GetAsync(Table, Hash(token), cancellationToken: cancellationToken);
        if (row is null || !string.IsNullOrEmpty(row["ended_at"])) return null;
        var session = Describe(row);
        if (session.ExpiresAt <= time.GetUtcNow()) return null;
        var user = await store.GetAsync(DirectoryTables.User, session.UserSysId, ["sys_id", "account_enabled", "deleted_date_time"],
            cancellationToken: cancellationToken);
        if (user is null || user["account_enabled"] != "true" || !string.IsNullOrEmpty(user["deleted_date_time"]))
        {
            await EndAsync(session, cancellationToken);
            return null;
        }
        return session;
    }

    /// <summary>Remembers that the session signed in to an app, for single logout.</summary>
    public async Task AddParticipantAsync(TenantSession session, SessionParticipant participant, CancellationToken cancellationToken)
    {
        var result = await _participants.InsertAsync(new Dictionary<string, string?>
        {
            ["session"] = session.SysId,
            ["service_principal"] = participant.ServicePrincipalSysId,
            ["name_id"] = participant.NameId,
            ["name_id_format"] = participant.NameIdFormat,
            ["session_index"] = participant.SessionIndex,
        }, cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException("Could not record the sign-in: " + result.Error?.Detail);
    }

    public async Task<IReadOnlyList<SessionParticipant>> ParticipantsAsync(TenantSession session, CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.SessionParticipant,
            Query = EncodedQuery.Where("session", session.SysId),
            Limit = 1000,
        }, cancellationToken)).Rows
        .Select(r => new SessionParticipant(r["service_principal"] ?? "", r["name_id"] ?? "", r["name_id_format"], r["session_index"] ?? ""))
        .ToList();

    /// <summary>The live session that issued this SessionIndex (a LogoutRequest names it), or null.</summary>
    public async Task<TenantSession?> FindBySessionIndexAsync(string sessionIndex, CancellationToken cancellationToken)
    {
        var participant = await store.FindAsync(DirectoryTables.SessionParticipant, "session_index", sessionIndex, cancellationToken);
        if (participant?["session"] is not { Length: > 0 } sysId) return null;
        var row = await store.GetAsync(Table, sysId, cancellationToken: cancellationToken);
        return row is null || !string.IsNullOrEmpty(row["ended_at"]) ? null : Describe(row);
    }

    /// <summary>Ends the session (sign-out or single logout).</summary>
    public async Task EndAsync(TenantSession session, CancellationToken cancellationToken) =>
        await store.UpdateAsync(Table, session.SysId,
            new Dictionary<string, string?> { ["ended_at"] = GlideDateTimes.Format(time.GetUtcNow()) }, new WriteOptions("system"), cancellationToken);

    /// <summary>Removes the session cookie from the browser.</summary>
    public static void ClearCookie(HttpContext context) => context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = context.Request.IsHttps ? SameSiteMode.None : SameSiteMode.Lax,
        Path = "/",
        IsEssential = true,
    };

    private static TenantSession Describe(RecordRow row) => new(row.SysId, row["user"] ?? "", row["user_principal_name"] ?? "",
        GlideDateTimes.TryParse(row["authenticated_at"], out var at) ? at : DateTimeOffset.MinValue,
        GlideDateTimes.TryParse(row["expires_at"], out var expires) ? expires : DateTimeOffset.MinValue);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..32];
}
