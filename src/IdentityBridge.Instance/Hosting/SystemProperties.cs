using System.Collections.Concurrent;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.Hosting;

/// <summary>
/// sys_properties, read through a short cache. A write through the Table API clears it at once; other nodes
/// see a change within <see cref="Lifetime"/>.
/// </summary>
public sealed class SystemProperties(Store store, TimeProvider time)
{
    public const string InvalidQueryReturnsNoRows = "glide.invalid_query.returns_no_rows";
    public const string ClientCredentialsEnabled = "glide.oauth.inbound.client.credential.grant_type.enabled";
    public const string MaxUnlockAttempts = "glide.user.max_unlock_attempts";

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>The properties the instance reads, with their defaults and what they do.</summary>
    public static IReadOnlyList<(string Name, string Value, string Type, string Description)> Defaults { get; } =
    [
        (InvalidQueryReturnsNoRows, "false", "boolean", "An encoded query with an invalid term returns no rows instead of dropping the term."),
        (ClientCredentialsEnabled, "false", "boolean", "Allow the OAuth client_credentials grant on oauth_token.do."),
        (MaxUnlockAttempts, "5", "integer", "Failed logins after which an account is locked out (0 turns lockout off)."),
    ];

    private readonly ConcurrentDictionary<string, (string? Value, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(name, out var cached) && cached.Expires > now) return cached.Value;
        var row = await store.FindAsync(store.Tables.Find(InstanceTables.Properties)!, "name", name, cancellationToken);
        var value = row?["value"] ?? Defaults.FirstOrDefault(d => d.Name == name).Value;
        _cache[name] = (value, now + Lifetime);
        return value;
    }

    public async ValueTask<bool> GetBooleanAsync(string name, CancellationToken cancellationToken = default) =>
        string.Equals(await GetAsync(name, cancellationToken), "true", StringComparison.OrdinalIgnoreCase);

    public async ValueTask<int> GetIntegerAsync(string name, int fallback, CancellationToken cancellationToken = default) =>
        int.TryParse(await GetAsync(name, cancellationToken), out var value) ? value : fallback;

    public void Invalidate() => _cache.Clear();

    public async Task SetAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        var table = store.Tables.Find(InstanceTables.Properties)!;
        var row = await store.FindAsync(table, "name", name, cancellationToken);
        var values = new Dictionary<string, string?> { ["name"] = name, ["value"] = value };
        if (row is null) await store.InsertAsync(table, values, new WriteOptions("system"), cancellationToken);
        else await store.UpdateAsync(table, row.SysId, values, new WriteOptions("system"), cancellationToken);
        Invalidate();
    }
}
