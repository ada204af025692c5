using IdentityBridge.Provisioning.Tests.Cli;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Durability;

/// <summary>
/// Kills <c>idbridge sync</c> outright (SIGKILL, no chance to clean up) at several points of a cycle, starts it
/// again, and checks that the instance ends with exactly one record per object, with the right values and references.
/// </summary>
public sealed class KillAndRestartTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>, IDisposable
{
    private const int Users = 24;
    private const int Groups = 3;

    private readonly CliWorld _cli = new(world);

    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    public void Dispose() => _cli.Dispose();

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    /// <summary>A directory of users (each reporting to the one before), groups of eight, all assigned through the groups.</summary>
    private async Task<string> DirectoryAsync(string s)
    {
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");
        var groups = new List<string>();
        for (var g = 0; g < Groups; g++)
        {
            groups.Add(await Tenant.CreateGroupAsync($"{s}team{g}"));
            await Tenant.AssignAsync(app, groups[^1]);
        }
        string? previous = null;
        for (var i = 0; i < Users; i++)
        {
            var user = await Tenant.CreateUserAsync($"{s}u{i:00}", new { givenName = "User" + i, jobTitle = "Title " + i });
            if (previous is not null) await Tenant.SetManagerAsync(user, previous);
            await Tenant.AddMemberAsync(groups[i % Groups], user);
            previous = user;
        }
        return app;
    }

    private async Task<int> CountAsync(string table, string query) => (await Instance.ListAsync(table, query)).Count;

    /// <summary>Everything is there exactly once, with its values, manager and memberships.</summary>
    private async Task AssertCompleteAsync(string s)
    {
        var users = await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s);
        Assert.Equal(Users, users.Count);
        var byName = users.ToDictionary(u => Field(u, "user_name"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(Users, byName.Count);
        for (var i = 0; i < Users; i++)
        {
            var user = byName[TenantServer.Upn($"{s}u{i:00}")];
            Assert.Matches($"^(Title|Changed) {i}$", Field(user, "title"));
            Assert.Equal(i == 0 ? "" : Field(byName[TenantServer.Upn($"{s}u{i - 1:00}")], "sys_id"), Field(user, "manager"));
        }
        var groups = await Instance.ListAsync("sys_user_group", "nameSTARTSWITH" + s);
        Assert.Equal(Groups, groups.Count);
        foreach (var group in groups)
        {
            var members = await Instance.ListAsync("sys_user_grmember", "group=" + Field(group, "sys_id"));
            Assert.Equal(Users / Groups, members.Count);
            Assert.Equal(Users / Groups, members.Select(m => Field(m, "user")).Distinct().Count());
        }
    }

    private async Task KillThenFinishAsync(string s, Func<Task<bool>> killWhen, string what)
    {
        await using (var sync = _cli.Runner.Start("sync", s + "job"))
        {
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!await killWhen())
            {
                Assert.False(sync.HasExited, $"The sync ended before {what}: {sync.Output}{sync.Error}");
                Assert.True(DateTime.UtcNow < until, $"Never reached {what}.");
                await Task.Delay(20);
            }
            sync.Kill();
            await sync.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        var again = await _cli.RunAsync("sync", s + "job");
        Assert.True(again.ExitCode == 0, again.ToString());
        await AssertCompleteAsync(s);
    }

    private async Task JobAsync(string s, string app) =>
        await _cli.CreateJobAsync(s + "job", "--app", app, "--max-rate", "12", "--max-concurrency", "2");

    [Fact]
    public async Task killed_while_creating_users_the_next_run_completes_without_duplicates()
    {
        var s = Tenant.NewScope();
        await JobAsync(s, await DirectoryAsync(s));
        await KillThenFinishAsync(s, async () => await CountAsync("sys_user", "user_nameSTARTSWITH" + s) >= 7, "the seventh user");
    }

    [Fact]
    public async Task killed_while_writing_memberships_the_next_run_completes_without_duplicates()
    {
        var s = Tenant.NewScope();
        await JobAsync(s, await DirectoryAsync(s));
        await KillThenFinishAsync(s, async () =>
        {
            var groups = await Instance.ListAsync("sys_user_group", "nameSTARTSWITH" + s);
            if (groups.Count < Groups) return false;
            return await CountAsync("sys_user_grmember", "groupIN" + string.Join(",", groups.Select(g => Field(g, "sys_id")))) >= 4;
        }, "the fourth membership");
    }

    [Fact]
    public async Task killed_at_its_first_write_and_again_during_an_incremental_cycle_it_still_ends_complete()
    {
        var s = Tenant.NewScope();
        await JobAsync(s, await DirectoryAsync(s));
        await KillThenFinishAsync(s, async () => await CountAsync("sys_user", "user_nameSTARTSWITH" + s) >= 1, "the first user");

        // An incremental cycle with many changes, killed part way.
        for (var i = 0; i < Users; i += 2)
        {
            var id = (await Tenant.App.Directory.Store.FindAsync(IdentityBridge.Tenant.Directory.DirectoryTables.User, "user_principal_name",
                TenantServer.Upn($"{s}u{i:00}")))!.SysId;
            await Tenant.UpdateUserAsync(IdentityBridge.Tenant.Directory.GraphIds.FromSysId(id), new { jobTitle = "Changed " + i });
        }
        await KillThenFinishAsync(s, async () =>
            (await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s + "^titleSTARTSWITHChanged")).Count >= 3, "the third update");
        var users = await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s);
        for (var i = 0; i < Users; i += 2)
            Assert.Equal("Changed " + i, Field(users.Single(u => Field(u, "user_name") == TenantServer.Upn($"{s}u{i:00}")), "title"));
    }
}

public sealed class LostResponseTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    [Fact]
    public async Task a_create_whose_response_was_lost_is_matched_on_the_retry_and_not_sent_again()
    {
        var s = world.Tenant.NewScope();
        var ann = await world.Tenant.CreateUserAsync(s + "ann", new { jobTitle = "Clerk" });
        var (app, _) = await world.Tenant.CreateServicePrincipalAsync(s + "app");
        await world.Tenant.AssignAsync(app, ann);
        await using var proxy = await FaultyProxy.StartAsync(world.Instance.BaseUrl);
        var job = await world.CreateJobAsync(s + "job", app, instanceUrl: proxy.BaseUrl);
        proxy.DropNextAnswerTo(HttpMethod.Post);

        var first = await world.SyncAsync(job);
        Assert.Equal("EntryLevelErrors", first.State);
        Assert.Equal("Timeout", (await world.LogsAsync(job)).Single(e => e.SourceIdentity.Id == ann).Error!.ErrorCode);
        // The instance did create the user; only the answer was lost.
        Assert.Single(await world.Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann")));

        world.Clock.Advance(TimeSpan.FromMinutes(6));
        var posts = proxy.Count(HttpMethod.Post);
        var retry = await world.SyncAsync(job);
        Assert.Equal("Succeeded", retry.State);
        Assert.Equal(posts, proxy.Count(HttpMethod.Post));
        var record = Assert.Single(await world.Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann")));
        Assert.Equal("Clerk", record.GetProperty("title").GetString());
    }
}
