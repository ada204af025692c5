using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.OAuth;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Security;

namespace IdentityBridge.Instance.Security;

/// <summary>
/// Checks user names and passwords, counts failed logins and locks accounts out, and reads the
/// <c>Authorization</c> header of REST requests (Basic or OAuth Bearer).
/// </summary>
/// <remarks>
/// A verified password is remembered for a minute as a keyed hash (never the password), so that a client using
/// Basic authentication does not pay the slow KDF on every request. Any write to the user's record forgets it.
/// </remarks>
public sealed class Authenticator
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    // Verified against when the user does not exist, so that a wrong user name costs as much as a wrong password.
    private readonly string _decoyHash;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Verified> _verified = new(StringComparer.OrdinalIgnoreCase);
    private readonly Store _store;
    private readonly RoleResolver _roles;
    private readonly SystemProperties _properties;
    private readonly SystemLog _log;
    private readonly TokenService _tokens;
    private readonly TimeProvider _time;

    // UserName is the stored user_name: sign-in matches names whatever their case, records name the user as stored.
    // StoredHash is the hash the password was checked against: while it is unchanged, a renewal needs no new check.
    private sealed record Verified(byte[] Digest, string UserSysId, string UserName, string StoredHash, DateTimeOffset Expires);

    public Authenticator(Store store, RoleResolver roles, SystemProperties properties, SystemLog log, TokenService tokens,
        TimeProvider time)
    {
        _store = store;
        _roles = roles;
        _properties = properties;
        _log = log;
        _tokens = tokens;
        _time = time;
        _decoyHash = store.Hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
    }

    private TableDefinition Users => _store.Tables.Find(InstanceTables.User)!;

    /// <summary>The caller of a REST request, or null when the header is missing or its credentials are wrong.</summary>
    public async Task<Caller?> AuthenticateAsync(string? authorization, string client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return null;
        var space = authorization.IndexOf(' ');
        if (space <= 0) return await MalformedAsync("an Authorization header without a scheme");
        var scheme = authorization[..space];
        var value = authorization[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var caller = await _tokens.ValidateAccessTokenAsync(value, cancellationToken);
            if (caller is null)
                await _log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication,
                    $"Rejected an invalid or expired OAuth access token from {client}", cancellationToken);
            return caller;
        }
        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return await MalformedAsync($"an Authorization header of the unsupported scheme '{(scheme.Length > 20 ? scheme[..20] : scheme)}'");
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            return await MalformedAsync("a Basic Authorization header that is not base64");
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return await MalformedAsync("a Basic Authorization header without user name and password");
        return await SignInAsync(decoded[..colon], decoded[(colon + 1)..], client, cancellationToken);

        // Every refused request leaves a syslog row, a header that is not even well-formed included.
        async Task<Caller?> MalformedAsync(string what)
        {
            await _log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication, $"Rejected {what} from {client}", cancellationToken);
            return null;
        }
    }

    /// <summary>
    /// Verifies a user name and password. Wrong passwords count towards lockout; inactive and locked-out users
    /// cannot sign in. Every refusal writes a syslog row naming the user and the reason, never the password.
    /// </summary>
    public async Task<Caller?> SignInAsync(string userName, string password, string client, CancellationToken cancellationToken)
    {
        if (userName.Length > 200 || password.Length > 1024) return null;
        var digest = HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(userName.ToLowerInvariant() + "\n" + password));
        if (_verified.TryGetValue(userName, out var known) && CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            var now = _time.GetUtcNow();
            if (known.Expires > now || await StillValidAsync(known, cancellationToken))
            {
                if (known.Expires <= now) _verified[userName] = known with { Expires = now + Lifetime };
                return new Caller(known.UserSysId, known.UserName, await _roles.RolesOfAsync(known.UserSysId, cancellationToken));
            }
            _verified.TryRemove(userName, out _);
        }

        var user = await _store.FindAsync(Users, "user_name", userName, cancellationToken);
        if (user is null)
        {
            PasswordHasher.Verify(password, _decoyHash);
            await Refuse($"Failed login for unknown user {Quote(userName)} from {client}");
            return null;
        }
        var name = user["user_name"]!;
        var hash = await _store.GetPasswordHashAsync(Users, user.SysId, "user_password", cancellationToken);
        var passwordOk = PasswordHasher.Verify(password, hash ?? _decoyHash) && hash is not null;
        if (user["active"] != "true")
        {
            await Refuse($"Failed login for inactive user {Quote(name)} from {client}");
            return null;
        }
        if (user["locked_out"] == "true")
        {
            await Refuse($"Failed login for locked-out user {Quote(name)} from {client}");
            return null;
        }
        if (!passwordOk)
        {
            await CountFailureAsync(user, client, cancellationToken);
            return null;
        }

        var changes = new Dictionary<string, string?> { ["last_login_time"] = _store.Now() };
        if (user["failed_attempts"] is { } attempts && attempts != "0") changes["failed_attempts"] = "0";
        await _store.UpdateAsync(Users, user.SysId, changes, new WriteOptions(name), cancellationToken);
        _verified[userName] = new Verified(digest, user.SysId, name, hash!, _time.GetUtcNow() + Lifetime);
        return new Caller(user.SysId, name, await _roles.RolesOfAsync(user.SysId, cancellationToken));

        Task Refuse(string message) =>
            _log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication, message, cancellationToken);
    }

    /// <summary>
    /// A remembered sign-in that has aged out is renewed when the account may still sign in and its stored hash is
    /// the one the password was checked against (a password changed on another node changes it). This bounds how
    /// stale a node's memory can be without making every client pay the slow KDF again each minute, all at once.
    /// </summary>
    private async Task<bool> StillValidAsync(Verified known, CancellationToken cancellationToken)
    {
        var user = await _store.GetAsync(Users, known.UserSysId, cancellationToken: cancellationToken);
        if (user is null || user["active"] != "true" || user["locked_out"] == "true") return false;
        var hash = await _store.GetPasswordHashAsync(Users, known.UserSysId, "user_password", cancellationToken);
        return hash is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(hash), Encoding.UTF8.GetBytes(known.StoredHash));
    }

    private async Task CountFailureAsync(RecordRow user, string client, CancellationToken cancellationToken)
    {
        var name = user["user_name"]!;
        // Counted in the database in one statement: guesses sent in parallel must not overwrite each other's count
        // and so get past the lockout.
        var failures = await _store.IncrementAsync(Users, user.SysId, "failed_attempts", new WriteOptions("system"), cancellationToken) ?? 1;
        var limit = await _properties.GetIntegerAsync(SystemProperties.MaxUnlockAttempts, 5, cancellationToken);
        var lockNow = limit > 0 && failures >= limit;
        if (lockNow)
            await _store.UpdateAsync(Users, user.SysId, new Dictionary<string, string?> { ["locked_out"] = "true" },
                new WriteOptions("system"), cancellationToken);
        // A password verified in the last minute, or a cached token, must not outlive the lockout.
        if (lockNow) Forget(user.SysId);
        await _log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication,
            $"Failed login for user {Quote(name)} from {client}: wrong password ({failures} of {(limit > 0 ? limit : "unlimited")})",
            cancellationToken);
        if (lockNow)
            await _log.WriteAsync(SyslogLevel.Error, SystemLog.SourceAuthentication,
                $"User {Quote(name)} locked out after {failures} failed logins; an admin unlocks the account by setting locked_out to false",
                cancellationToken);
    }

    /// <summary>Forgets what is cached about a user whose record changed.</summary>
    public void Forget(string userSysId)
    {
        foreach (var (key, value) in _verified)
            if (value.UserSysId == userSysId) _verified.TryRemove(key, out _);
        _roles.Forget(userSysId);
        _tokens.Forget(userSysId);
    }

    private static string Quote(string value) => "'" + (value.Length > 100 ? value[..100] + "..." : value) + "'";
}
