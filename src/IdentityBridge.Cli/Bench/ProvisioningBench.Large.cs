using System.Text.Json;
using System.Web;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The large directory: only incremental cycles are measured there. Its instance and provisioning state are loaded
/// in bulk to what an initial cycle leaves (records, links, memberships, watermarks), once, and kept with --keep.
/// </summary>
internal sealed partial class ProvisioningBench
{
    private const string LargeJob = "bench-large";
    private const int LoadPage = 1_000;

    /// <summary>The query of the job's deltaLinks without their token ($select and all), taken from the measured job.</summary>
    private (string Users, string Groups)? _deltaQueries;

    private async Task LargeAsync(string workDirectory, DirectorySize size, TenantCertificate certificate, List<BenchStoreLocation> locations,
        CancellationToken cancellationToken)
    {
        var tenantStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-tenant");
        var instanceStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-instance");
        var stateStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-state");
        locations.AddRange([tenantStore, instanceStore, stateStore]);
        await SeedTenantAsync(tenantStore, size, cancellationToken);

        await using var world = await World.StartAsync(this, tenantStore, instanceStore, stateStore, certificate, cancellationToken);
        var job = await world.CreateJobAsync(LargeJob, cancellationToken);
        if (job.UsersWatermark is null)
        {
            console.MarkupLine("  [yellow]The instance and the provisioning state of this directory are LOADED IN BULK to the state an initial " +
                               "cycle leaves; its initial cycle is not measured.[/]");
            await LoadInitialStateAsync(world, job, cancellationToken);
        }
        else console.MarkupLine("  Reusing the instance and provisioning state loaded (and kept) by an earlier run.");
        _notes.Add($"At {size.Users:N0} users the instance and the job's state were loaded in bulk to what an initial cycle leaves " +
                   "(records, links, memberships); only incremental cycles were measured there.");

        // The last cycle of any earlier run left the instance in step with the directory, so the job continues from now.
        var queries = _deltaQueries ?? throw new InvalidOperationException("The measured job has no deltaLinks to copy the query from.");
        job = (await world.Jobs.GetAsync(job.SysId, cancellationToken))!;
        await world.Jobs.SetWatermarksAsync(job, await LatestLinkAsync(world, "users", queries.Users, cancellationToken),
            await LatestLinkAsync(world, "groups", queries.Groups, cancellationToken), cancellationToken);
        job = (await world.Jobs.GetAsync(job.SysId, cancellationToken))!;

        console.WriteLine();
        console.Write(new Rule($"[bold]Incremental cycles after {options.Changes} changes[/] @{size.Users:N0} users").LeftJustified());
        _incremental[size.Users] = await IncrementalAsync(world, job, size, cancellationToken);
    }

    /// <summary>Remembers the query of the measured job's deltaLinks, for the large job's.</summary>
    private void RememberDeltaQueries(JobRecord job)
    {
        if (job.UsersWatermark is { } users && job.GroupsWatermark is { } groups) _deltaQueries = (WithoutToken(users), WithoutToken(groups));
    }

    /// <summary>A deltaLink's query without its token: what the job asks for ($select and all).</summary>
    private static string WithoutToken(string link)
    {
        var query = HttpUtility.ParseQueryString(new Uri(link).Query);
        query.Remove("$deltatoken");
        query.Remove("$skiptoken");
        return string.Join("&", query.AllKeys.Select(k => $"{k}={Uri.EscapeDataString(query[k]!)}"));
    }

