using IdentityBridge.Expressions.Schema;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>Graph's <c>synchronizationJobRestartScope</c> values (spec 2.10).</summary>
[Flags]
public enum RestartScope
{
    None = 0,
    ConnectorDataStore = 1,
    Escrows = 2,
    Watermark = 4,
    QuarantineState = 8,
    ForceDeletes = 16,
    Full = ConnectorDataStore | Escrows | Watermark | QuarantineState,
}

/// <summary>
/// The provisioning engine's verbs on a job, as Graph's synchronization API offers them: run a cycle, provision on
/// demand, plan, explain, restart, pause, start and validate credentials.
/// </summary>
public sealed class ProvisioningEngine(
    JobStore jobs,
    IProvisioningLogSink logs,
    Func<JobRecord, ISourceDirectory> sources,
    Func<JobRecord, ITargetConnector> targets,
    TimeProvider? time = null) : IAsyncDisposable
{
    // The source and the connector of each job are kept between cycles while its definition stays the same: a
    // worker polling every few seconds then keeps its connections, its token and the connector's learned
    // concurrency, instead of asking the token endpoint (which throttles) for a token every cycle.
    private readonly Dictionary<string, Connections> _connections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectionsGate = new(1, 1);

    private sealed record Connections(string Fingerprint, ISourceDirectory Source, ITargetConnector Target);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly string _leaseOwner = JobStore.NewLeaseOwner();

    /// <summary>How long a running cycle holds its job before the lease must be renewed (it is, at every checkpoint).</summary>
    public static readonly TimeSpan LeaseLength = TimeSpan.FromMinutes(5);

    public JobStore Jobs => jobs;

    /// <summary>Runs a cycle now: initial when there is no watermark, incremental otherwise.</summary>
    public Task<CycleOutcome> RunCycleAsync(JobRecord job, CycleOptions? options = null, CancellationToken cancellationToken = default) =>
        RunAsync(job, options ?? new CycleOptions(), cancellationToken);

    /// <summary>The next cycle, computed and not sent: every create, update (with the diff), disable and delete.</summary>
    public Task<CycleOutcome> PlanAsync(JobRecord job, IProgress<CycleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(job, new CycleOptions { DryRun = true, Progress = progress }, cancellationToken);

    /// <summary>One object's way through a cycle, computed and not sent: scoping verdicts, matching, each mapping's value, the diff.</summary>
    public Task<CycleOutcome> ExplainAsync(JobRecord job, CycleSubject subject, CancellationToken cancellationToken = default) =>
        RunAsync(job, new CycleOptions { DryRun = true, Explain = true, Subjects = [subject] }, cancellationToken);

    /// <summary>Provisions one user, or one group with up to five members, now (spec 2.11).</summary>
    public Task<CycleOutcome> ProvisionOnDemandAsync(JobRecord job, CycleSubject subject, string? initiatedBy = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(job, new CycleOptions { Subjects = [subject], InitiatedBy = initiatedBy }, cancellationToken);

    private async Task<CycleOutcome> RunAsync(JobRecord job, CycleOptions options, CancellationToken cancellationToken)
    {
        if (job.SecretsProblem is { } problem) throw new InvalidOperationException(problem);
        var schema = CompileSchema(job.Definition);
        // A scheduled or manual cycle holds the job, so two workers (or a worker and `idbridge sync`) never run it at once.
        var leased = !options.DryRun && options.Subjects is null;
        if (leased && !await jobs.TryLeaseAsync(job, _leaseOwner, _time.GetUtcNow(), _time.GetUtcNow() + LeaseLength, cancellationToken))
        {
            var holder = (await jobs.GetAsync(job.SysId, cancellationToken))!;
            return Busy(holder);
        }
        try
        {
            return await RunLeasedAsync(job, schema, options, cancellationToken);
        }
        finally
        {
            if (leased) await jobs.ReleaseLeaseAsync(job, _leaseOwner, CancellationToken.None);
        }
    }

    private static CycleOutcome Busy(JobRecord holder)
    {
        var error = new Jobs.SynchronizationError("JobRunningElsewhere",
            $"Another worker runs job '{holder.Name}' now ({holder.LeaseOwner}, lease until {holder.LeaseUntil:u}); wait for its cycle to end.", false);
        return new CycleOutcome
        {
            CycleId = "",
            Kind = holder.UsersWatermark is null ? CycleKind.Initial : CycleKind.Incremental,
            State = "Busy",
            Execution = new TaskExecution { State = "Failed", Error = error },
            Status = holder.Status,
            Error = error,
        };
    }

    private async Task<CycleOutcome> RunLeasedAsync(JobRecord job, CompiledSchema schema, CycleOptions options, CancellationToken cancellationToken)
    {
        var (source, target) = await ConnectionsAsync(job, cancellationToken);
        string? domain = null;
        if (UsesDefaultDomain(schema))
        {
            var found = await source.DefaultDomainAsync(cancellationToken);
            domain = found.Value;
        }
        var run = new CycleRun(jobs, job, schema, new JobState(jobs.Store, job.SysId), source, target, logs, _time, options, domain)
        {
            LeaseOwner = _leaseOwner,
        };
        return await run.RunAsync(cancellationToken);
    }

    private async Task<(ISourceDirectory Source, ITargetConnector Target)> ConnectionsAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var fingerprint = System.Text.Json.JsonSerializer.Serialize(job.Definition with { Schema = null, Settings = new JobSettings() }, JobStore.Json);
        await _connectionsGate.WaitAsync(cancellationToken);
        try
        {
            if (_connections.TryGetValue(job.SysId, out var kept))
            {
                if (kept.Fingerprint == fingerprint) return (kept.Source, kept.Target);
                _connections.Remove(job.SysId);
                await kept.Source.DisposeAsync();
                await kept.Target.DisposeAsync();
            }
            var fresh = new Connections(fingerprint, sources(job), targets(job));
            _connections[job.SysId] = fresh;
            return (fresh.Source, fresh.Target);
        }
        finally
        {
            _connectionsGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connectionsGate.WaitAsync();
        try
        {
            foreach (var kept in _connections.Values)
            {
                await kept.Source.DisposeAsync();
                await kept.Target.DisposeAsync();
            }
            _connections.Clear();
        }
        finally
        {
            _connectionsGate.Release();
        }
    }

    private static bool UsesDefaultDomain(CompiledSchema schema) =>
        schema.ObjectMappings.SelectMany(m => m.AttributeMappings).Any(a => a.Expression?.Text.Contains("DefaultDomain(", StringComparison.Ordinal) == true);

    /// <summary>The job's schema compiled; a stored schema always compiled when it was saved.</summary>
    public static CompiledSchema CompileSchema(JobDefinition definition)
    {
        var schema = definition.Schema is null ? DefaultSchemas.ServiceNow : SynchronizationSchemaJson.Read(definition.Schema).Schema
            ?? throw new InvalidOperationException("The job's schema cannot be read; save it again.");
        var compiled = SchemaCompiler.Compile(schema);
        return compiled.Schema ?? throw new InvalidOperationException("The job's schema has problems: " +
            string.Join(" ", compiled.Problems.Select(p => $"{p.Path}: {p.Message}")));
    }

    /// <summary>
    /// Graph's restart (spec 2.10): clears what <paramref name="scope"/> names. With <see cref="RestartScope.None"/>
    /// this is Entra's portal restart (watermark, escrows and quarantine; links kept).
    /// </summary>
    public async Task<JobRecord> RestartAsync(JobRecord job, RestartScope scope, CancellationToken cancellationToken = default)
    {
        if (scope == RestartScope.None) scope = RestartScope.Watermark | RestartScope.Escrows | RestartScope.QuarantineState;
        var state = new JobState(jobs.Store, job.SysId);
        var tables = new List<Storage.Schema.TableDefinition>();
        if (scope.HasFlag(RestartScope.ConnectorDataStore))
            tables.AddRange([ProvisioningTables.Link, ProvisioningTables.Member, ProvisioningTables.PendingReference, ProvisioningTables.Assignment]);
        if (scope.HasFlag(RestartScope.Escrows)) tables.Add(ProvisioningTables.Escrow);
        if (tables.Count > 0) await state.ClearAsync(tables, cancellationToken);
        if (scope.HasFlag(RestartScope.Watermark))
        {
            await jobs.SetWatermarksAsync(job, null, null, cancellationToken);
            await jobs.SetRunningCycleAsync(job, null, cancellationToken);
        }
        if (scope.HasFlag(RestartScope.ForceDeletes)) await jobs.SetPendingRestartAsync(job, "ForceDeletes", cancellationToken);
        var status = job.Status;
        if (scope.HasFlag(RestartScope.QuarantineState) || scope.HasFlag(RestartScope.ForceDeletes))
            status = status with { Quarantine = null, Code = job.ScheduleState == "Paused" ? StatusCodes.Paused : status.LastSuccessfulExecution is null ? StatusCodes.NotRun : StatusCodes.Active };
        if (scope.HasFlag(RestartScope.Escrows)) status = status with { EscrowsPruned = false };
        await jobs.SaveStatusAsync(job, status, cancellationToken);
        if (job.ScheduleState == "Disabled") await jobs.SetScheduleStateAsync(job, "Active", cancellationToken);
        await jobs.SetNextRunAsync(job, _time.GetUtcNow(), cancellationToken);
        return (await jobs.GetAsync(job.SysId, cancellationToken))!;
    }

    /// <summary>Pauses the job: no cycles until it is started; state is kept.</summary>
    public async Task<JobRecord> PauseAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        await jobs.SetScheduleStateAsync(job, "Paused", cancellationToken);
        await jobs.SaveStatusAsync(job, job.Status with { Code = StatusCodes.Paused }, cancellationToken);
        return (await jobs.GetAsync(job.SysId, cancellationToken))!;
    }

    /// <summary>Starts a paused or quarantined job; starting clears quarantine (spec 2.7).</summary>
    public async Task<JobRecord> StartAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        await jobs.SetScheduleStateAsync(job, "Active", cancellationToken);
        await jobs.SaveStatusAsync(job, job.Status with
        {
            Quarantine = null,
            Code = job.Status.LastSuccessfulExecution is null ? StatusCodes.NotRun : StatusCodes.Active,
        }, cancellationToken);
        await jobs.SetNextRunAsync(job, _time.GetUtcNow(), cancellationToken);
        return (await jobs.GetAsync(job.SysId, cancellationToken))!;
    }

    /// <summary>Graph's validateCredentials: the directory and the instance, each check with its fix.</summary>
    public async Task<IReadOnlyList<ConnectionCheck>> TestConnectionAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        var schema = CompileSchema(job.Definition);
        var groups = schema.For("Group") is not null;
        // A connection test always starts afresh, so it says what the credentials do now.
        await using var source = sources(job);
        await using var target = targets(job);
        var checks = new List<ConnectionCheck>();
        checks.AddRange((await source.TestAsync(groups || job.Definition.Settings.Scope == ProvisioningScope.AssignedUsersAndGroups, cancellationToken))
            .Select(c => c with { Name = "Directory: " + c.Name }));
        if (job.Definition.Settings.ServicePrincipalId is { } sp)
        {
            var assignments = await source.GetAssignmentsAsync(sp, cancellationToken);
            checks.Add(assignments.Error is { } error
                ? new ConnectionCheck("Directory: read the app's assignments", false, error.Message,
                    "Grant the app Application.Read.All (or Directory.Read.All) and check the service principal id.")
                : new ConnectionCheck("Directory: read the app's assignments", true, $"{assignments.Value!.Count} assignment(s)."));
        }
        checks.AddRange((await target.TestAsync(groups, cancellationToken)).Select(c => c with { Name = "Instance: " + c.Name }));
        return checks;
    }
}
