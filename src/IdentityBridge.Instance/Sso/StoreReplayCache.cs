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
/// The consumed assertions, in saml2_assertion_replay. The unique index on <c>key</c> makes it atomic across every
/// node on one database: of two inserts of one key, the database lets exactly one through.
/// </summary>
/// <remarks>
/// The key is stored as the SHA-256 of what the validator gives (64 hex characters), so any key fits the column and
/// two keys that differ only in case stay two keys even though the store compares text without regard to case.
/// </remarks>
public sealed class StoreReplayCache(Store store, TimeProvider time) : IReplayCache
{
    public async ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var result = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            ["key"] = Hash(key),
            ["expires"] = GlideDateTimes.Format(expires),
        }, new WriteOptions("system"), cancellationToken);
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
