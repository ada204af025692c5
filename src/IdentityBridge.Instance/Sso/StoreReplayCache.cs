using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The consumed assertions, in saml2_assertion_replay. Each key's hash is its row's sys_id, so the primary key makes
/// it atomic across every node on one database: of two inserts of one key, the database lets exactly one through.
/// </summary>
/// <remarks>
/// The key is stored as the SHA-256 of what the validator gives (64 hex characters), so any key fits the column and
/// two keys that differ only in case stay two keys even though the store compares text without regard to case.
/// <para>
/// Concurrent sign-ins share one transaction (<see cref="CombinedInserts"/>). Each key is still decided by the primary
/// key alone, so a batch changes nothing about who wins, only how many commits a burst of sign-ins costs.
/// </para>
/// </remarks>
public sealed class StoreReplayCache(Store store, TimeProvider time) : IReplayCache
{
    private readonly CombinedInserts _inserts = new(store, store.Tables.Find(SsoTables.Replay)!, "system");

    public async ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = Hash(key);
        var result = await _inserts.InsertAsync(new Dictionary<string, string?>
        {
            ["sys_id"] = hash[..32],
            ["key"] = hash,
            ["expires"] = GlideDateTimes.Format(expires),
        }, cancellationToken);
        if (result.Succeeded) return true;
        // Only a duplicate means a replay; any other refusal is a bug of ours and must not pass as "seen before".
        if (result.Error!.Kind == WriteErrorKind.Aborted) return false;
        throw new InvalidOperationException($"Could not record a consumed assertion: {result.Error.Message}: {result.Error.Detail}");
    }

    /// <summary>Forgets keys whose assertions have expired: they are refused as expired whether remembered or not.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Where("expires", GlideDateTimes.Format(time.GetUtcNow()), QueryOperator.LessThan),
            cancellationToken);

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private TableDefinition Table => store.Tables.Find(SsoTables.Replay)!;
}
