using System.Text.Json;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// What a cycle leaves on its job: the watermark, the history row, Graph's status with its counters, and the
/// quarantine rules of spec 2.7 (thresholds, reasons, the retry schedule and the exit on success).
/// </summary>
internal sealed class CycleBookkeeping(JobState state, JobStore jobs, JobRecord job, TimeProvider time)
{
    // Escrow thresholds (spec 2.7), "subject to change" in Entra's words.
    public const long EvaluationStartsAt = 5_000;
    public const double ProportionThreshold = 0.40;
    public const long BaseThreshold = 40_000;
    public const long TotalThreshold = 60_000;
    public static readonly TimeSpan QuarantineLimit = TimeSpan.FromDays(28);

    public async Task<SynchronizationStatus> CompleteAsync(CycleRun run, CycleKind kind, TaskExecution execution, SynchronizationError? error,
        bool interrupted, string? usersWatermark, string? groupsWatermark, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await state.Store.WriteBatchAsync([new BatchWrite.Upsert(ProvisioningTables.Cycle, new Dictionary<string, string?>
        {
            ["sys_id"] = ProvisioningTables.KeyOf(job.SysId, "cycle", execution.ActivityIdentifier),
            ["job"] = job.SysId,
            ["cycle_id"] = execution.ActivityIdentifier,
            ["kind"] = kind.ToString(),
            ["state"] = interrupted ? "Interrupted" : execution.State,
            ["began"] = GlideDateTimes.Format(execution.TimeBegan),
            ["ended"] = GlideDateTimes.Format(execution.TimeEnded),
            ["execution"] = JsonSerializer.Serialize(execution, JobStore.Json),
        })], StateBatch.Writer, cancellationToken);

        var completed = error is null && !interrupted;
        if (kind != CycleKind.OnDemand)
        {
            if (completed) await jobs.SetWatermarksAsync(job, usersWatermark, groupsWatermark, cancellationToken);
            // An interrupted cycle keeps its id, so the run that continues it reports as the same cycle.
            await jobs.SetRunningCycleAsync(job, interrupted ? execution.ActivityIdentifier : null, cancellationToken);
            if (completed && run.ForceDeletes) await jobs.SetPendingRestartAsync(job, null, cancellationToken);
        }

        var status = job.Status;
        var completeFailure = error is not null ||
                              (run.AttemptedExports > 0 && run.FailedExports == run.AttemptedExports && run.Exported == 0);
        var reason = (string?)null;
        var quarantineError = error;
        if (error is not null) reason = "EncounteredQuarantineException";
        else if (completeFailure)
        {
            reason = "EncounteredQuarantineException";
            quarantineError = new SynchronizationError("InternalServerError",
                $"Every one of the {run.AttemptedExports} exports of the cycle failed; the instance is not accepting writes.", true);
        }
        else if (run.StagedDeletes || (!run.ForceDeletes && kind != CycleKind.OnDemand &&
                                       await state.CountAsync(ProvisioningTables.Escrow, [new QueryCondition("kind", QueryOperator.Equals, "StagedDelete")], cancellationToken) > 0))
        {
            // Held-back deletions keep the job quarantined until someone allows them or restarts it (spec 2.8).
            reason = "TooManyDeletes";
            quarantineError = new SynchronizationError("TooManyDeletes",
                $"The cycle would have disabled or deleted more than {job.Definition.Settings.DeletionThreshold} objects; they are held back as StagedDelete. " +
                "Allow them with `idbridge job restart <job> --reset ForceDeletes`, or fix the cause and restart.", true);
        }
        else if (kind != CycleKind.OnDemand)
        {
            var escrowed = await state.CountAsync(ProvisioningTables.Escrow, [
                new QueryCondition("kind", QueryOperator.Equals, "Retry"),
                new QueryCondition("reference_failure", QueryOperator.Equals, "false")], cancellationToken);
            var total = await state.CountAsync(ProvisioningTables.Escrow, [new QueryCondition("kind", QueryOperator.Equals, "Retry")], cancellationToken);
            var links = status.SynchronizedEntryCountByType.Sum(c => c.Value);
            if (total >= EvaluationStartsAt)
            {
                if (total > TotalThreshold) reason = "EncounteredTotalEscrowThreshold";
                else if (escrowed > BaseThreshold) reason = "EncounteredBaseEscrowThreshold";
                else if (escrowed > ProportionThreshold * (escrowed + links)) reason = "EncounteredEscrowProportionThreshold";
                if (reason is not null)
                    quarantineError = new SynchronizationError(reason,
                        $"{total} objects are failing ({escrowed} not counting references) against {links} provisioned; see the provisioning logs for their errors.", true);
            }
        }

        Quarantine? quarantine = status.Quarantine;
        // Read again: the job may have been paused while the cycle ran.
        var scheduleState = (await jobs.GetAsync(job.SysId, cancellationToken))?.ScheduleState ?? job.ScheduleState;
        if (reason is not null && kind != CycleKind.OnDemand)
        {
            var series = quarantine is null ? 1 : quarantine.SeriesCount + 1;
            var seriesBegan = quarantine?.SeriesBegan ?? now;
            quarantine = new Quarantine
            {
                CurrentBegan = quarantine?.Reason == reason ? quarantine.CurrentBegan : now,
                SeriesBegan = seriesBegan,
                SeriesCount = series,
                Reason = reason,
                Error = quarantineError,
                NextAttempt = now + RetryDelay(series),
            };
            if (now - seriesBegan > QuarantineLimit)
            {
                // Four weeks in quarantine: Entra disables the job (spec 2.7).
                scheduleState = "Disabled";
                await jobs.SetScheduleStateAsync(job, scheduleState, cancellationToken);
            }
        }
        else if (completed && (run.Exported > 0 || run.AttemptedExports == 0 || run.FailedExports < run.AttemptedExports))
            quarantine = null; // Any success lifts quarantine (spec 2.7).

        var lastSuccess = completed ? execution : status.LastSuccessfulExecution;
        var steady = completed && execution.CountEscrowed == 0 && kind != CycleKind.OnDemand;
        // Counted once per initial cycle and then carried forward, so a cycle's cost does not grow with the directory.
        // As in Entra, the count only grows until the connector data store is reset (spec 5.3).
        var previous = status.SynchronizedEntryCountByType;
        var (newUsers, newGroups) = run.NewLinks;
        var counts = kind == CycleKind.Initial || previous.Count == 0
            ? new List<EntryCount>
            {
                new("user", await state.CountAsync(ProvisioningTables.Link, [new QueryCondition("object_type", QueryOperator.Equals, "User")], cancellationToken)),
                new("group", await state.CountAsync(ProvisioningTables.Link, [new QueryCondition("object_type", QueryOperator.Equals, "Group")], cancellationToken)),
            }
            : [new("user", Count(previous, "user") + newUsers), new("group", Count(previous, "group") + newGroups)];
        status = status with
        {
            Code = scheduleState == "Paused" ? StatusCodes.Paused : quarantine is not null ? StatusCodes.Quarantine
                : lastSuccess is not null || kind == CycleKind.OnDemand && status.LastSuccessfulExecution is not null ? StatusCodes.Active : StatusCodes.NotRun,
            CountSuccessiveCompleteFailures = completeFailure ? status.CountSuccessiveCompleteFailures + 1 : completed ? 0 : status.CountSuccessiveCompleteFailures,
            LastExecution = kind == CycleKind.OnDemand ? status.LastExecution : execution,
            LastSuccessfulExecution = kind == CycleKind.OnDemand ? status.LastSuccessfulExecution : lastSuccess,
            LastSuccessfulExecutionWithExports = completed && execution.CountExported > 0 && kind != CycleKind.OnDemand
                ? execution : status.LastSuccessfulExecutionWithExports,
            Quarantine = quarantine,
            SteadyStateFirstAchievedTime = steady ? status.SteadyStateFirstAchievedTime ?? now : status.SteadyStateFirstAchievedTime,
            SteadyStateLastAchievedTime = steady ? now : status.SteadyStateLastAchievedTime,
            SynchronizedEntryCountByType = counts,
            Progress = [],
        };
        await jobs.SaveStatusAsync(job, status, cancellationToken);
        return status;
    }

    private static long Count(IReadOnlyList<EntryCount> counts, string key) => counts.FirstOrDefault(c => c.Key == key)?.Value ?? 0;

    /// <summary>Quarantine retries: 6, 12 and 24 hours after the first failure, then daily (spec 2.7).</summary>
    public static TimeSpan RetryDelay(long series) => series switch
    {
        <= 1 => TimeSpan.FromHours(6),
        2 => TimeSpan.FromHours(6),
        3 => TimeSpan.FromHours(12),
        _ => TimeSpan.FromHours(24),
    };
}
