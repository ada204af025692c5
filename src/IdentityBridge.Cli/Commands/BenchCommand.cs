using System.CommandLine;
using System.Runtime.InteropServices;
using IdentityBridge.Cli.Bench;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary><c>idbridge bench</c>: measurements of IdentityBridge on this machine, one subcommand per part.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench",
            "Measure the parts of IdentityBridge on this machine. Each subcommand seeds its own data, runs a fixed " +
            "workload and prints throughput, latency percentiles and memory next to the project's targets.");
        command.Subcommands.Add(CreateInstance());
        command.Subcommands.Add(CreateTenant());
        command.Subcommands.Add(ExpressionsBenchCommand.Create());
        command.Subcommands.Add(CreateProvisioning());
        command.Subcommands.Add(CreateSaml());
        command.Subcommands.Add(CreateIdp());
        return command;
    }

    private static Command CreateSaml()
    {
        var responses = PositiveInt("--responses", "N", 20_000, "Responses validated on one thread (signed beforehand, not measured).");
        var duration = PositiveInt("--duration", "seconds", 10, "Time the HTTP phase is measured, after 2 seconds of unmeasured warm-up.");
        var concurrency = PositiveInt("--concurrency", "clients", 8, "Concurrent browsers posting to the ACS in the HTTP phase.");
        var json = new Option<string?>("--json") { HelpName = "file", Description = "Also write the figures, target and verdict to this JSON file." };
        var command = new Command("saml",
            "Benchmark the instance's SAML assertion consumer service: the raw RSA-2048 verify rate of the key (the floor), " +
            "full validations on one thread (parse, structure, signature, every check and the replay insert into SQLite; " +
            "target: 3,000/s per core), and sign-ins over HTTP at /navpage.do with --concurrency browsers (validation, user " +
            "lookup and session). A missed target is reported as MISSED; the exit code stays 0.");
        foreach (var option in new Option[] { responses, duration, concurrency, json }) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => MeasureAsync(
            (console, token) => SamlBench.RunAsync(new SamlBenchOptions
            {
                Responses = parse.GetValue(responses),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Concurrency = parse.GetValue(concurrency),
            }, console, token),
            SamlBench.Write, SamlBench.ToJson, _ => 0, parse.GetValue(json), cancellationToken));
        return command;
    }

    private static Command CreateIdp()
    {
        var users = PositiveInt("--users", "N", 1_000, "Directory users, each signed in to the tenant once before the round trips.");
        var duration = PositiveInt("--duration", "seconds", 10, "Time the round trips are measured (and the issue phases together), after a warm-up.");
        var concurrency = PositiveInt("--concurrency", "clients", 8, "Concurrent browsers clicking the tile in the round-trip phase.");
        var json = new Option<string?>("--json") { HelpName = "file", Description = "Also write the figures to this JSON file." };
        var command = new Command("idp",
            "Benchmark the tenant's SAML identity provider: IdP-initiated responses issued per second (settings and claims " +
            "read, response built and signed with the app's RSA-2048 certificate) and full round trips over loopback, from a " +
            "My Apps tile click at the tenant over HTTPS to a session on the instance (its metadata imported from the tenant).");
        foreach (var option in new Option[] { users, duration, concurrency, json }) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => MeasureAsync(
            (console, token) => IdpBench.RunAsync(new IdpBenchOptions
            {
                Users = parse.GetValue(users),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Concurrency = parse.GetValue(concurrency),
            }, console, token),
            IdpBench.Write, IdpBench.ToJson, result => result.Clean ? 0 : 1, parse.GetValue(json), cancellationToken));
        return command;
    }

    private static Command CreateInstance()
    {
        var users = PositiveInt("--users", "N", 100_000, "Users in the store the figures are about.");
        var small = PositiveInt("--small", "N", 1_000,
            "Users in a second store, for comparison: lookups at --users may take at most 1.5 times as long as at --small.");
        var duration = PositiveInt("--duration", "seconds", 10, "Time each phase is measured, after 2 seconds of unmeasured warm-up.");
        var concurrency = PositiveInt("--concurrency", "clients", 16, "Concurrent clients, each with its own keep-alive connection.");
        var data = new Option<string?>("--data")
        {
            HelpName = "dir",
            Description = "Work directory; the stores go in users-<N>/ below it. Default: a new temporary directory. " +
                          "Without --keep the stores are deleted afterwards.",
        };
        var keep = new Option<bool>("--keep")
        {
            Description = "Keep the stores. A later run with the same --data (or --postgres) and --keep reuses them, and " +
                          "finishes an interrupted seeding instead of starting again.",
        };
        // Deliberately not read from IDBRIDGE_POSTGRES: the bench writes 100,000 users, so it only goes to a
        // database it is pointed at on its own command line.
        var postgres = new Option<string?>("--postgres")
        {
            HelpName = "connection-string",
            Description = "Npgsql connection string: run on PostgreSQL instead of SQLite, in the schemas " +
                          "idbridge_bench_<N> of that database (dropped afterwards unless --keep).",
        };
        var json = new Option<string?>("--json") { HelpName = "file", Description = "Also write the figures, targets and verdict to this JSON file." };

        var command = new Command("instance",
            "Benchmark the ServiceNow-compatible instance as the issue asks: on a store of --users users, over HTTP with " +
            "--concurrency keep-alive clients, lookups by user_name (target: 5,000/s with p99 under 10 ms), creates " +
            "(target: 2,000/s) and a filtered list page; the same operations straight on the store, so that the HTTP " +
            "layer's cost shows as a ratio; lookups on a store of --small users (target: lookups at --users take at most " +
            "1.5 times as long); and the process's peak memory. A missed target is reported as MISSED; the exit code stays 0.");
        foreach (var option in new Option[] { users, small, duration, concurrency, data, keep, postgres, json })
            command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(small) >= parse.GetValue(users))
            {
                Console.Error.WriteLine("--small must be smaller than --users: it is the size the large store's lookups are compared with.");
                return 2;
            }
            var options = new InstanceBenchOptions
            {
                Users = parse.GetValue(users),
                SmallUsers = parse.GetValue(small),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Concurrency = parse.GetValue(concurrency),
                DataDirectory = parse.GetValue(data),
                Keep = parse.GetValue(keep),
                PostgresConnectionString = parse.GetValue(postgres),
                JsonPath = parse.GetValue(json),
            };
            // System.CommandLine 2.0.0 turns Ctrl+C into this action's cancellation only when
            // InvocationConfiguration.ProcessTerminationTimeout is set, which it is not by default; and once the
            // instances run, their hosts take SIGINT and SIGTERM to stop Kestrel alone. So the bench listens itself,
            // and Ctrl+C ends the run cleanly: stores closed, a temporary directory removed, what was measured shown.
            return await RunInterruptiblyAsync(token => new InstanceBench(options, BenchConsole()).RunAsync(token), cancellationToken);
        });
        return command;
    }

    private static Command CreateTenant()
    {
        var users = PositiveInt("--users", "N", 1_000_000, "Users in the generated directory the figures are about.");
        var small = PositiveInt("--small", "N", 10_000,
            "Users in a second directory, for comparison: a delta round at --users may take at most 1.5 times as long as at --small.");
        var data = new Option<string?>("--data")
        {
            HelpName = "dir",
            Description = "Work directory; the directories go in tenant-users-<N>/ below it. Default: a new temporary directory. " +
                          "Without --keep they are deleted afterwards.",
        };
        var keep = new Option<bool>("--keep")
        {
            Description = "Keep the generated directories. A later run with the same --data (or --postgres) and --keep reuses " +
                          "them, and finishes an interrupted seeding instead of starting again.",
        };
        var postgres = new Option<string?>("--postgres")
        {
            HelpName = "connection-string",
            Description = "Npgsql connection string: run on PostgreSQL instead of SQLite, in the schemas " +
                          "idbridge_bench_tenant_<N> of that database (dropped afterwards unless --keep).",
        };
        var json = new Option<string?>("--json") { HelpName = "file", Description = "Also write the figures, targets and verdict to this JSON file." };
        var command = new Command("tenant",
            "Benchmark the Entra-compatible tenant as the issue asks: on a generated directory of --users users, served over " +
            "HTTPS, a full read of the users through Graph paging ($top=999 and @odata.nextLink; target: 50,000 users/s), " +
            "and delta rounds after 100 changes at --small and at --users users (target: p50 under 100 ms, and at --users " +
            "at most 1.5 times the p50 at --small). Seeding is bulk and resumable. A missed target is reported as MISSED; " +
            "the exit code stays 0.");
        foreach (var option in new Option[] { users, small, data, keep, postgres, json })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(small) >= parse.GetValue(users))
            {
                Console.Error.WriteLine("--small must be smaller than --users: it is the size the large directory's delta rounds are compared with.");
                return Task.FromResult(2);
            }
            var options = new TenantBenchOptions
            {
                Users = parse.GetValue(users),
                SmallUsers = parse.GetValue(small),
                DataDirectory = parse.GetValue(data),
                Keep = parse.GetValue(keep),
                PostgresConnectionString = parse.GetValue(postgres),
                JsonPath = parse.GetValue(json),
            };
            return RunInterruptiblyAsync(token => new TenantBench(options, BenchConsole()).RunAsync(token), cancellationToken);
        });
        return command;
    }

    private static Command CreateProvisioning()
    {
        var users = PositiveInt("--users", "N", 100_000, "Users in the generated directory.");
        var groups = PositiveInt("--groups", "N", 2_000, "Groups in the generated directory.");
        var memberships = PositiveInt("--memberships", "N", 300_000, "Direct user memberships, spread evenly over the groups.");
        var seed = PositiveInt("--seed", "N", 1, "The generator's seed: the same seed gives the same directory.");
        var large = new Option<int>("--large")
        {
            HelpName = "N",
            Description = "Also measure incremental cycles in a directory of N users (such as 1000000), with --large-groups groups and " +
                          "--large-memberships memberships. Its instance and provisioning state are loaded in bulk to what an initial " +
                          "cycle leaves (the initial cycle is not measured there), and kept with --keep. 0 leaves it out.",
            DefaultValueFactory = _ => 0,
        };
        var largeGroups = PositiveInt("--large-groups", "N", 2_000, "Groups in the --large directory.");
        var largeMemberships = PositiveInt("--large-memberships", "N", 300_000, "Memberships in the --large directory.");
        var concurrency = PositiveInt("--concurrency", "requests", 8, "The job's concurrent requests to the instance (Entra's ServiceNow default is about 8).");
        var changes = PositiveInt("--changes", "N", 100, "Directory changes before each incremental cycle.");
        var rounds = PositiveInt("--rounds", "N", 5, "Measured incremental cycles at each size, after one unmeasured.");
        var continuous = PositiveInt("--continuous-changes", "N", 10, "Changes timed in continuous mode.");
        var poll = new Option<double>("--poll")
        {
            HelpName = "seconds",
            Description = "The job's poll interval in continuous mode.",
            DefaultValueFactory = _ => 2,
        };
        var data = new Option<string?>("--data")
        {
            HelpName = "dir",
            Description = "Work directory: the tenant in provisioning-tenant-users-<N>/, the instance and the provisioning store beside it. " +
                          "Default: a new temporary directory. Without --keep everything is deleted afterwards.",
        };
        var keep = new Option<bool>("--keep")
        {
            Description = "Keep the stores. A later run with the same --data and --keep reuses the generated directories (and finishes an " +
                          "interrupted seeding); the instance and provisioning store of --users start empty every run, those of --large are reused.",
        };
        var incrementalOnly = new Option<bool>("--incremental-only")
        {
            Description = "Skip the initial cycle: reuse the instance and job of --users kept by an earlier run with the same --data and " +
                          "--keep, and measure incremental cycles and continuous mode only.",
        };
        var command = new Command("provisioning",
            "Benchmark the provisioning engine as the issue asks: a generated directory of --users users, --groups groups and " +
            "--memberships memberships in a tenant over HTTPS, an empty instance, and a job syncing all users and groups. Measures " +
            "the initial cycle (target: under 5 minutes and 1 GB), incremental cycles after --changes changes (target: under 2 s, " +
            "also at --large users), and the delay of a change in continuous mode (target: under 5 s); and where each cycle's " +
            "time goes. A missed target is reported as NOT MET; the exit code stays 0.");
        foreach (var option in new Option[] { users, groups, memberships, seed, large, largeGroups, largeMemberships, concurrency, changes, rounds,
                     continuous, poll, data, keep, incrementalOnly })
            command.Options.Add(option);
        command.SetAction((parse, cancellationToken) =>
        {
            var size = new DirectorySize(parse.GetValue(users), parse.GetValue(groups), parse.GetValue(memberships));
            var largeUsers = parse.GetValue(large);
            var largeSize = largeUsers > 0 ? new DirectorySize(largeUsers, parse.GetValue(largeGroups), parse.GetValue(largeMemberships)) : null;
            foreach (var s in new[] { size, largeSize }.OfType<DirectorySize>())
                if ((s.Memberships + s.Users - 1) / s.Users > s.Groups)
                {
                    Console.Error.WriteLine($"{s}: a user would be in more groups than there are; give more groups or fewer memberships.");
                    return Task.FromResult(2);
                }
            if (largeSize is not null && largeSize.Users == size.Users)
            {
                Console.Error.WriteLine("--large must differ from --users: the two directories are kept apart by their size.");
                return Task.FromResult(2);
            }
            if (parse.GetValue(poll) is var seconds && (seconds <= 0 || seconds > 600))
            {
                Console.Error.WriteLine("--poll must be between 0 and 600 seconds.");
                return Task.FromResult(2);
            }
            var options = new ProvisioningBenchOptions
            {
                Size = size,
                Large = largeSize,
                Seed = parse.GetValue(seed),
                Concurrency = parse.GetValue(concurrency),
                Changes = Math.Max(5, parse.GetValue(changes)),
                Rounds = parse.GetValue(rounds),
                ContinuousChanges = parse.GetValue(continuous),
                PollInterval = TimeSpan.FromSeconds(parse.GetValue(poll)),
                DataDirectory = parse.GetValue(data),
                Keep = parse.GetValue(keep),
                IncrementalOnly = parse.GetValue(incrementalOnly),
            };
            if (options.IncrementalOnly && (options.DataDirectory is null || !options.Keep))
            {
                Console.Error.WriteLine("--incremental-only reuses kept stores: give --data and --keep.");
                return Task.FromResult(2);
            }
            return RunInterruptiblyAsync(token => new ProvisioningBench(options, BenchConsole()).RunAsync(token), cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Runs a bench that measures, then prints its figures and writes them to <paramref name="jsonPath"/> when one is
    /// given; Ctrl+C ends it with exit code 130 before the figures.
    /// </summary>
    private static Task<int> MeasureAsync<TResult>(Func<IAnsiConsole, CancellationToken, Task<TResult>> measure,
        Action<IAnsiConsole, TResult> write, Func<TResult, object> toJson, Func<TResult, int> exitCode, string? jsonPath,
        CancellationToken cancellationToken) =>
        RunInterruptiblyAsync(async token =>
        {
            var console = BenchConsole();
            TResult result;
            try
            {
                result = await measure(console, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                console.MarkupLine("[yellow]Interrupted before the figures were complete.[/]");
                return 130;
            }
            write(console, result);
            if (jsonPath is not null) await BenchReport.WriteFiguresAsync(console, jsonPath, toJson(result), token);
            return exitCode(result);
        }, cancellationToken);

    private static IAnsiConsole BenchConsole()
    {
        var console = AnsiConsole.Console;
        // Redirected output (a file, a CI log) has no width, and Spectre then folds the tables into 80 columns.
        if (System.Console.IsOutputRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 160);
        return console;
    }

    /// <summary>
    /// Runs a bench so that Ctrl+C (or SIGTERM) ends it cleanly: stores closed, a temporary directory removed, what
    /// was measured shown (see the instance bench for why the bench listens to the signals itself).
    /// </summary>
    private static async Task<int> RunInterruptiblyAsync(Func<CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        return await run(interrupted.Token);

        void Interrupt(PosixSignalContext context)
        {
            if (interrupted.IsCancellationRequested) return; // a second Ctrl+C is not held back here
            context.Cancel = true;
            // Not Cancel(): that would run the whole wind-down on the signal's thread.
            _ = interrupted.CancelAsync();
        }
    }

    private static Option<int> PositiveInt(string name, string helpName, int defaultValue, string description)
    {
        var option = new Option<int>(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError($"{name} must be at least 1.");
        });
        return option;
    }
}
