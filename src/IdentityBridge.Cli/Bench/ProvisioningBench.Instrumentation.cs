using System.Diagnostics;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// Time during which at least one call of a kind was in flight, so that calls overlapping on several threads count
/// once: the share of a cycle's wall time that one side (the directory, the instance, the log store) held it up.
/// </summary>
internal sealed class BusyClock
{
    private readonly Lock _gate = new();
    private int _inFlight;
    private long _busySince;
    private long _busyTicks;
    private long _lastEnded;

    public long LastEnded
    {
        get
        {
            lock (_gate) return _lastEnded;
        }
    }

    public bool Busy
    {
        get
        {
            lock (_gate) return _inFlight > 0;
        }
    }

    public void Enter()
    {
        lock (_gate)
            if (_inFlight++ == 0) _busySince = Stopwatch.GetTimestamp();
    }

    public void Exit()
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (--_inFlight == 0) _busyTicks += now - _busySince;
            _lastEnded = now;
        }
    }

    /// <summary>Busy time so far, counting a call still in flight up to now.</summary>
    public TimeSpan Elapsed
    {
        get
        {
            lock (_gate)
            {
                var ticks = _busyTicks + (_inFlight > 0 ? Stopwatch.GetTimestamp() - _busySince : 0);
                return Stopwatch.GetElapsedTime(0, ticks);
            }
        }
    }
}

/// <summary>Calls of one kind: how many, their summed duration (overlapping calls each count) and the busy time.</summary>
internal sealed class CallCounter
{
    private long _calls;
    private long _ticks;

    public long Calls => Interlocked.Read(ref _calls);
    public TimeSpan Summed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    /// <summary>Counts a call whose duration the caller measured.</summary>
    public void Record(long ticks)
    {
        Interlocked.Add(ref _ticks, ticks);
        Interlocked.Increment(ref _calls);
    }

    public async Task<T> TimeAsync<T>(BusyClock busy, Func<Task<T>> call)
    {
        busy.Enter();
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await call();
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - started);
            Interlocked.Increment(ref _calls);
            busy.Exit();
        }
    }
}

/// <summary>
/// What the engine's surroundings did during a cycle, counted by wrappers around the source, the connector and the
/// log sink: the engine itself is measured from outside, unchanged.
/// </summary>
internal sealed class CycleInstruments
{
    public BusyClock Source { get; } = new();
    public BusyClock Target { get; } = new();
    public BusyClock Logs { get; } = new();
    public CallCounter SourcePages { get; } = new();
    public CallCounter SourceOther { get; } = new();
    public CallCounter Finds { get; } = new();
    public CallCounter Reads { get; } = new();
    public CallCounter Creates { get; } = new();
    public CallCounter Updates { get; } = new();
    public CallCounter Deletes { get; } = new();
    public CallCounter LogAppends { get; } = new();
    private long _logEntries;
    private long _stateTicks;
    private ServiceNowConnector? _connector;

    public long LogEntries => Interlocked.Read(ref _logEntries);

    /// <summary>HTTP requests the connector sent (pages, batches and retries each count), over every connector made.</summary>
    public long TargetRequests => _previousRequests + (_connector?.Statistics.Requests ?? 0);
    public long TargetRetries => _previousRetries + (_connector?.Statistics.Retries ?? 0);
    public long TargetThrottled => _previousThrottled + (_connector?.Statistics.Throttled ?? 0);
    private long _previousRequests, _previousRetries, _previousThrottled;

