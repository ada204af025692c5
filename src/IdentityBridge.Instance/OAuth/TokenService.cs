using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.OAuth;

/// <summary>
/// Issues and checks OAuth access and refresh tokens. Tokens are random; the database holds only their SHA-256
/// hashes (in <c>oauth_credential</c>), so any node can check any token and a database read yields nothing usable.
/// </summary>
public sealed class TokenService(Store store, RoleResolver roles, TimeProvider time)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    private TableDefinition Credentials => store.Tables.Find(InstanceTables.OAuthCredential)!;

    public sealed record Issued(string AccessToken, string? RefreshToken, int ExpiresIn);

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<Issued> IssueAsync(string userSysId, RecordRow client, string? refreshToken, bool withRefresh,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var accessLifespan = Lifespan(client["access_token_lifespan"], 1800);
        var access = NewToken();
        await SaveAsync(access, "access_token", userSysId, client.SysId, now.AddSeconds(accessLifespan), cancellationToken);
        if (withRefresh && refreshToken is null)
        {
            refreshToken = NewToken();
            await SaveAsync(refreshToken, "refresh_token", userSysId, client.SysId,
                now.AddSeconds(Lifespan(client["refresh_token_lifespan"], 8_640_000)), cancellationToken);
        }
        // ServiceNow reports one second less than the lifespan (1799 for 1800).
        return new Issued(access, withRefresh ? refreshToken : null, Math.Max(0, accessLifespan - 1));
    }

    private static int Lifespan(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : fallback;

    private Task SaveAsync(string token, string type, string userSysId, string clientSysId, DateTimeOffset expires,
        CancellationToken cancellationToken) =>
        store.InsertAsync(Credentials, new Dictionary<string, string?>
        {
            ["token"] = Hash(token),
            ["type"] = type,
            ["user"] = userSysId,
            ["client"] = clientSysId,
            ["expires"] = GlideDateTimes.Format(expires),
            ["scope"] = "useraccount",
        }, new WriteOptions("system"), cancellationToken);

    /// <summary>The stored credential of an unexpired token of the given type, or null.</summary>
    public async Task<RecordRow?> FindAsync(string token, string type, CancellationToken cancellationToken)
    {
        if (token.Length is < 16 or > 512) return null;
        var row = await store.FindAsync(Credentials, "token", Hash(token), cancellationToken);
        if (row is null || row["type"] != type) return null;
        if (!GlideDateTimes.TryParse(row["expires"], out var expires) || expires <= time.GetUtcNow()) return null;
        return row;
    }

    public async Task<Caller?> ValidateAccessTokenAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Expires > now) return cached.Caller;

        var credential = await FindAsync(token, "access_token", cancellationToken);
        if (credential is null) return null;
        var user = await store.GetAsync(store.Tables.Find(InstanceTables.User)!, credential["user"] ?? "",
            cancellationToken: cancellationToken);
        if (user is null || user["active"] != "true" || user["locked_out"] == "true") return null;
        var caller = new Caller(user.SysId, user["user_name"]!, await roles.RolesOfAsync(user.SysId, cancellationToken));
        GlideDateTimes.TryParse(credential["expires"], out var expires);
        _cache[hash] = (caller, expires < now + CacheLifetime ? expires : now + CacheLifetime);
        return caller;
    }

    public void Forget(string userSysId)
    {
        foreach (var (key, value) in _cache)
            if (value.Caller.UserSysId == userSysId) _cache.TryRemove(key, out _);
    }

    /// <summary>Removes expired tokens; run now and then so the table does not grow without bound.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Credentials,
            EncodedQuery.Where("expires", GlideDateTimes.Format(time.GetUtcNow()), QueryOperator.LessThan), cancellationToken);
}
