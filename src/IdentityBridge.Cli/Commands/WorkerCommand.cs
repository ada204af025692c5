using System.CommandLine;
using IdentityBridge.Provisioning.Scheduling;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge worker</c>: runs the jobs on their schedules until Ctrl+C, a line per finished cycle. Stopping
/// finishes the objects in flight and writes state and logs; the next start continues an interrupted cycle.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var jobs = new Option<string[]>("--job")
        {
            Description = "Run only this job (name or job id); repeatable. Without it every job runs.",
        };
        var store = new ProvisioningBinding();
        var command = new Command("worker",
            "Run the provisioning jobs on their schedules (Entra's 40 minutes, another --interval, or continuous), " +
            "quarantined jobs on the quarantine schedule, paused ones not at all, until Ctrl+C. Ctrl+C lets the objects " +
            "in flight finish and saves state; the next start continues an interrupted cycle.");
        command.Options.Add(jobs);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var only = parse.GetValue(jobs) ?? [];
            var names = new List<string>();
            foreach (var name in only) names.Add((await ProvisioningBinding.FindJobAsync(host, name, CancellationToken.None)).Name);
            var all = await host.Jobs.ListAsync(CancellationToken.None);
            var running = names.Count > 0 ? names : all.Select(j => j.Name).ToList();
            if (running.Count == 0) throw new CliFailure("No jobs to run; create one with `idbridge job create`.");
            // Cycles that cannot run at all (an unreadable secret, a schema that no longer compiles) are reported by
            // the worker's log rather than stopping the others.
            var worker = new ProvisioningWorker(host.Engine, logger: new StandardErrorLogger(), logs: host.Logs);
            worker.CycleCompleted += cycle =>
            {
                var execution = cycle.Outcome.Execution;
                var failures = execution.CountEscrowed;
                Console.Out.WriteLine($"{ProvisioningBinding.Time(execution.TimeEnded)} {cycle.Job.Name}: {cycle.Outcome.Kind} {cycle.Outcome.State}, " +
                                      $"{execution.CountExported:N0} exported, {failures:N0} failed" +
                                      (cycle.Outcome.Error is { } error ? $" ({error.Code}: {error.Message})" : "") +
                                      (cycle.Outcome.Status.Quarantine is { } quarantine ? $", quarantined ({quarantine.Reason})" : "") +
                                      (cycle.Outcome.State == "Interrupted" ? ", continues at the next start" : $", next run {ProvisioningBinding.Time(cycle.NextRun)}"));
                Console.Out.Flush();
            };
            Console.Out.WriteLine($"Worker running {running.Count} job(s): {string.Join(", ", running)}. Ctrl+C stops it after the objects in flight.");
            Console.Out.Flush();
            await worker.RunAsync(names.Count > 0 ? names : null, cancellationToken);
            Console.Out.WriteLine("Worker stopped; state and logs are saved, and an interrupted cycle continues at the next start.");
            return 0;
        }, cancellationToken));
        return command;
    }
}

/// <summary>
/// The worker's warnings and errors on standard error, one line each with the message only: the engine's messages say
/// what failed and what to do, and a stack trace would bury that for a failure that is expected (a wrong secret, a
/// server that is down).
/// </summary>
internal sealed class StandardErrorLogger : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        Console.Error.WriteLine($"{ProvisioningBinding.Time(DateTimeOffset.UtcNow)} {(logLevel >= LogLevel.Error ? "error" : "warning")}: {formatter(state, exception)}");
    }
}
