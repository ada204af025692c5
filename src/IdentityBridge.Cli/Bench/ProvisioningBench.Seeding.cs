using System.Diagnostics;
using IdentityBridge.Cli.Commands;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Import;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>The size of a generated directory: users, groups and direct user memberships.</summary>
internal sealed record DirectorySize(int Users, int Groups, int Memberships)
{
    public long Objects => (long)Users + Groups + Memberships;

    public override string ToString() => $"{Users:N0} users, {Groups:N0} groups, {Memberships:N0} memberships";
}

internal sealed partial class ProvisioningBench
{
    private const int SeedBatch = TenantCommand.GenerateBatchSize;

    /// <summary>
    /// Fills the tenant's store with the generator's directory: users (bulk, with managers, departments, cities
    /// and companies), then groups, then memberships, each in transactions of <see cref="SeedBatch"/> rows with
    /// one change-log row per object, as delta rounds need. Whatever is there already is kept: an interrupted
    /// seeding of a kept store continues.
    /// </summary>
    private async Task SeedTenantAsync(BenchStoreLocation location, DirectorySize size, CancellationToken cancellationToken)
    {
        var directory = await TenantApp.OpenDirectoryAsync(TenantOptionsFor(location), cancellationToken);
        await using var store = directory.Store;
        var users = await store.CountAsync(DirectoryTables.User, EncodedQuery.Empty, cancellationToken);
        var groups = await store.CountAsync(DirectoryTables.Group, EncodedQuery.Empty, cancellationToken);
        var memberships = await store.CountAsync(DirectoryTables.GroupMember, EncodedQuery.Empty, cancellationToken);
        if (users >= size.Users && groups >= size.Groups && memberships >= size.Memberships)
        {
            console.MarkupLine($"  The directory holds {users:N0} users, {groups:N0} groups and {memberships:N0} memberships already; nothing to seed.");
            return;
        }
        if (users + groups + memberships > 0)
            console.MarkupLine($"  Resuming: the directory holds {users:N0} users, {groups:N0} groups and {memberships:N0} memberships.");

        var generator = new DirectoryGenerator(options.Seed, await TenantCommand.DefaultDomainAsync(directory, cancellationToken));
        var importer = new DirectoryImporter(directory, "bench");
        var clock = Stopwatch.StartNew();
        long written = 0;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var userTask = context.AddTask($"Users ({size.Users:N0})", maxValue: size.Users);
                var groupTask = context.AddTask($"Groups ({size.Groups:N0})", maxValue: size.Groups);
                var memberTask = context.AddTask($"Memberships ({size.Memberships:N0})", maxValue: size.Memberships);
                // Users are counted from the start: a batch whose users are all there costs one lookup.
                if (users < size.Users)
                    foreach (var batch in generator.Users(size.Users).Chunk(SeedBatch))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var results = await importer.ImportManyAsync(batch, generator, updateExisting: false, cancellationToken);
                        foreach (var (result, reason) in results)
                            if (result == ImportResult.Rejected) throw new InvalidOperationException("A generated user was rejected: " + reason);
                        written += results.Count(r => r.Result == ImportResult.Created);
                        userTask.Increment(batch.Length);
                    }
                userTask.Value = size.Users;

                if (groups < size.Groups)
                    foreach (var batch in Enumerable.Range(0, size.Groups).Select(generator.Group).Chunk(SeedBatch))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        written += await importer.ImportGroupsAsync(batch, cancellationToken);
                        groupTask.Increment(batch.Length);
                    }
                groupTask.Value = size.Groups;

                // Batches go in order, so the memberships there are (about) a prefix: start at its last whole batch.
                if (memberships < size.Memberships)
                {
                    var skip = memberships / SeedBatch * SeedBatch;
                    memberTask.Value = skip;
                    foreach (var batch in generator.Memberships(size.Memberships, size.Users, size.Groups).Skip((int)skip).Chunk(SeedBatch))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        written += await importer.ImportMembershipsAsync(batch, generator, cancellationToken);
                        memberTask.Increment(batch.Length);
                    }
                }
                memberTask.Value = size.Memberships;
            });
        _seeding.Add((size, written, clock.Elapsed));
        console.MarkupLine($"  Seeded {written:N0} objects in {clock.Elapsed.TotalSeconds:N1} s " +
                           $"({written / clock.Elapsed.TotalSeconds:N0} objects/s, one change-log row each).");
    }

    /// <summary>
    /// The instance's departments, locations and companies named as the generated users' department, city and
    /// companyName, so that the default mapping's lookups resolve (ServiceNow's references are never created by
    /// provisioning unless the job says so).
    /// </summary>
    private static async Task EnsureReferenceDataAsync(Store store, CancellationToken cancellationToken)
    {
        foreach (var (table, names) in new[]
                 {
                     (InstanceTables.Department, DirectoryGenerator.DepartmentNames),
                     (InstanceTables.Location, DirectoryGenerator.CityNames),
                     (InstanceTables.Company, DirectoryGenerator.CompanyNames),
                 })
        {
            var definition = store.Tables.Find(table)!;
            foreach (var name in names)
            {
                if (await store.FindAsync(definition, "name", name, cancellationToken) is not null) continue;
                var result = await store.InsertAsync(definition, new Dictionary<string, string?> { ["name"] = name }, new WriteOptions("bench"), cancellationToken);
                if (!result.Succeeded) throw new InvalidOperationException($"Could not create {table} '{name}': {result.Error!.Detail}");
            }
        }
    }
}