    /// <summary>
    /// The time between the end of a chunk's last export and its log entries being appended: the engine writes the
    /// chunk's state (links, memberships) in that gap, so it measures state writes closely, with a little bookkeeping.
    /// </summary>
    public TimeSpan StateWrites => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _stateTicks));

    public ITargetConnector Wrap(ServiceNowConnector connector)
    {
        if (_connector is { } previous)
        {
            _previousRequests += previous.Statistics.Requests;
            _previousRetries += previous.Statistics.Retries;
            _previousThrottled += previous.Statistics.Throttled;
        }
        _connector = connector;
        return new TimedTarget(connector, this);
    }

    public ISourceDirectory Wrap(ISourceDirectory source) => new TimedSource(source, this);

    public IProvisioningLogSink Wrap(IProvisioningLogSink logs) => new TimedLogs(logs, this);

    private void StateGapEndingNow()
    {
        var ended = Target.LastEnded;
        if (ended == 0 || Target.Busy) return;
        var gap = Stopwatch.GetTimestamp() - ended;
        // A gap of more than a few seconds is not a chunk's state write but a pause between cycles.
        if (gap > 0 && Stopwatch.GetElapsedTime(0, gap) < TimeSpan.FromSeconds(30)) Interlocked.Add(ref _stateTicks, gap);
    }

    private sealed class TimedLogs(IProvisioningLogSink inner, CycleInstruments instruments) : IProvisioningLogSink
    {
        public async Task AppendAsync(IReadOnlyList<ProvisioningLogEntry> entries, CancellationToken cancellationToken)
        {
            instruments.StateGapEndingNow();
            Interlocked.Add(ref instruments._logEntries, entries.Count);
            await instruments.LogAppends.TimeAsync(instruments.Logs, async () =>
            {
                await inner.AppendAsync(entries, cancellationToken);
                return 0;
            });
        }
    }

    private sealed class TimedTarget(ITargetConnector inner, CycleInstruments instruments) : ITargetConnector
    {
        public TargetStatistics Statistics => inner.Statistics;

        public Task<TargetResult<IReadOnlyList<TargetRecord>>> FindAsync(string table, string field, IReadOnlyCollection<string> values,
            IReadOnlyCollection<string> fields, string? filter, CancellationToken cancellationToken) =>
            instruments.Finds.TimeAsync(instruments.Target, () => inner.FindAsync(table, field, values, fields, filter, cancellationToken));

        public Task<TargetResult<IReadOnlyList<TargetRecord>>> GetManyAsync(string table, IReadOnlyCollection<string> sysIds,
            IReadOnlyCollection<string> fields, CancellationToken cancellationToken) =>
            instruments.Reads.TimeAsync(instruments.Target, () => inner.GetManyAsync(table, sysIds, fields, cancellationToken));

        public Task<TargetResult<IReadOnlyList<TargetRecord>>> QueryAsync(string table, string encodedQuery, IReadOnlyCollection<string> fields,
            CancellationToken cancellationToken) =>
            instruments.Reads.TimeAsync(instruments.Target, () => inner.QueryAsync(table, encodedQuery, fields, cancellationToken));

        public Task<TargetResult<TargetRecord>> CreateAsync(string table, IReadOnlyDictionary<string, string?> values,
            IReadOnlyCollection<string> fields, CancellationToken cancellationToken) =>
            instruments.Creates.TimeAsync(instruments.Target, () => inner.CreateAsync(table, values, fields, cancellationToken));

        public Task<TargetResult<TargetRecord>> UpdateAsync(string table, string sysId, IReadOnlyDictionary<string, string?> values,
            IReadOnlyCollection<string> fields, CancellationToken cancellationToken) =>
            instruments.Updates.TimeAsync(instruments.Target, () => inner.UpdateAsync(table, sysId, values, fields, cancellationToken));

        public Task<TargetResult<bool>> DeleteAsync(string table, string sysId, CancellationToken cancellationToken) =>
            instruments.Deletes.TimeAsync(instruments.Target, () => inner.DeleteAsync(table, sysId, cancellationToken));

        public Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken) =>
            inner.TestAsync(groups, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class TimedSource(ISourceDirectory inner, CycleInstruments instruments) : ISourceDirectory
    {
        /// <summary>
        /// The source's time is spent waiting for pages; the engine's handling of a page (the callback) runs inside
        /// the call and is not the source's, so the clock stops while the callback runs.
        /// </summary>
        public async Task<SourceResult<string>> ReadDeltaAsync(SourceObjectType type, string? deltaLink, IReadOnlyCollection<string> attributes,
            Func<IReadOnlyList<SourceObject>, CancellationToken, ValueTask> onPage, CancellationToken cancellationToken)
        {
            instruments.Source.Enter();
            var pageStarted = Stopwatch.GetTimestamp();
            try
            {
                return await inner.ReadDeltaAsync(type, deltaLink, attributes, async (page, token) =>
                {
                    instruments.Source.Exit();
                    instruments.SourcePages.Record(Stopwatch.GetTimestamp() - pageStarted);
                    try
                    {
                        await onPage(page, token);
                    }
                    finally
                    {
                        instruments.Source.Enter();
                        pageStarted = Stopwatch.GetTimestamp();
                    }
                }, cancellationToken);
            }
            finally
            {
                instruments.Source.Exit();
            }
        }

        public Task<SourceResult<string?>> LatestDeltaLinkAsync(SourceObjectType type, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.LatestDeltaLinkAsync(type, cancellationToken));

        public Task<SourceResult<IReadOnlyList<SourceObject>>> GetByIdsAsync(SourceObjectType type, IReadOnlyCollection<string> ids,
            IReadOnlyCollection<string> attributes, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.GetByIdsAsync(type, ids, attributes, cancellationToken));

        public Task<SourceResult<SourceObject?>> FindAsync(SourceObjectType type, string idOrName, IReadOnlyCollection<string> attributes,
            CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.FindAsync(type, idOrName, attributes, cancellationToken));

        public Task<SourceResult<IReadOnlyList<MemberChange>>> GetMembersAsync(string groupId, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.GetMembersAsync(groupId, cancellationToken));

        public Task<SourceResult<IReadOnlyList<AppRoleAssignmentRef>>> GetAssignmentsAsync(string servicePrincipalId, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.GetAssignmentsAsync(servicePrincipalId, cancellationToken));

        public Task<SourceResult<string?>> FindServicePrincipalAsync(string idAppIdOrName, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.FindServicePrincipalAsync(idAppIdOrName, cancellationToken));

        public Task<SourceResult<IReadOnlyList<AppRole>>> GetAppRolesAsync(string servicePrincipalId, CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.GetAppRolesAsync(servicePrincipalId, cancellationToken));

        public Task<SourceResult<string?>> DefaultDomainAsync(CancellationToken cancellationToken) =>
            instruments.SourceOther.TimeAsync(instruments.Source, () => inner.DefaultDomainAsync(cancellationToken));

        public Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken) =>
            inner.TestAsync(groups, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Counters at one moment, to take differences per phase.</summary>
    public Snapshot Take() => new(Stopwatch.GetTimestamp(), Source.Elapsed, Target.Elapsed, Logs.Elapsed, StateWrites,
        SourcePages.Calls + SourceOther.Calls, TargetRequests, Finds.Calls, Reads.Calls, Creates.Calls, Updates.Calls, Deletes.Calls,
        LogEntries, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes(precise: false));

    internal readonly record struct Snapshot(long At, TimeSpan Source, TimeSpan Target, TimeSpan Logs, TimeSpan State, long SourceCalls,
        long TargetRequests, long Finds, long Reads, long Creates, long Updates, long Deletes, long LogEntries, int Gen0, int Gen1, int Gen2,
        long Allocated);
}
