using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge job</c>: provisioning jobs, as Graph's synchronization jobs: create, list, show, update, delete,
/// test-connection (validateCredentials), restart, pause and start.
/// </summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var command = new Command("job",
            "Provisioning jobs: each syncs a Microsoft Graph directory (Entra ID or an IdentityBridge tenant) into a " +
            "ServiceNow instance with a synchronization schema and Entra's settings.");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(ShowCommand());
        command.Subcommands.Add(UpdateCommand());
        command.Subcommands.Add(DeleteCommand());
        command.Subcommands.Add(TestConnectionCommand());
        command.Subcommands.Add(RestartCommand());
        command.Subcommands.Add(PauseCommand());
        command.Subcommands.Add(StartCommand());
        return command;
    }

    private static Command CreateCommand()
    {
        var options = new JobOptions(create: true);
        var store = new ProvisioningBinding();
        var command = new Command("create",
            "Create a job. Secrets come best from IDBRIDGE_SOURCE_CLIENT_SECRET, IDBRIDGE_INSTANCE_PASSWORD and " +
            "IDBRIDGE_INSTANCE_CLIENT_SECRET; they are stored encrypted with IDBRIDGE_PROVISIONING_KEY (or a key file under --data).");
        options.AddTo(command);
        store.AddTo(command);
        // The definition is checked (and the app looked up) before the store is opened, so that a refused create
        // leaves no empty store and no new key behind.
        command.SetAction((parse, cancellationToken) => ProvisioningBinding.GuardAsync(async () =>
        {
            var definition = await options.ApplyAsync(parse, null, [], cancellationToken);
            var problems = JobStore.Validate(definition);
            if (problems.Count > 0) throw new JobDefinitionException(problems);
            return await store.OpenAsync(parse, host => CreateAsync(host, definition, cancellationToken), cancellationToken, create: true);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> CreateAsync(ProvisioningHost host, JobDefinition definition, CancellationToken cancellationToken)
    {
        var job = await host.Jobs.CreateAsync(definition, cancellationToken);
        Console.Out.WriteLine($"Created job '{job.Name}'.");
        Console.Out.WriteLine($"Job id: {job.JobId}");
        var settings = job.Definition.Settings;
        Console.Out.WriteLine(settings.Scope == ProvisioningScope.AssignedUsersAndGroups
            ? $"Scope: users and groups assigned to the enterprise app {settings.ServicePrincipalId}."
            : "Scope: all users and groups.");
        var name = ProvisioningBinding.ShellName(job.Name);
        (string Command, string What)[] next =
        [
            ($"idbridge job test-connection {name}", "checks the directory and the instance"),
            ($"idbridge plan {name}", "shows what the first cycle would do"),
            ($"idbridge sync {name}", "runs one cycle now"),
            ("idbridge worker", $"runs every job on its schedule ({ProvisioningBinding.Schedule(job.Definition.Settings)})"),
        ];
        var width = next.Max(n => n.Command.Length) + 3;
        Console.Out.WriteLine("Next:");
        foreach (var (line, what) in next) Console.Out.WriteLine($"  {line.PadRight(width)}{what}");
        return 0;
    }

    private static Command ListCommand()
    {
        var store = new ProvisioningBinding();
        var command = new Command("list", "List the jobs: status, schedule, the last cycle and how many users and groups each has provisioned.");
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var jobs = await host.Jobs.ListAsync(cancellationToken);
            if (jobs.Count == 0)
            {
                Console.Out.WriteLine("No jobs yet; create one with `idbridge job create`.");
                return 0;
            }
            ProvisioningOutput.Table(["name", "job id", "status", "schedule", "last cycle", "users", "groups"],
                jobs.Select(job => (IReadOnlyList<string?>)
                [
                    job.Name, job.JobId, job.Status.Code,
                    $"{job.ScheduleState}, {ProvisioningBinding.Schedule(job.Definition.Settings)}",
                    job.Status.LastExecution is { } last ? $"{ProvisioningBinding.Time(last.TimeEnded)} {LastState(job, last)}" : "never",
                    Count(job.Status, "user"), Count(job.Status, "group"),
                ]));
            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Graph's task execution knows Succeeded, Failed and EntryLevelErrors only, so an interrupted cycle is stored as
    /// Failed; the job's running cycle tells it apart, and the next run continues it.
    /// </summary>
    private static string LastState(JobRecord job, TaskExecution last) =>
        job.RunningCycle is { } running && running == last.ActivityIdentifier ? "Interrupted (continues at the next run)" : last.State;

    private static string Count(SynchronizationStatus status, string key) =>
        (status.SynchronizedEntryCountByType.FirstOrDefault(c => c.Key == key)?.Value ?? 0).ToString("N0", CultureInfo.InvariantCulture);

    private static Command ShowCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var json = new Option<bool>("--json") { Description = "Print the job as Graph's synchronizationJob JSON (GET .../synchronization/jobs/{id})." };
        var store = new ProvisioningBinding();
        var command = new Command("show", "Show a job: its definition (secrets only as '(set)'), settings, schedule and status.");
        command.Arguments.Add(job);
        command.Options.Add(json);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            if (parse.GetValue(json)) Console.Out.WriteLine(GraphJob(record).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else Describe(record);
            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>The job as Graph's <c>synchronizationJob</c> resource.</summary>
    internal static JsonObject GraphJob(JobRecord job) => new()
    {
        ["id"] = job.JobId,
        ["templateId"] = "ServiceNowOutDelta",
        ["schedule"] = new JsonObject
        {
            ["expiration"] = null,
            // Graph writes the interval as an ISO 8601 duration (PT40M); continuous polling has none of its own.
            ["interval"] = XmlConvert.ToString(job.Definition.Settings.Interval),
            ["state"] = job.ScheduleState,
        },
        ["status"] = JsonSerializer.SerializeToNode(job.Status, JobStore.Json),
        ["synchronizationJobSettings"] = new JsonArray(new JsonObject
        {
            ["name"] = "QuarantineTooManyDeletesThreshold",
            ["value"] = job.Definition.Settings.DeletionThreshold.ToString(CultureInfo.InvariantCulture),
        }),
    };

    private static string Secret(string? value) => string.IsNullOrEmpty(value) ? "(not set)" : "(set)";

    private static void Describe(JobRecord job)
    {
        var d = job.Definition;
        var s = d.Settings;
        ProvisioningOutput.Field("Job", job.Name);
        ProvisioningOutput.Field("Job id", job.JobId);
        ProvisioningOutput.Field("Status", job.Status.Code);
        ProvisioningOutput.Field("Schedule", $"{job.ScheduleState}, {ProvisioningBinding.Schedule(s)}" +
                                             (job.NextRun is { } next ? $", next run {ProvisioningBinding.Time(next)}" : ""));
        Console.Out.WriteLine();
        Console.Out.WriteLine("Source (directory)");
        ProvisioningOutput.FieldIndented("Graph URL", d.Source.GraphUrl);
        ProvisioningOutput.FieldIndented("Authority", d.Source.Authority ?? "(from the Graph URL)");
        ProvisioningOutput.FieldIndented("Tenant id", d.Source.TenantId);
        ProvisioningOutput.FieldIndented("Client id", d.Source.ClientId);
        ProvisioningOutput.FieldIndented("Client secret", Secret(d.Source.ClientSecret));
        ProvisioningOutput.FieldIndented("Certificate", d.Source.CertificateSha256 is { } pin ? "pinned SHA-256 " + pin : "checked by its chain");
        Console.Out.WriteLine("Target (instance)");
        ProvisioningOutput.FieldIndented("Instance URL", d.Target.InstanceUrl);
        if (d.Target.Authentication == "oauth")
        {
            ProvisioningOutput.FieldIndented("Sign-in", "OAuth" + (d.Target.UserName is null ? " (client credentials)" : " (password grant)"));
            ProvisioningOutput.FieldIndented("Client id", d.Target.ClientId);
            ProvisioningOutput.FieldIndented("Client secret", Secret(d.Target.ClientSecret));
        }
        else ProvisioningOutput.FieldIndented("Sign-in", "Basic");
        if (d.Target.UserName is not null || d.Target.Authentication == "basic")
        {
            ProvisioningOutput.FieldIndented("User", d.Target.UserName);
            ProvisioningOutput.FieldIndented("Password", Secret(d.Target.Password));
        }
        ProvisioningOutput.FieldIndented("Limits", $"{d.Target.MaxConcurrency} requests in flight, " +
                                             (d.Target.MaxRequestsPerSecond is { } rate ? $"at most {rate.ToString(CultureInfo.InvariantCulture)}/s" : "no rate cap"));
        ProvisioningOutput.Field("Schema", d.Schema is null ? "the shipped ServiceNow default" : $"custom ({d.Schema.Length:N0} characters of Graph's JSON)");
        Console.Out.WriteLine("Settings");
        ProvisioningOutput.FieldIndented("Scope", s.Scope == ProvisioningScope.AssignedUsersAndGroups
            ? $"Sync only assigned users and groups (enterprise app {s.ServicePrincipalId})"
            : "Sync all users and groups" + (s.ServicePrincipalId is { } sp ? $" (enterprise app {sp})" : ""), 30);
        ProvisioningOutput.FieldIndented("SkipOutOfScopeDeletions", s.SkipOutOfScopeDeletions ? "true" : "false", 30);
        ProvisioningOutput.FieldIndented("Deletion threshold", s.DeletionThreshold == 0 ? "0 (guard off)" : s.DeletionThreshold.ToString(CultureInfo.InvariantCulture), 30);
        ProvisioningOutput.FieldIndented("Interval", ProvisioningBinding.Schedule(s), 30);
        ProvisioningOutput.FieldIndented("Flatten nested groups", s.FlattenNestedGroups ? "true" : "false", 30);
        ProvisioningOutput.FieldIndented("Matching filters", s.MatchingFilters.Count == 0 ? "none" : string.Join("; ", s.MatchingFilters.Select(f => $"{f.Key}: {f.Value}")), 30);
        ProvisioningOutput.FieldIndented("Missing references", s.MissingReferences == MissingReferencePolicy.Create ? "create the record" : "fail with InvalidLookupReference", 30);
        ProvisioningOutput.FieldIndented("Reference map", s.ReferenceMap.Count == 0 ? "none" : string.Join("; ", s.ReferenceMap.Select(m => $"{m.Key}: {m.Value.Count} value(s)")), 30);
        ProvisioningOutput.FieldIndented("Log retention", $"{s.LogRetentionDays} days", 30);
        Console.Out.WriteLine();
        var status = job.Status;
        ProvisioningOutput.Field("Provisioned", $"{Count(status, "user")} users, {Count(status, "group")} groups");
        ProvisioningOutput.Field("Last cycle", Execution(status.LastExecution) +
                                               (status.LastExecution is { } last && last.ActivityIdentifier == job.RunningCycle ? " (interrupted)" : ""));
        ProvisioningOutput.Field("Last success", Execution(status.LastSuccessfulExecution));
        if (status.Quarantine is { } quarantine)
        {
            ProvisioningOutput.Field("Quarantine", $"{quarantine.Reason} since {ProvisioningBinding.Time(quarantine.CurrentBegan)}, " +
                                                   $"next attempt {ProvisioningBinding.Time(quarantine.NextAttempt)}");
            if (quarantine.Error is { } error) ProvisioningOutput.Field("", $"{error.Code}: {error.Message}");
        }
        if (status.Progress.Count > 0 && job.RunningCycle is not null)
            foreach (var progress in status.Progress)
                ProvisioningOutput.Field("Progress", $"{progress.CompletedUnits:N0} of {progress.TotalUnits:N0} {progress.Units} " +
                                                     $"(seen {ProvisioningBinding.Time(progress.ProgressObservationDateTime)})");
        if (job.RunningCycle is { } running) ProvisioningOutput.Field("Interrupted", $"cycle {running}; the next run continues it");
        if (job.PendingRestart is { } pending) ProvisioningOutput.Field("Pending", pending + " (applied by the next cycle)");
    }

    private static string Execution(TaskExecution? execution) => execution is null
        ? "never"
        : $"{execution.State} at {ProvisioningBinding.Time(execution.TimeEnded)} ({ProvisioningBinding.FormatDuration(execution.TimeEnded - execution.TimeBegan)}), " +
          $"{execution.CountExported} exported, {execution.CountEscrowed} escrowed" + (execution.Error is { } e ? $"; {e.Code}: {e.Message}" : "");

    private static Command UpdateCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var options = new JobOptions(create: false);
        var store = new ProvisioningBinding();
        var command = new Command("update",
            "Change a job's settings, credentials or schema; only the options given change. A secret option given " +
            "without a value is read from its environment variable.");
        command.Arguments.Add(job);
        options.AddTo(command);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            if (!options.AnyGiven(parse))
                throw new CliFailure("Nothing to change: give the options to change, such as --interval 10m or --instance-password (see --help).");
            var notes = new List<string>();
            var definition = await options.ApplyAsync(parse, record.Definition, notes, cancellationToken);
            if (definition.Name != record.Name && await host.Jobs.FindAsync(definition.Name, cancellationToken) is not null)
                throw new CliFailure($"--name: a job named '{definition.Name}' exists already; choose another name.");
            var updated = await host.Jobs.UpdateDefinitionAsync(record, definition, cancellationToken);
            Console.Out.WriteLine($"Updated job '{updated.Name}'.");
            foreach (var note in notes) Console.Out.WriteLine(note.Replace("<job>", ProvisioningBinding.ShellName(updated.Name), StringComparison.Ordinal));
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command DeleteCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var yes = new Option<bool>("--yes", "-y") { Description = "Delete without asking (needed when the input is not a terminal)." };
        var store = new ProvisioningBinding();
        var command = new Command("delete",
            "Delete a job with its state (links, escrows, history) and its provisioning logs. The instance's records stay as they are.");
        command.Arguments.Add(job);
        command.Options.Add(yes);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            if (!parse.GetValue(yes))
            {
                if (Console.IsInputRedirected || Console.IsOutputRedirected)
                    throw new CliFailure($"Deleting job '{record.Name}' needs --yes when the input is not a terminal.");
                if (!await AnsiConsole.ConfirmAsync($"Delete job [bold]{Markup.Escape(record.Name)}[/] with its state and logs?", defaultValue: false,
                        cancellationToken))
                {
                    Console.Out.WriteLine("Nothing deleted.");
                    return 1;
                }
            }
            await host.DeleteJobAsync(record, cancellationToken);
            Console.Out.WriteLine($"Deleted job '{record.Name}' ({record.JobId}). The instance's records are unchanged.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command TestConnectionCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var store = new ProvisioningBinding();
        var command = new Command("test-connection",
            "Check the job's credentials as Entra's \"Test Connection\" does: a token from the directory, reading users, " +
            "groups and the app's assignments, signing in to the instance and its tables. Exit status 1 when a check fails.");
        command.Arguments.Add(job);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var checks = await host.Engine.TestConnectionAsync(record, cancellationToken);
            foreach (var check in checks)
            {
                Console.Out.WriteLine($"{ProvisioningOutput.Mark(check.Passed)} {check.Name}: {check.Detail}");
                if (!check.Passed && !string.IsNullOrEmpty(check.Fix)) Console.Out.WriteLine($"    fix: {check.Fix}");
            }
            var failed = checks.Count(c => !c.Passed);
            Console.Out.WriteLine(failed == 0 ? "All checks passed." : $"{failed} of {checks.Count} checks failed.");
            return failed == 0 ? 0 : 1;
        }, cancellationToken));
        return command;
    }

    private static Command RestartCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var reset = new Option<string?>("--reset")
        {
            Description = "What to clear, comma-separated (Graph's resetScope): None (the portal's restart: watermark, escrows, quarantine), " +
                          "Full, Watermark, Escrows, QuarantineState, ConnectorDataStore (forget the links to instance records), " +
                          "ForceDeletes (let deletions held back by the deletion threshold through).",
        };
        var store = new ProvisioningBinding();
        var command = new Command("restart", "Restart a job as Graph's restart does: clears what --reset names, and the next cycle runs at once.");
        command.Arguments.Add(job);
        command.Options.Add(reset);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var scope = ParseReset(parse.GetValue(reset));
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var restarted = await host.Engine.RestartAsync(record, scope, cancellationToken);
            var cleared = scope == RestartScope.None ? "watermark, escrows, quarantine" : scope.ToString();
            Console.Out.WriteLine($"Restarted job '{restarted.Name}' (reset: {cleared}).");
            Console.Out.WriteLine(restarted.UsersWatermark is null
                ? "The next cycle is an initial one: it reads the whole directory and evaluates every object."
                : "The next cycle continues from the watermark.");
            if (scope.HasFlag(RestartScope.ForceDeletes)) Console.Out.WriteLine("The next cycle sends the deletions that were held back.");
            Console.Out.WriteLine($"Run it now with `idbridge sync {ProvisioningBinding.ShellName(restarted.Name)}`, or let the worker run it.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static RestartScope ParseReset(string? text)
    {
        var scope = RestartScope.None;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0 || char.IsDigit(part[0]) || part[0] == '-' || !Enum.TryParse<RestartScope>(part, ignoreCase: true, out var one))
                throw new CliFailure($"--reset '{part}' is not a reset scope; give None, Full, Watermark, Escrows, QuarantineState, ConnectorDataStore or ForceDeletes, separated by commas.");
            scope |= one;
        }
        return scope;
    }

    private static Command PauseCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var store = new ProvisioningBinding();
        var command = new Command("pause", "Pause a job: the worker runs no cycles until it is started; its state is kept.");
        command.Arguments.Add(job);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var paused = await host.Engine.PauseAsync(record, cancellationToken);
            Console.Out.WriteLine($"Paused job '{paused.Name}'. `idbridge job start {ProvisioningBinding.ShellName(paused.Name)}` resumes it where it stopped.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command StartCommand()
    {
        var job = ProvisioningBinding.JobArgument();
        var store = new ProvisioningBinding();
        var command = new Command("start", "Start a paused or quarantined job (starting lifts quarantine); its next cycle is due at once.");
        command.Arguments.Add(job);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var quarantined = record.Status.Quarantine is not null;
            var started = await host.Engine.StartAsync(record, cancellationToken);
            Console.Out.WriteLine($"Started job '{started.Name}'{(quarantined ? " and lifted its quarantine" : "")}. " +
                                  "The worker runs its next cycle at once; `idbridge sync` runs one now.");
            return 0;
        }, cancellationToken));
        return command;
    }
}
