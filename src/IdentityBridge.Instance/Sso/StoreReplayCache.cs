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
/// Concurrent sign-ins share one transaction: while one caller writes, the keys that arrive meanwhile queue up and
/// the next writer inserts them all at once. Each key is still decided by the primary key alone, so a batch changes
/// nothing about who wins, only how many commits a burst of sign-ins costs.
/// </para>
/// </remarks>
public sealed class StoreReplayCache(Store store, TimeProvider time) : IReplayCache
{
    private const int MaxBatch = 256;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Pending> _queue = new();
    private int _writing;

    private sealed record Pending(string Key, string Expires, TaskCompletionSource<bool> Outcome);

    public async ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var pending = new Pending(Hash(key), GlideDateTimes.Format(expires), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        // Whoever finds no writer at work becomes the writer and writes until the queue is empty; after letting go
        // it looks again, because a key queued while it was finishing found the writer still busy and left it to it.
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            try
            {
                await WriteQueuedAsync();
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
            }
        }
        return await pending.Outcome.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteQueuedAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
            if (batch.Count == 0) return;
            try
            {
                // Not the caller's token: a caller that gives up must not abandon the others' keys half-written.
                var results = await store.InsertManyAsync(Table, batch.Select(p => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
                {
                    ["sys_id"] = p.Key[..32],
                    ["key"] = p.Key,
                    ["expires"] = p.Expires,
                }).ToList(), new WriteOptions("system"), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++)
                {
                    var result = results[i];
                    if (result.Succeeded) batch[i].Outcome.TrySetResult(true);
                    // Only a duplicate means a replay; any other refusal is a bug of ours and must not pass as "seen before".
                    else if (result.Error!.Kind == WriteErrorKind.Aborted) batch[i].Outcome.TrySetResult(false);
                    else batch[i].Outcome.TrySetException(new InvalidOperationException(
                        $"Could not record a consumed assertion: {result.Error.Message}: {result.Error.Detail}"));
                }
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Outcome.TrySetException(e);
            }
        }
    }

    /// <summary>Forgets keys whose assertions have expired: they are refused as expired whether remembered or not.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Where("expires", GlideDateTimes.Format(time.GetUtcNow()), QueryOperator.LessThan),
            cancellationToken);

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private TableDefinition Table => store.Tables.Find(SsoTables.Replay)!;
}
