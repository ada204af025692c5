using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityBridge.Provisioning.Scheduling;

/// <summary>A cycle the worker ran, for whoever watches it.</summary>
public sealed record WorkerCycle(JobRecord Job, CycleOutcome Outcome, DateTimeOffset NextRun);

/// <summary>
/// Runs jobs on their schedules until stopped (spec 2.3): back-to-back incremental cycles at the job's interval
/// (Entra's 40 minutes by default, or continuous polling of the delta link), the quarantine schedule while
/// quarantined, nothing while paused or disabled. Stopping finishes the object in flight, writes state and logs,
/// and the next start continues the interrupted cycle.
/// </summary>
public sealed class ProvisioningWorker(ProvisioningEngine engine, TimeProvider? time = null, ILogger? logger = null,
    ProvisioningLogStore? logs = null)
{
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The longest the worker sleeps before it looks at the jobs again (new jobs, restarts, starts).</summary>
    public TimeSpan Rescan { get; init; } = TimeSpan.FromSeconds(5);

    public event Action<WorkerCycle>? CycleCompleted;

    /// <summary>How long the worker waits before it tries again a job whose cycle could not start.</summary>
    public TimeSpan FailedStartRetry { get; init; } = TimeSpan.FromMinutes(1);

    public async Task RunAsync(IReadOnlyCollection<string>? onlyJobs, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var jobs = (await engine.Jobs.ListAsync(CancellationToken.None))
                .Where(j => onlyJobs is null || onlyJobs.Count == 0 || onlyJobs.Contains(j.Name, StringComparer.OrdinalIgnoreCase) || onlyJobs.Contains(j.JobId))
                .ToList();
            var now = _time.GetUtcNow();
            var wake = now + Rescan;
            if (logs is not null && now >= _nextPurge)
            {
                // Provisioning logs are kept as long as each job says (30 days by default, as Entra keeps them).
                _nextPurge = now + TimeSpan.FromHours(1);
                foreach (var job in jobs)
                    await logs.PurgeAsync(job.JobId, now - TimeSpan.FromDays(job.Definition.Settings.LogRetentionDays), CancellationToken.None);
            }
            foreach (var job in jobs)
            {
                if (stopping.IsCancellationRequested) break;
                if (job.ScheduleState != "Active") continue;
                var due = DueAt(job);
                if (due > now)
                {
                    if (due < wake) wake = due;
                    continue;
                }
                var outcome = await RunOneAsync(job, stopping);
                if (outcome is null)
                {
                    // The cycle could not start (unreadable secrets, a broken store): try again in a minute, not every scan.
                    await engine.Jobs.SetNextRunAsync(job, _time.GetUtcNow() + FailedStartRetry, CancellationToken.None);
                    continue;
                }
                if (outcome.State == "Busy") continue;
                var next = NextRun(job, outcome);
                if (outcome.State != "Interrupted") await engine.Jobs.SetNextRunAsync(job, next, CancellationToken.None);
                CycleCompleted?.Invoke(new WorkerCycle(job, outcome, next));
                if (next < wake) wake = next;
                now = _time.GetUtcNow();
            }
            var delay = wake - _time.GetUtcNow();
            if (delay <= TimeSpan.Zero) continue;
            try
            {
                await Task.Delay(delay, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<CycleOutcome?> RunOneAsync(JobRecord job, CancellationToken stopping)
    {
        try
        {
            // The stop request ends the cycle between objects; requests in flight complete under their own timeouts.
            return await engine.RunCycleAsync(job, new CycleOptions { Stopping = stopping }, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogError(e, "The cycle of job {Job} could not run: {Message}", job.Name, e.Message);
            return null;
        }
    }

    /// <summary>When a job's next cycle is due: its next run, or the quarantine's next attempt.</summary>
    public static DateTimeOffset DueAt(JobRecord job) =>
        job.Status.Quarantine is { } quarantine ? quarantine.NextAttempt : job.NextRun ?? DateTimeOffset.MinValue;

    public DateTimeOffset NextRun(JobRecord job, CycleOutcome outcome)
    {
        if (outcome.Status.Quarantine is { } quarantine) return quarantine.NextAttempt;
        var settings = job.Definition.Settings;
        var wait = settings.Interval == TimeSpan.Zero ? settings.PollInterval : settings.Interval;
        return _time.GetUtcNow() + wait;
    }
}
