using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Sessions;

/// <summary>Where a session came from when an identity provider signed the user in (for single logout).</summary>
/// <remarks>The NameID format is kept so that a LogoutRequest names the user exactly as the assertion did.</remarks>
public sealed record SsoOrigin(string IdentityProviderSysId, string? NameId, string? SessionIndex, string? NameIdFormat = null);

/// <summary>A browser session as sys_user_session keeps it.</summary>
public sealed record UserSession(string SysId, string UserSysId, SsoOrigin? Sso, DateTimeOffset Created, DateTimeOffset LastAccess);

/// <summary>
/// Browser sessions: a random 32-byte token in the <c>JSESSIONID</c> cookie, stored only as its SHA-256 so that a
/// read of the table (or a copy of the database) signs nobody in. Sessions live in the database, so any node
/// answers any request; they end after <c>glide.ui.session_timeout</c> minutes without a request.
/// </summary>
public sealed class UserSessions(Store store, SystemProperties properties, InstanceUrls urls, TimeProvider time)
{
    public const string CookieName = "JSESSIONID";
    /// <summary>A session's last access is written at most this often, not on every request.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private TableDefinition Table => store.Tables.Find(SsoTables.Session)!;

    /// <summary>Starts a session and answers its token, the cookie value.</summary>
    public async Task<(string Token, UserSession Session)> StartAsync(string userSysId, SsoOrigin? sso, string clientIp,
        CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var timeout = await TimeoutAsync(cancellationToken);
        var result = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            ["token_hash"] = Hash(token),
            ["user"] = userSysId,
            ["created"] = GlideDateTimes.Format(now),
            ["last_access"] = GlideDateTimes.Format(now),
            ["expires"] = GlideDateTimes.Format(now + timeout),
            ["idp"] = sso?.IdentityProviderSysId,
            ["name_id"] = Clip(sso?.NameId, 1000),
            ["name_id_format"] = Clip(sso?.NameIdFormat, 255),
            ["session_index"] = Clip(sso?.SessionIndex, 255),
            ["client_ip"] = Clip(clientIp, 64),
        }, new WriteOptions("system"), cancellationToken);
        if (result.Error is { } error) throw new InvalidOperationException($"Could not start a session: {error.Message}: {error.Detail}");
        return (token, ToSession(result.Row!));
    }

    /// <summary>
    /// The live session a token names, or null. A session idle for longer than the timeout, or whose user can no
    /// longer sign in (deactivated, locked out, deleted), ends here.
    /// </summary>
    public async Task<UserSession?> ResolveAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = Hash(token);
        var row = await store.FindAsync(Table, "token_hash", hash, cancellationToken);
        if (row is null || !string.Equals(row["token_hash"], hash, StringComparison.Ordinal)) return null;
        var session = ToSession(row);
        var now = time.GetUtcNow();
        if (now - session.LastAccess >= await TimeoutAsync(cancellationToken))
        {
            await store.DeleteAsync(Table, row.SysId, cancellationToken);
            return null;
        }
        var user = await store.GetAsync(store.Tables.Find(InstanceTables.User)!, session.UserSysId, ["active", "locked_out"], cancellationToken: cancellationToken);
        if (user is null || user["active"] != "true" || user["locked_out"] == "true")
        {
            await store.DeleteAsync(Table, row.SysId, cancellationToken);
            return null;
        }
        if (now - session.LastAccess >= TouchInterval)
        {
            await store.UpdateAsync(Table, row.SysId, new Dictionary<string, string?>
            {
                ["last_access"] = GlideDateTimes.Format(now),
                ["expires"] = GlideDateTimes.Format(now + await TimeoutAsync(cancellationToken)),
            }, new WriteOptions("system"), cancellationToken);
            session = session with { LastAccess = now };
        }
        return session;
    }

    /// <summary>The session of a request's cookie, or null.</summary>
    public Task<UserSession?> CurrentAsync(HttpContext context) =>
        ResolveAsync(context.Request.Cookies[CookieName], context.RequestAborted);

    public async Task EndAsync(string sysId, CancellationToken cancellationToken) =>
        await store.DeleteAsync(Table, sysId, cancellationToken);

    /// <summary>
    /// Ends the sessions an identity provider's LogoutRequest names: its NameID, and the SessionIndex when given
    /// (SAML core 3.7.3.2). Answers how many ended.
    /// </summary>
    public async Task<int> EndForIdentityProviderAsync(string identityProviderSysId, string nameId, string? sessionIndex,
        CancellationToken cancellationToken)
    {
        if (!SysIds.IsSysId(identityProviderSysId) || string.IsNullOrEmpty(nameId)) return 0;
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = EncodedQuery.Where("idp", identityProviderSysId).And(new QueryCondition("name_id", QueryOperator.Equals, nameId)),
            Limit = 10_000,
        }, cancellationToken);
        var ended = 0;
        foreach (var row in rows.Rows)
        {
            // NameIDs and session indexes are compared exactly; the store's text comparison ignores case.
            if (!string.Equals(row["name_id"], nameId, StringComparison.Ordinal)) continue;
            if (!string.IsNullOrEmpty(sessionIndex) && !string.Equals(row["session_index"], sessionIndex, StringComparison.Ordinal)) continue;
            if ((await store.DeleteAsync(Table, row.SysId, cancellationToken)).Succeeded) ended++;
        }
        return ended;
    }

    /// <summary>Ends every session of a user (their account was disabled, or they asked to be signed out everywhere).</summary>
    public Task<int> EndForUserAsync(string userSysId, CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Where("user", userSysId), cancellationToken);

    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Where("expires", GlideDateTimes.Format(time.GetUtcNow()), QueryOperator.LessThan),
            cancellationToken);

    /// <summary>
    /// Sets the session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts, but a
    /// link from the identity provider's portal still finds the user signed in), Secure whenever the browser
    /// reaches us over HTTPS, directly or through a proxy.
    /// </summary>
    public void WriteCookie(HttpContext context, string token) =>
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = IsSecure(context),
            Path = "/",
            IsEssential = true,
        });

    public void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = IsSecure(context) });

    public bool IsSecure(HttpContext context) =>
        context.Request.IsHttps || urls.PublicBaseUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private async Task<TimeSpan> TimeoutAsync(CancellationToken cancellationToken) =>
        TimeSpan.FromMinutes(Math.Clamp(await properties.GetIntegerAsync(SystemProperties.SessionTimeout, 30, cancellationToken), 1, 7 * 24 * 60));

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));


    private static string? Clip(string? value, int max) => value is null ? null : value.Length > max ? value[..max] : value;

    private static UserSession ToSession(RecordRow row) => new(
        row.SysId,
        row["user"] ?? "",
        row["idp"] is { Length: > 0 } idp ? new SsoOrigin(idp, row["name_id"], row["session_index"], row["name_id_format"]) : null,
        Parse(row["created"]),
        Parse(row["last_access"]));

    private static DateTimeOffset Parse(string? value) =>
        GlideDateTimes.TryParse(value, out var parsed) ? parsed : DateTimeOffset.MinValue;
}
