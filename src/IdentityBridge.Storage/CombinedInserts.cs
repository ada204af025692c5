using System.Collections.Concurrent;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage;

/// <summary>
/// Inserts into one table from many concurrent callers that share transactions: while one caller writes, the rows
/// that arrive meanwhile queue up and the next writer inserts them all with one <see cref="Store.InsertManyAsync"/>.
/// Each caller still gets its own row's result once that row is committed, so the write is as durable as a plain
/// insert; a burst of N requests costs a few commits instead of N. Rows are decided independently (a duplicate is
/// refused alone), so batching changes how many commits there are, never which rows win.
/// </summary>
public sealed class CombinedInserts(Store store, TableDefinition table, string actor, int maxBatch = 256)
{
    private readonly ConcurrentQueue<Pending> _queue = new();
    private int _writing;

    private sealed record Pending(IReadOnlyDictionary<string, string?> Values, TaskCompletionSource<WriteResult> Outcome);

    public TableDefinition Table => table;

    /// <summary>Inserts the row, in a transaction shared with whatever else is queued, and answers its result.</summary>
    public async Task<WriteResult> InsertAsync(IReadOnlyDictionary<string, string?> values, CancellationToken cancellationToken)
    {
        var pending = new Pending(values, new TaskCompletionSource<WriteResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        // Whoever finds no writer at work becomes the writer and writes until the queue is empty; after letting go it
        // looks again, because a row queued while it was finishing found the writer still busy and left it to it.
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
        var batch = new List<Pending>(maxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < maxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
            if (batch.Count == 0) return;
            try
            {
                // Not a caller's token: a caller that gives up must not abandon the others' rows half-written.
                var results = await store.InsertManyAsync(table, batch.Select(p => p.Values).ToList(), new WriteOptions(actor), CancellationToken.None);
                for (var i = 0; i < batch.Count; i++) batch[i].Outcome.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Outcome.TrySetException(e);
            }
        }
    }
}
