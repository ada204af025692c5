using System.Diagnostics;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>A failure that stops the whole cycle (credentials, rights, an unreachable system).</summary>
internal sealed class CycleFailure(string code, string message, bool fromTarget) : Exception(message)
{
    public string Code { get; } = code;
    public bool FromTarget { get; } = fromTarget;
}

/// <summary>
/// One cycle of one job, as Entra runs it (spec 2.2, 2.3): import from Graph, scope, match, compute, diff,
/// export, references and memberships, watermark. A plan is the same run with exports recorded instead of sent.
/// The object-level steps live in the partial files beside this one.
/// </summary>
internal sealed partial class CycleRun
{
    private const int ChunkSize = 500;

    private readonly JobRecord _job;
    private readonly JobStore _jobs;
    private readonly JobSettings _settings;
    private readonly JobState _state;
    private readonly ISourceDirectory _source;
    private readonly ITargetConnector _target;
    private readonly IProvisioningLogSink _logs;
    private readonly TimeProvider _time;
    private readonly CycleOptions _options;
    private readonly ObjectMappingPlan _users;
    private readonly ObjectMappingPlan? _groups;
    private readonly StateBatch _batch;
    private readonly List<ProvisioningLogEntry> _pendingEntries = [];
    private readonly List<ProvisioningLogEntry> _keptEntries = [];
    private readonly List<ObjectExplanation> _explanations = [];
    private readonly Lock _entriesGate = new();
    private readonly EvaluationContext _evaluation;
    private readonly ReferenceLookups _lookups;
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);

    // Links made or changed during this run, so later steps of the same run see them before they are flushed.
    private readonly Dictionary<string, Link> _userLinks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Link> _groupLinks = new(StringComparer.Ordinal);

    private long _imported, _importedDeltas, _exports, _exported, _escrowed, _referenceEscrowed, _entitled, _completed, _total;
    private long _attemptedExports, _failedExports;
    private string _phase = "starting";

    // The app's roles by id, read once per run when a user mapping reads [appRoleAssignments] and scope is by assignment.
    private Dictionary<string, AppRole>? _appRoles;

    private async Task LoadAppRolesAsync(ScopeModel scope, CancellationToken cancellationToken)
    {
        // Entra fills [appRoleAssignments] only when syncing assigned users (spec 3.3: not with Sync All).
        if (!_users.UsesAppRoleAssignments || scope.All) return;
        var roles = await _source.GetAppRolesAsync(_settings.ServicePrincipalId!, cancellationToken);
        if (roles.Error is { } error) throw new CycleFailure(error.Code, error.Message, fromTarget: false);
        _appRoles = roles.Value!.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);
    }
    private bool _forceDeletes;

    public CycleRun(JobStore jobs, JobRecord job, CompiledSchema schema, JobState state, ISourceDirectory source, ITargetConnector target,
        IProvisioningLogSink logs, TimeProvider time, CycleOptions options, string? defaultDomain)
    {
        _job = job;
        _jobs = jobs;
        _settings = job.Definition.Settings;
        _state = state;
        _source = source;
        _target = target;
        _logs = logs;
        _time = time;
        _options = options;
        var users = schema.For("User") ?? throw new InvalidOperationException("The schema has no enabled mapping for users.");
        _users = new ObjectMappingPlan(schema, users, SourceObjectType.User);
        _groups = schema.For("Group") is { } groups ? new ObjectMappingPlan(schema, groups, SourceObjectType.Group) : null;
        _batch = state.Batch();
        _evaluation = new EvaluationContext { TimeProvider = time, DefaultDomain = defaultDomain };
        _lookups = new ReferenceLookups(target, _settings, options.DryRun);
        CycleId = job.RunningCycle is { } running && options.Subjects is null && !options.DryRun ? running : Guid.NewGuid().ToString();
    }

    public string CycleId { get; }

    /// <summary>The lease this run holds on its job, renewed at checkpoints; null when it holds none (plans, on demand).</summary>
    public string? LeaseOwner { get; init; }

    private DateTimeOffset Now => _time.GetUtcNow();

    private bool Stopping => _options.Stopping.IsCancellationRequested;

    private long _lastReport;

    /// <summary>Reports at most ten times a second, so a progress bar moves smoothly without costing the cycle.</summary>
    private void ReportThrottled()
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastReport);
        if (Stopwatch.GetElapsedTime(last, now) < TimeSpan.FromMilliseconds(100) || Interlocked.CompareExchange(ref _lastReport, now, last) != last) return;
        Report();
    }

    private void Report(string? phase = null)
    {
        if (phase is not null) _phase = phase;
        _options.Progress?.Report(new CycleProgress(_phase, Interlocked.Read(ref _completed), Interlocked.Read(ref _total),
            Interlocked.Read(ref _exported), Interlocked.Read(ref _failedExports)));
    }

    // ---- the cycle ---------------------------------------------------------------------------------------------

    public async Task<CycleOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var began = Now;
        var kind = _options.Subjects is not null ? CycleKind.OnDemand : _job.UsersWatermark is null ? CycleKind.Initial : CycleKind.Incremental;
        _forceDeletes = (_job.PendingRestart ?? "").Split(',').Contains("ForceDeletes", StringComparer.OrdinalIgnoreCase);
        SynchronizationError? error = null;
        var interrupted = false;
        string? usersWatermark = null, groupsWatermark = null;
        try
        {
            if (!_options.DryRun && kind != CycleKind.OnDemand)
                await _jobs.SetRunningCycleAsync(_job, CycleId, cancellationToken);
            if (kind == CycleKind.OnDemand)
                await RunOnDemandAsync(cancellationToken);
            else
                (usersWatermark, groupsWatermark) = await RunSyncAsync(kind, cancellationToken);
            interrupted = Stopping;
        }
        catch (CycleFailure failure)
        {
            error = new SynchronizationError(failure.Code, failure.Message, TenantActionable: true);
        }
        finally
        {
            // Whatever happened, what was done is recorded: links, escrows and log entries.
            try
            {
                await DrainAsync();
            }
            catch (Exception) when (error is not null || cancellationToken.IsCancellationRequested)
            {
                // The cycle failed already; its own error is the one to report.
            }
            if (!_options.DryRun) await _batch.FlushAsync(CancellationToken.None);
            await FlushEntriesAsync(CancellationToken.None);
        }

        var ended = Now;
        var state = error is not null ? "Failed" : interrupted ? "Interrupted" : _escrowed > 0 || _referenceEscrowed > 0 ? "EntryLevelErrors" : "Succeeded";
        var execution = new TaskExecution
        {
            ActivityIdentifier = CycleId,
            CountEntitled = _entitled,
            CountEntitledForProvisioning = _entitled,
            CountEscrowed = _escrowed + _referenceEscrowed,
            CountEscrowedRaw = _escrowed + _referenceEscrowed,
            CountExported = _exported,
            CountExports = _exports,
            CountImported = _imported,
            CountImportedDeltas = _importedDeltas,
            CountImportedReferenceDeltas = 0,
            Error = error,
            State = state == "Interrupted" ? "Failed" : state,
            TimeBegan = began,
            TimeEnded = ended,
        };
        var status = _job.Status;
        if (!_options.DryRun)
            status = await new CycleBookkeeping(_state, _jobs, _job, _time).CompleteAsync(this, kind, execution, error, interrupted,
                usersWatermark, groupsWatermark, CancellationToken.None);
        return new CycleOutcome
        {
            CycleId = CycleId,
            Kind = kind,
            State = state,
            Execution = execution,
            Status = status,
            Entries = _keptEntries,
            Totals = _totals,
            Explanations = _explanations,
            Error = error,
        };
    }

    internal long AttemptedExports => _attemptedExports;
    internal long FailedExports => _failedExports;
    internal long Escrowed => _escrowed;
    internal long ReferenceEscrowed => _referenceEscrowed;
    internal long Exported => _exported;
    internal bool ForceDeletes => _forceDeletes;
    internal bool StagedDeletes { get; private set; }

    /// <summary>
    /// A scheduled cycle: read the directory (whole or from the watermark), decide per object, export, then
    /// memberships and waiting references. Answers the new watermarks.
    /// </summary>
    private async Task<(string? Users, string? Groups)> RunSyncAsync(CycleKind kind, CancellationToken cancellationToken)
    {
        var initial = kind == CycleKind.Initial;
        await ProbeTargetAsync(cancellationToken);
        Report("reading assignments");
        var scope = await ScopeModel.LoadAsync(_settings, _source, _state, cancellationToken);
        await LoadAppRolesAsync(scope, cancellationToken);

        Report("reading users");
        var users = new Dictionary<string, SourceObject>(StringComparer.Ordinal);
        var usersLink = await ReadRoundAsync(SourceObjectType.User, initial ? null : _job.UsersWatermark, _users.SourceAttributes, users, null, cancellationToken);

        var groups = new Dictionary<string, SourceObject>(StringComparer.Ordinal);
        var memberChanges = new Dictionary<string, List<MemberChange>>(StringComparer.Ordinal);
        string? groupsLink = null;
        if (_groups is not null || scope.NeedsMemberships)
        {
            Report("reading groups");
            groupsLink = await ReadRoundAsync(SourceObjectType.Group, initial ? null : _job.GroupsWatermark,
                _groups?.SourceAttributes ?? new HashSet<string>(), groups, memberChanges, cancellationToken);
        }
        if (Stopping) return (null, null);

        Report("applying memberships");
        var memberships = await MembershipModel.ApplyAsync(_state, _batch, initial, groups, memberChanges, _options.DryRun, cancellationToken);
        memberChanges.Clear();
        scope.Bind(memberships);
        var assignmentChanges = scope.Changes();

        // ---- users ----
        Report("deciding users");
        var userWork = await CollectUsersAsync(initial, users, scope, memberships, assignmentChanges, cancellationToken);
        var groupWork = _groups is null ? [] : await CollectGroupsAsync(initial, groups, scope, assignmentChanges, cancellationToken);
        // The work items hold what is still needed; each lets go of its object once it is written.
        users.Clear();
        users.TrimExcess();
        groups.Clear();
        groups.TrimExcess();
        ApplyDeletionGuard(userWork, groupWork);

        Interlocked.Add(ref _total, userWork.Count + groupWork.Count);
        Report("provisioning users");
        await ProcessAsync(_users, userWork, cancellationToken);
        if (!_options.DryRun) scope.Persist(_batch);
        if (Stopping) return (null, null);

        if (_groups is not null)
        {
            Report("provisioning groups");
            await ProcessAsync(_groups, groupWork, cancellationToken);
            if (Stopping) return (null, null);
            if (_groups.Members is not null)
            {
                Report("provisioning memberships");
                await ReconcileMembershipsAsync(initial, memberships, userWork, groupWork, scope, cancellationToken);
            }
        }
        if (Stopping) return (null, null);

        Report("resolving references");
        await ResolvePendingReferencesAsync(cancellationToken);
        Report("done");
        return (usersLink, groupsLink ?? _job.GroupsWatermark);
    }

    /// <summary>
    /// One cheap read of the target before anything else, so that changed credentials or a moved instance stop
    /// the cycle (and quarantine the job) even when it has nothing to export: Entra's users complain that expired
    /// credentials left no trace at all (spec 6).
    /// </summary>
    private async Task ProbeTargetAsync(CancellationToken cancellationToken)
    {
        var probe = await _target.FindAsync(_users.TargetTable, "sys_id", ["00000000000000000000000000000000"], ["sys_id"], null, cancellationToken);
        if (probe.Error is { JobLevel: true } error) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
    }

    /// <summary>
    /// One delta round into <paramref name="into"/>, merging an object seen twice (Graph may page one group's members
    /// over several pages). A refused deltaLink starts a full round, as a restart would.
    /// </summary>
    private async Task<string?> ReadRoundAsync(SourceObjectType type, string? deltaLink, IReadOnlyCollection<string> attributes,
        Dictionary<string, SourceObject> into, Dictionary<string, List<MemberChange>>? members, CancellationToken cancellationToken)
    {
        var result = await _source.ReadDeltaAsync(type, deltaLink, attributes, (page, _) =>
        {
            foreach (var item in page)
            {
                Interlocked.Increment(ref _imported);
                if (deltaLink is not null) Interlocked.Increment(ref _importedDeltas);
                var kept = item;
                if (members is not null && item.MemberChanges.Count > 0)
                {
                    if (!members.TryGetValue(item.Id, out var list)) members[item.Id] = list = [];
                    list.AddRange(item.MemberChanges);
                    // The members are kept once, in the membership changes; the object itself goes on without them.
                    kept = WithoutMembers(item);
                }
                into[item.Id] = into.TryGetValue(item.Id, out var earlier) ? Merge(earlier, kept) : kept;
            }
            return ValueTask.CompletedTask;
        }, cancellationToken);
        if (result.Error is { Code: "DeltaTokenExpired" } && deltaLink is not null)
        {
            into.Clear();
            members?.Clear();
            return await ReadRoundAsync(type, null, attributes, into, members, cancellationToken);
        }
        if (result.Error is { } error) throw new CycleFailure(error.Code, error.Message, fromTarget: false);
        return result.Value;
    }

    private static SourceObject WithoutMembers(SourceObject item) => new()
    {
        Id = item.Id,
        Type = item.Type,
        Removal = item.Removal,
        Attributes = item.Attributes,
        Complete = item.Complete,
        ManagerKnown = item.ManagerKnown,
    };

    private static SourceObject Merge(SourceObject earlier, SourceObject later)
    {
        if (later.Removal != RemovalKind.None) return later;
        var attributes = new AttributeBag();
        foreach (var (name, value) in earlier.Attributes) attributes[name] = value;
        foreach (var (name, value) in later.Attributes) attributes[name] = value;
        return new SourceObject
        {
            Id = later.Id,
            Type = later.Type,
            Removal = later.Removal,
            Attributes = attributes,
            Complete = earlier.Complete || later.Complete,
            ManagerKnown = earlier.ManagerKnown || later.ManagerKnown,
            MemberChanges = [],
        };
    }

    // ---- entries -------------------------------------------------------------------------------------------------

    private void Record(ProvisioningLogEntry entry, ObjectExplanation? explanation)
    {
        var key = entry.Action.ToString() + "/" + entry.Status;
        lock (_entriesGate)
        {
            _totals[key] = _totals.GetValueOrDefault(key) + 1;
            if (_options.DryRun || _options.Subjects is not null) _keptEntries.Add(entry);
            if (!_options.DryRun) _pendingEntries.Add(entry);
            if (explanation is not null && _options.Explain) _explanations.Add(explanation);
        }
    }

    private async Task FlushEntriesAsync(CancellationToken cancellationToken)
    {
        List<ProvisioningLogEntry> entries;
        lock (_entriesGate)
        {
            if (_pendingEntries.Count == 0) return;
            entries = [.. _pendingEntries];
            _pendingEntries.Clear();
        }
        await _logs.AppendAsync(entries, cancellationToken);
    }

    private long _lastProgressSaved = Stopwatch.GetTimestamp();
    private Task _flushing = Task.CompletedTask;

    private async Task WriteChunkAsync(CancellationToken cancellationToken)
    {
        if (!_options.DryRun) await _batch.FlushAsync(cancellationToken);
        await FlushEntriesAsync(cancellationToken);
    }

    /// <summary>Waits for the chunk writes in flight, before the run reads state it may have written.</summary>
    private Task DrainAsync() => _flushing;

    /// <summary>
    /// Writes what a chunk of objects did: state first, then its log entries; and, every few seconds, the cycle's
    /// progress into the job's status (Graph's synchronizationProgress), for <c>job show</c> while a worker runs it.
    /// </summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        // The chunk's writes go to the store while the next chunk talks to the instance; the previous chunk's
        // writes finish first, so they stay in order and at most one chunk waits. A crash in between loses only
        // links, and the next run finds those records again by matching.
        await _flushing;
        _flushing = WriteChunkAsync(cancellationToken);
        Report();
        if (!_options.DryRun && _options.Subjects is null && Stopwatch.GetElapsedTime(_lastProgressSaved) > TimeSpan.FromSeconds(2))
        {
            _lastProgressSaved = Stopwatch.GetTimestamp();
            if (LeaseOwner is not null) await _jobs.TryLeaseAsync(_job, LeaseOwner, Now, Now + ProvisioningEngine.LeaseLength, cancellationToken);
            await _jobs.SaveStatusAsync(_job, _job.Status with
            {
                Progress = [new SynchronizationProgress(Interlocked.Read(ref _completed), Interlocked.Read(ref _total), "objects", Now)],
            }, cancellationToken);
        }
    }

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
