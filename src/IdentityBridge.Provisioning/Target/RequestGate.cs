namespace IdentityBridge.Provisioning.Target;

/// <summary>
/// Decides when a request may go to the instance. Concurrency adapts as TCP's congestion window does (AIMD): it
/// grows by one after a run of successes as long as the current window, and halves when the instance throttles,
/// fails or times out. A 429's Retry-After pauses every request, not only the one that was throttled, since the
/// instance counts them all. A cap on requests per second, when set, is never exceeded: starts are spaced evenly.
/// </summary>
internal sealed class RequestGate
{
    private readonly object _lock = new();
    private readonly Queue<TaskCompletionSource<bool>> _waiting = new();
    private readonly TimeProvider _time;
    private readonly TargetStatistics _statistics;
    private readonly int _max;
    private readonly TimeSpan? _spacing;
    private int _limit, _inFlight, _successes;
    private long _generation;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _nextStart = DateTimeOffset.MinValue;

    public RequestGate(int maxConcurrency, double? maxRequestsPerSecond, TimeProvider time, TargetStatistics statistics)
    {
        _max = Math.Max(1, maxConcurrency);
        _limit = Math.Min(4, _max);
        _time = time;
        _statistics = statistics;
        _statistics.CurrentConcurrency = _limit;
        if (maxRequestsPerSecond is > 0 and var rate) _spacing = TimeSpan.FromSeconds(1 / rate);
    }

    public int Limit
    {
        get { lock (_lock) return _limit; }
    }

    /// <summary>Waits for a slot, then for any shared pause and the rate cap; dispose the lease when the answer is in.</summary>
    public async Task<Lease> EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool>? wait = null;
        long generation;
        lock (_lock)
        {
            if (_inFlight < _limit) _inFlight++;
            else
            {
                wait = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Enqueue(wait);
            }
            generation = _generation;
        }
        if (wait is not null)
        {
            // A cancelled wait stays in the queue; the grant skips it, since it can no longer be completed.
            await using (cancellationToken.Register(() => wait.TrySetCanceled(cancellationToken)))
                await wait.Task;
            lock (_lock) generation = _generation;
        }
        var lease = new Lease(this, generation);
        try
        {
            await WaitForPauseAsync(cancellationToken);
            await WaitForRateAsync(cancellationToken);
            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private async Task WaitForPauseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_lock) wait = _pausedUntil - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero) return;
            await Task.Delay(wait, _time, cancellationToken);
        }
    }

    private async Task WaitForRateAsync(CancellationToken cancellationToken)
    {
        if (_spacing is not { } spacing) return;
        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var start = _nextStart > now ? _nextStart : now;
            _nextStart = start + spacing;
            wait = start - now;
        }
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken);
    }

    /// <summary>Holds every request back until <paramref name="delay"/> from now (a 429's Retry-After).</summary>
    public void Pause(TimeSpan delay)
    {
        lock (_lock)
        {
            var until = _time.GetUtcNow() + delay;
            if (until > _pausedUntil) _pausedUntil = until;
        }
    }

    private void Succeeded()
    {
        lock (_lock)
        {
            if (++_successes < _limit || _limit >= _max) return;
            _successes = 0;
            _limit++;
            _statistics.CurrentConcurrency = _limit;
            GrantLocked();
        }
    }

    private void Congested(long generation)
    {
        lock (_lock)
        {
            _successes = 0;
            // Requests that were already in flight when the window last shrank report the same congestion again;
            // only the first of them halves it.
            if (generation != _generation) return;
            _generation++;
            _limit = Math.Max(1, _limit / 2);
            _statistics.CurrentConcurrency = _limit;
        }
    }

    private void ReleaseLocked()
    {
        _inFlight--;
        GrantLocked();
    }

    private void GrantLocked()
    {
        while (_inFlight < _limit && _waiting.TryDequeue(out var next))
            if (next.TrySetResult(true)) _inFlight++;
    }

    /// <summary>One request's slot; report how it went, then dispose it (twice is harmless).</summary>
    public sealed class Lease(RequestGate gate, long generation) : IDisposable
    {
        private int _released;

        public void Succeeded() => gate.Succeeded();

        public void Congested() => gate.Congested(generation);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (gate._lock) gate.ReleaseLocked();
        }
    }
}
