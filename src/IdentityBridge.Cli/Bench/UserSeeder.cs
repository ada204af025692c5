using System.Diagnostics;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// Fills a store with <see cref="BenchUsers"/> straight through <see cref="Store.InsertAsync"/>. Resumable: the
/// users already there are kept and only the missing ones are inserted, so an interrupted seeding of a kept
/// store continues where it stopped.
/// </summary>
internal static class UserSeeder
{
    private const int ScanPage = 10_000;

    /// <summary>
    /// SQLite takes one write at a time, but an insert also opens a connection, converts the values and builds
    /// its SQL; a couple of inserters per core keep the writer busy while the others do that.
    /// </summary>
    public static int Inserters => Math.Max(2, Environment.ProcessorCount) * 2;

    public static async Task<PhaseMeasurement?> SeedAsync(Store store, int users, IAnsiConsole console,
        CancellationToken cancellationToken)
    {
        await EnsureDepartmentsAsync(store, cancellationToken);
        var table = store.Tables.Find(InstanceTables.User)!;
        var seeded = EncodedQuery.Where("user_name", BenchUsers.SeededPrefix, QueryOperator.StartsWith);
        var existing = await store.CountAsync(table, seeded, cancellationToken);
        if (existing >= users)
        {
            console.MarkupLine($"  The store already holds {existing:N0} bench users; nothing to seed.");
            return null;
        }

        var missing = await MissingAsync(store, table, users, cancellationToken);
        if (existing > 0)
            console.MarkupLine($"  Resuming: the store holds {users - missing.Length:N0} of {users:N0} bench users; seeding the other {missing.Length:N0}.");

        var before = ResourceSnapshot.Take();
        var started = Stopwatch.GetTimestamp();
        var latencies = new LatencyHistogram[Inserters];
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Seeding {missing.Length:N0} users ({Inserters} inserters)", maxValue: missing.Length);
                var next = -1;
                var inserters = new Task[Inserters];
                for (var i = 0; i < Inserters; i++)
                {
                    var latency = latencies[i] = new LatencyHistogram();
                    inserters[i] = Task.Run(async () =>
                    {
                        int claimed;
                        while ((claimed = Interlocked.Increment(ref next)) < missing.Length)
                        {
                            var at = Stopwatch.GetTimestamp();
                            await InsertAsync(store, table, missing[claimed], cancellationToken);
                            latency.Record(Stopwatch.GetElapsedTime(at));
                            task.Increment(1);
                        }
                    }, cancellationToken);
                }
                await Task.WhenAll(inserters);
            });
        var elapsed = Stopwatch.GetElapsedTime(started);

        var total = new LatencyHistogram();
        foreach (var latency in latencies) total.Add(latency);
        return new PhaseMeasurement("seed", "direct", users, total.Count, 0, null, elapsed, total,
            ResourceUsage.Between(before, ResourceSnapshot.Take(), elapsed, total.Count));
    }

    /// <summary>
    /// Gives the store's admin the bench's password. A kept store's admin was made by an earlier run with another
    /// password; a new store has no admin yet, and the instance's first start creates one with the bench's.
    /// </summary>
    public static async Task ResetAdminPasswordAsync(Store store, string password, CancellationToken cancellationToken)
    {
        var table = store.Tables.Find(InstanceTables.User)!;
        if (await store.FindAsync(table, "user_name", "admin", cancellationToken) is not { } admin) return;
        var result = await store.UpdateAsync(table, admin.SysId, new Dictionary<string, string?>
        {
            ["user_password"] = password,
            ["active"] = "true",
            ["locked_out"] = "false",
            ["failed_attempts"] = "0",
        }, new WriteOptions("bench"), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"Could not reset the bench admin's password: {result.Error!.Detail}");
    }

    /// <summary>Removes the users the create phases made, so that a kept store is the same size on the next run.</summary>
    public static Task<int> RemoveCreatedAsync(Store store, CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(store.Tables.Find(InstanceTables.User)!,
            EncodedQuery.Where("user_name", BenchUsers.CreatedPrefix, QueryOperator.StartsWith), cancellationToken);

    private static async Task EnsureDepartmentsAsync(Store store, CancellationToken cancellationToken)
    {
        var table = store.Tables.Find(InstanceTables.Department)!;
        for (var i = 0; i < BenchUsers.DepartmentNames.Count; i++)
        {
            var sysId = BenchUsers.DepartmentSysId(i);
            if (await store.GetAsync(table, sysId, cancellationToken: cancellationToken) is not null) continue;
            var name = BenchUsers.DepartmentNames[i];
            var result = await store.InsertAsync(table, new Dictionary<string, string?>
            {
                ["sys_id"] = sysId,
                ["name"] = name,
                ["id"] = "D" + (i + 1).ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
                ["cost_center"] = "CC-" + name.ToUpperInvariant().Replace(' ', '-'),
            }, new WriteOptions("bench"), cancellationToken);
            if (!result.Succeeded) throw new InvalidOperationException($"Could not seed the department '{name}': {result.Error!.Detail}");
        }
    }

    /// <summary>The indexes below <paramref name="users"/> whose user is not in the store, read page by page by user_name.</summary>
    private static async Task<int[]> MissingAsync(Store store, TableDefinition table, int users, CancellationToken cancellationToken)
    {
        var present = new bool[users];
        string? last = null;
        while (true)
        {
            var query = EncodedQuery.Where("user_name", BenchUsers.SeededPrefix, QueryOperator.StartsWith);
            if (last is not null) query = query.And(new QueryCondition("user_name", QueryOperator.GreaterThan, last));
            var page = await store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = query with { Order = [new OrderTerm("user_name", Descending: false)] },
                Fields = ["user_name"],
                Limit = ScanPage,
            }, cancellationToken);
            foreach (var row in page.Rows)
                if (BenchUsers.TryParseIndex(row["user_name"], out var index) && index < users) present[index] = true;
            if (page.Rows.Count < ScanPage) break;
            last = page.Rows[^1]["user_name"];
        }
        return Enumerable.Range(0, users).Where(i => !present[i]).ToArray();
    }

    private static async Task InsertAsync(Store store, TableDefinition table, int index, CancellationToken cancellationToken)
    {
        var result = await store.InsertAsync(table, BenchUsers.Seeded(index), new WriteOptions("bench"), cancellationToken);
        if (!result.Succeeded)
            throw new InvalidOperationException($"Could not seed {BenchUsers.UserName(index)}: {result.Error!.Message}: {result.Error.Detail}");
    }
}
