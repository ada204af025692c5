using System.Security.Cryptography;
using IdentityBridge.Instance.Hosting;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// <c>idbridge bench instance</c>: seeds a store of <see cref="InstanceBenchOptions.Users"/> users and one of
/// <see cref="InstanceBenchOptions.SmallUsers"/>, starts an instance on each, and measures lookups, creates and a
/// filtered list page over HTTP and straight on the store.
/// </summary>
internal sealed class InstanceBench(InstanceBenchOptions options, IAnsiConsole console)
{
    private readonly BenchReport _report = new(options);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var workDirectory = options.DataDirectory ??
                            Path.Combine(Path.GetTempPath(), "idbridge-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}; load average {MachineCpu.LoadAverage()}");
        var locations = new List<BenchStoreLocation>();
        BenchTarget? large = null, small = null;
        var interrupted = false;
        try
        {
            var largeLocation = BenchStoreLocation.For(workDirectory, options.PostgresConnectionString, options.Users);
            locations.Add(largeLocation);
            var largePassword = await PrepareAsync(largeLocation, options.Users, cancellationToken);
            var smallLocation = BenchStoreLocation.For(workDirectory, options.PostgresConnectionString, options.SmallUsers);
            locations.Add(smallLocation);
            var smallPassword = await PrepareAsync(smallLocation, options.SmallUsers, cancellationToken);

            // Both instances run side by side, so that the lookups of the two sizes are measured one right after
            // the other, in the same state of the JIT, the thread pool and whatever else runs on the machine.
            large = await BenchTarget.StartAsync(largeLocation, options.Users, largePassword, options.Concurrency, cancellationToken);
            small = await BenchTarget.StartAsync(smallLocation, options.SmallUsers, smallPassword, options.Concurrency, cancellationToken);
            console.WriteLine();
            console.Write(new Rule("[bold]Measuring[/]").LeftJustified());
            console.MarkupLine($"  Instances on {Markup.Escape(large.Address)} ({options.Users:N0} users) and " +
                               $"{Markup.Escape(small.Address)} ({options.SmallUsers:N0} users); {options.Concurrency} clients each phase.");
            await MeasureAsync(large, small, cancellationToken);
        }
        // After Ctrl+C, whatever breaks (a cancelled request, a closed connection) is the interruption itself.
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            console.MarkupLine("[yellow bold]Interrupted; stopping.[/]");
        }
        finally
        {
            if (large is not null)
            {
                if (options.Keep)
                {
                    var removed = await UserSeeder.RemoveCreatedAsync(large.Instance.Store, CancellationToken.None);
                    if (removed > 0)
                        console.MarkupLine($"  Removed the {removed:N0} users the create phases made, so the kept store stays at {options.Users:N0}.");
                }
                await large.DisposeAsync();
            }
            if (small is not null) await small.DisposeAsync();
            await BenchStoreLocation.CleanUpAsync(locations, workDirectory, options.Keep,
                options.DataDirectory is not null, options.PostgresConnectionString is not null, console);
        }

        _report.Write(console, interrupted);
        if (options.JsonPath is { } json)
        {
            await _report.WriteJsonAsync(json, interrupted, CancellationToken.None);
            console.MarkupLine($"Figures written to {Markup.Escape(Path.GetFullPath(json))}.");
        }
        // A missed target is a measurement, not an error: only an interrupted run ends with a failure code.
        return interrupted ? 130 : 0;
    }

    /// <summary>
    /// Seeds the store, or finishes seeding a kept one, then gives its admin a fresh password: Bootstrap gives it to
    /// a new store's admin when the instance first starts, and a kept store's admin is reset to it here.
    /// </summary>
    private async Task<string> PrepareAsync(BenchStoreLocation location, int users, CancellationToken cancellationToken)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]{users:N0} users[/]: {Markup.Escape(location.Description)}").LeftJustified());
        _report.AddBackend($"{users:N0} users: {location.Description}");
        await location.PrepareAsync(cancellationToken);
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        await using var store = await InstanceApp.OpenStoreAsync(location.Instance, cancellationToken);
        if (await UserSeeder.SeedAsync(store, users, console, cancellationToken) is { } seeding)
        {
            _report.Add(seeding);
            console.MarkupLine($"  Seeded {seeding.Operations:N0} users in {seeding.Elapsed.TotalSeconds:N1} s: " +
                               $"[bold]{seeding.PerSecond:N0} inserts/s[/] (p50 {seeding.P50:N2} ms, p99 {seeding.P99:N2} ms).");
        }
        await UserSeeder.ResetAdminPasswordAsync(store, password, cancellationToken);
        return password;
    }

    /// <summary>
    /// HTTP and direct side by side for each operation, on the same store state. Creates come last so that the
    /// lookups and the list page see exactly the seeded users.
    /// </summary>
    private async Task MeasureAsync(BenchTarget large, BenchTarget small, CancellationToken cancellationToken)
    {
        await PhaseAsync(large, "lookup", "HTTP", large.Http.LookupAsync, cancellationToken);
        await PhaseAsync(small, "lookup", "HTTP", small.Http.LookupAsync, cancellationToken);
        await PhaseAsync(large, "lookup", "direct", large.Direct.LookupAsync, cancellationToken);
        await PhaseAsync(small, "lookup", "direct", small.Direct.LookupAsync, cancellationToken);
        console.MarkupLine($"  List page: {Markup.Escape(large.Workload.PageQuery)} ({large.Workload.MatchingRows:N0} rows, " +
                           $"{UserWorkload.PageSize} per page, at a random offset)");
        await PhaseAsync(large, "list page", "HTTP", large.Http.ListPageAsync, cancellationToken);
        await PhaseAsync(large, "list page", "direct", large.Direct.ListPageAsync, cancellationToken);
        await PhaseAsync(large, "create", "HTTP", large.Http.CreateAsync, cancellationToken);
        await PhaseAsync(large, "create", "direct", large.Direct.CreateAsync, cancellationToken);
    }

    private async Task PhaseAsync(BenchTarget target, string operation, string path, BenchOperation run,
        CancellationToken cancellationToken)
    {
        var label = $"{operation} · {path} @{target.Users:N0}";
        var measured = await console.Status().StartAsync(
            $"{Markup.Escape(label)}: {options.WarmUp.TotalSeconds:N0} s warm-up, then {options.Duration.TotalSeconds:N0} s measured",
            _ => LoadRunner.MeasureAsync(operation, path, target.Users, options.Concurrency, options.WarmUp, options.Duration, run,
                cancellationToken));
        _report.Add(measured);
        var failures = measured.Failures == 0 ? "" : $" [red bold]{measured.Failures:N0} FAILED[/]";
        var others = measured.Resources.OtherProcessesCpuPercent is { } busy && busy >= 10
            ? $" [yellow](other processes used {busy:N0} % of the CPU)[/]"
            : "";
        console.MarkupLine($"  {Markup.Escape(label),-28} {measured.PerSecond,8:N0}/s  p50 {measured.P50,7:N2} ms  " +
                           $"p99 {measured.P99,7:N2} ms  p99.9 {measured.P999,7:N2} ms{failures}{others}");
    }
}
