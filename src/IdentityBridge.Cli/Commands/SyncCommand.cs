using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge sync</c>: one cycle of a job now, with its progress, and a summary of what it did. Ctrl+C asks the
/// cycle to stop between objects; requests in flight finish, state and logs are written, and the next run continues.
/// </summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var job = ProvisioningBinding.JobArgument();
        var store = new ProvisioningBinding();
        var command = new Command("sync",
            "Run one cycle of a job now: initial when it has never run (or was restarted), incremental otherwise. " +
            "Ctrl+C stops it cleanly after the objects in flight; the next run continues the cycle. Exit status: 0 " +
            "Succeeded, 1 Failed, EntryLevelErrors or Interrupted.");
        command.Arguments.Add(job);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, CancellationToken.None);
            if (record.ScheduleState != "Active")
                Console.Out.WriteLine($"The job is {record.ScheduleState}; running one cycle anyway (the worker leaves it alone until `idbridge job start`).");
            if (record.RunningCycle is { } running) Console.Out.WriteLine($"Continuing the interrupted cycle {running}.");
            var progress = new CycleWatch();
            var started = Stopwatch.GetTimestamp();
            // Ctrl+C is the stop request, not a cancellation: the run's own token stays uncancelled so that requests in
            // flight complete and their results are recorded. A second Ctrl+C ends the process after its timeout.
            var options = new CycleOptions { Progress = progress, Stopping = cancellationToken };
            using var announce = cancellationToken.Register(() =>
                Console.Error.WriteLine("Stopping after the objects in flight; state and logs are being written..."));
            CycleOutcome outcome;
            if (ProvisioningOutput.Terminal)
                outcome = await LiveAsync(() => host.Engine.RunCycleAsync(record, options, CancellationToken.None), progress, started);
            else
            {
                progress.PrintLines = true;
                outcome = await host.Engine.RunCycleAsync(record, options, CancellationToken.None);
            }
            if (outcome.State == "Busy")
            {
                Console.Error.WriteLine(outcome.Error!.Message);
                return 1;
            }
            Summary(record, outcome, progress.Latest);
            return outcome.State == "Succeeded" ? 0 : 1;
        }, cancellationToken));
        return command;
    }

    /// <summary>The cycle under a live progress bar, redrawn from the latest report a few times a second.</summary>
    private static async Task<CycleOutcome> LiveAsync(Func<Task<CycleOutcome>> run, CycleWatch progress, long started)
    {
        CycleOutcome? outcome = null;
        var counters = new CountersColumn();
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), counters,
                new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("starting", maxValue: 1);
                bar.IsIndeterminate = true;
                var cycle = run();
                while (!cycle.IsCompleted)
                {
                    Update(bar, counters, progress.Latest, started);
                    await Task.WhenAny(cycle, Task.Delay(250));
                }
                outcome = await cycle;
                Update(bar, counters, progress.Latest, started);
                bar.StopTask();
            });
        return outcome!;
    }

    private static void Update(ProgressTask bar, CountersColumn counters, CycleProgress? latest, long started)
    {
        if (latest is null) return;
        bar.Description = Markup.Escape(latest.Phase);
        bar.IsIndeterminate = latest.Total == 0;
        bar.MaxValue = Math.Max(1, latest.Total);
        bar.Value = Math.Min(latest.Completed, bar.MaxValue);
        var rate = latest.Completed / Math.Max(0.001, Stopwatch.GetElapsedTime(started).TotalSeconds);
        counters.Text = $"{latest.Completed:N0}/{latest.Total:N0} objects  {rate.ToString("0.0", CultureInfo.InvariantCulture)}/s  " +
                        $"{latest.Exported:N0} exported  {latest.Failed:N0} failed";
    }

    /// <summary>The cycle's counters beside the bar, so that the phase keeps the description column short.</summary>
    private sealed class CountersColumn : ProgressColumn
    {
        public string Text { get; set; } = "";

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(Text, new Style(Color.Grey));
    }

    internal static string Describe(CycleProgress latest, long started)
    {
        var seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(started).TotalSeconds);
        var rate = latest.Completed / seconds;
        return $"{latest.Phase}: {latest.Completed:N0}/{latest.Total:N0} objects, {rate.ToString("0.0", CultureInfo.InvariantCulture)}/s, " +
               $"{latest.Exported:N0} exported, {latest.Failed:N0} failed";
    }

    private static void Summary(JobRecord job, CycleOutcome outcome, CycleProgress? latest)
    {
        var execution = outcome.Execution;
        var duration = execution.TimeEnded - execution.TimeBegan;
        var objects = latest?.Completed ?? outcome.Totals.Values.Sum();
        Console.Out.WriteLine();
        Console.Out.WriteLine($"{outcome.Kind} cycle {outcome.CycleId} of job '{job.Name}': {outcome.State}");
        Console.Out.WriteLine($"  duration {ProvisioningBinding.FormatDuration(duration)}, {objects:N0} objects " +
                              $"({(objects / Math.Max(0.001, duration.TotalSeconds)).ToString("0.0", CultureInfo.InvariantCulture)}/s), " +
                              $"{execution.CountImported:N0} read from the directory, {execution.CountExported:N0} exported");
        if (outcome.Totals.Count > 0)
            Console.Out.WriteLine("  " + string.Join(", ", outcome.Totals.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => $"{Key(t.Key)} {t.Value:N0}")));
        if (execution.CountEscrowed > 0)
            Console.Out.WriteLine($"  {execution.CountEscrowed:N0} objects failed and are retried in later cycles (escrowed).");
        if (outcome.Error is { } error) Console.Out.WriteLine($"  error {error.Code}: {error.Message}");
        if (outcome.Status.Quarantine is { } quarantine)
        {
            Console.Out.WriteLine($"  The job is in quarantine: {quarantine.Reason}" +
                                  (quarantine.Error is { } q ? $" ({q.Code}: {q.Message})" : "") +
                                  $"; next attempt {ProvisioningBinding.Time(quarantine.NextAttempt)}.");
            Console.Out.WriteLine("  Fix the cause, then `idbridge job start` (or `idbridge job restart`) lifts it.");
        }
        switch (outcome.State)
        {
            case "Interrupted":
                Console.Out.WriteLine("  Interrupted: the objects in flight finished and state and logs are saved. The next run " +
                                      $"(`idbridge sync {ProvisioningBinding.ShellName(job.Name)}` or the worker) continues this cycle.");
                break;
            case "EntryLevelErrors":
                Console.Out.WriteLine("  Some objects failed (EntryLevelErrors); their log entries say why and what to do.");
                break;
            case "Failed":
                Console.Out.WriteLine("  The cycle failed as a whole; the error above says why.");
                break;
        }
        Console.Out.WriteLine($"  Details: idbridge provisioning-logs {ProvisioningBinding.ShellName(job.Name)} --cycle {outcome.CycleId}" +
                              (outcome.State == "Succeeded" ? "" : " --status failure"));
    }

    /// <summary><c>Create/Success</c> as <c>create success</c>.</summary>
    private static string Key(string key) => string.Join(' ', key.Split('/').Select(part => part switch
    {
        "StagedDelete" => "stagedDelete",
        _ => part.ToLowerInvariant(),
    }));
}

/// <summary>
/// Keeps the latest progress of a cycle. <see cref="Progress{T}"/> would post reports to the thread pool out of
/// order; this keeps the last one as it is reported, and prints plain lines when there is no terminal to redraw.
/// </summary>
internal sealed class CycleWatch : IProgress<CycleProgress>
{
    private readonly Lock _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private string? _lastPhase;
    private long _lastPrinted;

    public bool PrintLines { get; set; }

    public CycleProgress? Latest { get; private set; }

    public void Report(CycleProgress value)
    {
        lock (_gate)
        {
            Latest = value;
            if (!PrintLines) return;
            var now = Stopwatch.GetTimestamp();
            if (value.Phase == _lastPhase && Stopwatch.GetElapsedTime(_lastPrinted, now) < TimeSpan.FromSeconds(1)) return;
            _lastPhase = value.Phase;
            _lastPrinted = now;
            Console.Out.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {SyncCommand.Describe(value, _started)}");
            Console.Out.Flush();
        }
    }
}
