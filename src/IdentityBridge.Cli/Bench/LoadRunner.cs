using System.Diagnostics;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// One of the concurrent clients of a phase: its own random source, a sequence for unique names and a reusable
/// buffer for response bodies, so that the loop itself allocates nothing per operation.
/// </summary>
internal sealed class BenchWorker(int index, int seed)
{
    public int Index { get; } = index;
    public Random Random { get; } = new(seed);
    public long Sequence { get; set; }
    public byte[] Buffer { get; set; } = new byte[16 * 1024];
}

/// <summary>One operation of a phase: null when the answer was as expected, otherwise what was wrong with it.</summary>
internal delegate ValueTask<string?> BenchOperation(BenchWorker worker, CancellationToken cancellationToken);

/// <summary>What a phase measured: throughput, latencies, failures and what the process spent meanwhile.</summary>
internal sealed record PhaseMeasurement(
    string Operation,
    string Path,
    int Users,
    long Operations,
    long Failures,
    string? FirstFailure,
    TimeSpan Elapsed,
    LatencyHistogram Latency,
    ResourceUsage Resources)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
    public double P50 => Latency.PercentileMilliseconds(0.50);
    public double P99 => Latency.PercentileMilliseconds(0.99);
    public double P999 => Latency.PercentileMilliseconds(0.999);
    public double MaxMilliseconds => Latency.MaxMicroseconds / 1000.0;
}

/// <summary>
/// Runs an operation from a number of concurrent workers for a fixed time, after an unmeasured warm-up that lets
/// the JIT, the connection pools and the caches settle.
/// </summary>
internal static class LoadRunner
{
    public static async Task<PhaseMeasurement> MeasureAsync(string operation, string path, int users, int concurrency,
        TimeSpan warmUp, TimeSpan duration, BenchOperation run, CancellationToken cancellationToken)
    {
        var workers = new BenchWorker[concurrency];
        for (var i = 0; i < concurrency; i++) workers[i] = new BenchWorker(i, Random.Shared.Next());

        if (warmUp > TimeSpan.Zero)
            await RunWorkersAsync(workers, warmUp, run, cancellationToken);

        var before = ResourceSnapshot.Take();
        var started = Stopwatch.GetTimestamp();
        var loops = await RunWorkersAsync(workers, duration, run, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var after = ResourceSnapshot.Take();

        var latency = new LatencyHistogram();
        long failures = 0;
        string? firstFailure = null;
        foreach (var loop in loops)
        {
            latency.Add(loop.Latency);
            failures += loop.Failures;
            firstFailure ??= loop.FirstFailure;
        }
        return new PhaseMeasurement(operation, path, users, latency.Count, failures, firstFailure, elapsed, latency,
            ResourceUsage.Between(before, after, elapsed, latency.Count));
    }

    private sealed class WorkerLoop
    {
        public LatencyHistogram Latency { get; } = new();
        public long Failures { get; set; }
        public string? FirstFailure { get; set; }
    }

    private static async Task<WorkerLoop[]> RunWorkersAsync(BenchWorker[] workers, TimeSpan duration, BenchOperation run,
        CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = new WorkerLoop[workers.Length];
        var tasks = new Task[workers.Length];
        for (var i = 0; i < workers.Length; i++)
        {
            var loop = loops[i] = new WorkerLoop();
            var worker = workers[i];
            // Task.Run so that every worker starts on the thread pool at once instead of running synchronously
            // up to its first await on the caller's thread.
            tasks[i] = Task.Run(() => LoopAsync(worker, loop, deadline, run, cancellationToken), cancellationToken);
        }
        await Task.WhenAll(tasks);
        return loops;
    }

    private static async Task LoopAsync(BenchWorker worker, WorkerLoop loop, long deadline, BenchOperation run,
        CancellationToken cancellationToken)
    {
        while (Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            string? failure;
            try
            {
                failure = await run(worker, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{e.GetType().Name}: {e.Message}";
            }
            loop.Latency.Record(Stopwatch.GetElapsedTime(started));
            if (failure is null) continue;
            loop.Failures++;
            loop.FirstFailure ??= failure;
        }
    }
}