    /// <summary>A deltaLink from now ($deltatoken=latest) with the given query, from this world's tenant.</summary>
    private static async Task<string> LatestLinkAsync(World world, string entitySet, string query, CancellationToken cancellationToken)
    {
        using var response = await world.Graph.GetAsync($"{entitySet}/delta?{query}&$deltatoken=latest", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The {entitySet} delta answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("@odata.deltaLink").GetString()!;
    }

    /// <summary>
    /// Writes, from the tenant's store, what an initial cycle of the default schema writes: a sys_user per enabled
    /// user (a disabled user not yet in the instance is not created), a sys_user_group per group, a
    /// sys_user_grmember per membership of an enabled user; and the job's links and memberships. Records take the
    /// directory object's own sys_id, so references (manager, group, user) are known without lookups. Resumable:
    /// rows already there are kept.
    /// </summary>
    private async Task LoadInitialStateAsync(World world, JobRecord job, CancellationToken cancellationToken)
    {
        var instance = world.Instance.Store;
        var references = new Dictionary<string, Dictionary<string, string>>();
        foreach (var table in new[] { InstanceTables.Department, InstanceTables.Location, InstanceTables.Company })
        {
            var rows = await instance.QueryAsync(new RecordQuery { Table = instance.Tables.Find(table)!, Fields = ["sys_id", "name"], Limit = 10_000 },
                cancellationToken);
            references[table] = rows.Rows.Where(r => r["name"] is not null).GroupBy(r => r["name"]!, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().SysId, StringComparer.OrdinalIgnoreCase);
        }
        string? Reference(string table, string? name) => name is not null && references[table].TryGetValue(name, out var sysId) ? sysId : null;

        var tenant = world.Tenant.Store;
        var users = await tenant.CountAsync(DirectoryTables.User, EncodedQuery.Empty, cancellationToken);
        var groups = await tenant.CountAsync(DirectoryTables.Group, EncodedQuery.Empty, cancellationToken);
        var memberships = await tenant.CountAsync(DirectoryTables.GroupMember, EncodedQuery.Empty, cancellationToken);
        var disabled = new HashSet<string>(StringComparer.Ordinal);
        var now = GlideDateTimes.Format(DateTimeOffset.UtcNow);
        var writer = new WriteOptions("provisioning");
        var userTable = instance.Tables.Find(InstanceTables.User)!;
        var groupTable = instance.Tables.Find("sys_user_group")!;
        var memberTable = instance.Tables.Find("sys_user_grmember")!;

        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var userTask = context.AddTask($"sys_user and links ({users:N0})", maxValue: Math.Max(1, users));
                await foreach (var page in PagesAsync(tenant, DirectoryTables.User, cancellationToken))
                {
                    var records = new List<IReadOnlyDictionary<string, string?>>();
                    var links = new List<IReadOnlyDictionary<string, string?>>();
                    foreach (var user in page)
                    {
                        if (user["account_enabled"] != "true" || !string.IsNullOrEmpty(user["deleted_date_time"]))
                        {
                            disabled.Add(user.SysId);
                            continue;
                        }
                        var userName = user["user_type"] == "Guest" && user["mail"] is { Length: > 0 } mail ? mail : user["user_principal_name"];
                        records.Add(new Dictionary<string, string?>
                        {
                            ["sys_id"] = user.SysId,
                            ["user_name"] = userName,
                            ["active"] = "true",
                            ["email"] = user["mail"],
                            ["first_name"] = user["given_name"],
                            ["last_name"] = user["surname"],
                            ["title"] = user["job_title"],
                            ["department"] = Reference(InstanceTables.Department, user["department"]),
                            ["location"] = Reference(InstanceTables.Location, user["city"]),
                            ["company"] = Reference(InstanceTables.Company, user["company_name"]),
                            ["employee_number"] = user["employee_id"],
                            ["mobile_phone"] = user["mobile_phone"],
                            ["manager"] = user["manager"],
                        });
                        links.Add(Link(job, "User", user.SysId, userName, now));
                    }
                    await InsertAsync(instance, userTable, records, writer, cancellationToken);
                    await InsertAsync(world.State, ProvisioningTables.Link, links, writer, cancellationToken);
                    userTask.Increment(page.Count);
                }

                var groupTask = context.AddTask($"sys_user_group and links ({groups:N0})", maxValue: Math.Max(1, groups));
                await foreach (var page in PagesAsync(tenant, DirectoryTables.Group, cancellationToken))
                {
                    await InsertAsync(instance, groupTable, page.Select(g => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>
                    {
                        ["sys_id"] = g.SysId,
                        ["name"] = g["display_name"],
                        ["description"] = g["description"],
                        ["email"] = g["mail"],
                    }).ToList(), writer, cancellationToken);
                    await InsertAsync(world.State, ProvisioningTables.Link,
                        page.Select(g => Link(job, "Group", g.SysId, g["display_name"], now)).ToList(), writer, cancellationToken);
                    groupTask.Increment(page.Count);
                }

                var memberTask = context.AddTask($"sys_user_grmember and memberships ({memberships:N0})", maxValue: Math.Max(1, memberships));
                await foreach (var page in PagesAsync(tenant, DirectoryTables.GroupMember, cancellationToken))
                {
                    var records = new List<IReadOnlyDictionary<string, string?>>();
                    var states = new List<IReadOnlyDictionary<string, string?>>();
                    foreach (var member in page.Where(m => m["member_type"] == "user"))
                    {
                        var active = !disabled.Contains(member["member_id"]!);
                        if (active)
                            records.Add(new Dictionary<string, string?>
                            {
                                ["sys_id"] = member.SysId,
                                ["group"] = member["group_id"],
                                ["user"] = member["member_id"],
                            });
                        var groupId = GraphIds.FromSysId(member["group_id"]!);
                        var memberId = GraphIds.FromSysId(member["member_id"]!);
                        states.Add(new Dictionary<string, string?>
                        {
                            ["sys_id"] = ProvisioningTables.KeyOf(job.SysId, "member", groupId, memberId),
                            ["job"] = job.SysId,
                            ["group_id"] = groupId,
                            ["member_id"] = memberId,
                            ["member_type"] = "User",
                            ["target_id"] = active ? member.SysId : "",
                        });
                    }
                    await InsertAsync(instance, memberTable, records, writer, cancellationToken);
                    await InsertAsync(world.State, ProvisioningTables.Member, states, writer, cancellationToken);
                    memberTask.Increment(page.Count);
                }
            });
    }

    /// <summary>A link row as the engine's state batch writes it (see JobState's link key).</summary>
    private static Dictionary<string, string?> Link(JobRecord job, string type, string sysId, string? name, string now)
    {
        var sourceId = GraphIds.FromSysId(sysId);
        return new Dictionary<string, string?>
        {
            ["sys_id"] = ProvisioningTables.KeyOf(job.SysId, "link", type, sourceId),
            ["job"] = job.SysId,
            ["object_type"] = type,
            ["source_id"] = sourceId,
            ["source_name"] = name is { Length: > 400 } ? name[..400] : name,
            ["target_id"] = sysId,
            ["state"] = "Active",
            ["last_exported"] = now,
        };
    }

    /// <summary>Every row of a table, a page at a time in sys_id order.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<RecordRow>> PagesAsync(Store store, TableDefinition table,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            var query = last is null ? EncodedQuery.Empty : EncodedQuery.Empty.And(new QueryCondition(TableDefinition.SysId, QueryOperator.GreaterThan, last));
            var page = await store.QueryAsync(new RecordQuery
            {
                Table = table,
                Query = query with { Order = [new OrderTerm(TableDefinition.SysId, Descending: false)] },
                Limit = LoadPage,
            }, cancellationToken);
            if (page.Rows.Count > 0) yield return page.Rows;
            if (page.Rows.Count < LoadPage) yield break;
            last = page.Rows[^1].SysId;
        }
    }

    /// <summary>Inserts in one transaction; a row already there (an earlier, interrupted load) is kept.</summary>
    private static async Task InsertAsync(Store store, TableDefinition table, IReadOnlyList<IReadOnlyDictionary<string, string?>> rows,
        WriteOptions writer, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        var results = await store.InsertManyAsync(table, rows, writer, cancellationToken);
        if (results.FirstOrDefault(r => !r.Succeeded && r.Error!.Kind != WriteErrorKind.Aborted) is { } failed)
            throw new InvalidOperationException($"A {table.Name} row was refused: {failed.Error!.Detail}");
    }
}
