using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Cli;

public sealed class CycleCommandTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>, IDisposable
{
    private readonly CliWorld _cli = new(world);

    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    public void Dispose() => _cli.Dispose();

    private async Task<string> AppWithUsersAsync(string s, int count, Func<int, object?>? more = null)
    {
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");
        for (var i = 0; i < count; i++)
            await Tenant.AssignAsync(app, await Tenant.CreateUserAsync($"{s}u{i:00}", more?.Invoke(i) ?? new { givenName = "User" + i }));
        return app;
    }

    [Fact]
    public async Task plan_lists_the_creates_then_sync_makes_them_with_a_summary_and_the_next_plan_has_nothing_to_do()
    {
        var s = Tenant.NewScope();
        var app = await AppWithUsersAsync(s, 3);
        await _cli.CreateJobAsync(s + "job", "--app", app, "--schema", _cli.File("schema.json", Schemas.UsersOnly()));

        var plan = await _cli.RunAsync("plan", s + "job");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains($"+ create user {TenantServer.Upn(s + "u00")}", plan.Output);
        Assert.Contains("    first_name: User0", plan.Output);
        Assert.Contains("3 to create, 0 to update", plan.Output);
        Assert.Empty(await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s));

        var planJson = await _cli.RunAsync("plan", s + "job", "--json", "--limit", "2");
        Assert.Equal(0, planJson.ExitCode);
        var planned = JsonDocument.Parse(planJson.Output).RootElement.GetProperty("value");
        Assert.Equal(2, planned.GetArrayLength());
        Assert.All(planned.EnumerateArray(), e => Assert.Equal("create", e.GetProperty("provisioningAction").GetString()));

        var sync = await _cli.RunAsync("sync", s + "job");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains("Initial cycle", sync.Output);
        Assert.Contains(": Succeeded", sync.Output);
        Assert.Contains("create success 3", sync.Output);
        Assert.Contains($"idbridge provisioning-logs {s}job --cycle ", sync.Output);
        Assert.Equal(3, (await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s)).Count);

        var after = await _cli.RunAsync("plan", s + "job");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("an incremental one", after.Output);
        Assert.Contains("Nothing to do", after.Output);

        var list = await _cli.RunAsync("job", "list");
        Assert.Contains("Succeeded", list.Output);
    }

    [Fact]
    public async Task ctrl_c_stops_a_sync_cleanly_and_the_next_sync_finishes_it_with_one_record_per_user()
    {
        var s = Tenant.NewScope();
        const int Users = 40;
        var app = await AppWithUsersAsync(s, Users);
        await _cli.CreateJobAsync(s + "job", "--app", app, "--max-rate", "5", "--max-concurrency", "2",
            "--schema", _cli.File("schema.json", Schemas.UsersOnly()));

        await using (var sync = _cli.Runner.Start("sync", s + "job"))
        {
            await sync.WaitForLineAsync(line => line.Contains("provisioning users", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            sync.Interrupt();
            var stopped = await sync.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(stopped.ExitCode == 1, stopped.ToString());
            Assert.Contains(": Interrupted", stopped.Output);
            Assert.Contains("continues this cycle", stopped.Output);
            Assert.DoesNotContain("   at ", stopped.Error);
        }

        var shown = await _cli.RunAsync("job", "show", s + "job");
        Assert.Contains("the next run continues it", shown.Output);
        Assert.Contains("Interrupted (continues at the next run)", (await _cli.RunAsync("job", "list")).Output);

        var resumed = await _cli.RunAsync("sync", s + "job");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Continuing the interrupted cycle", resumed.Output);
        var records = await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s);
        Assert.Equal(Users, records.Count);
        Assert.Equal(Users, records.Select(r => r.GetProperty("user_name").GetString()).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public async Task the_worker_runs_a_job_on_its_schedule_prints_each_cycle_and_stops_on_ctrl_c()
    {
        var s = Tenant.NewScope();
        var app = await AppWithUsersAsync(s, 2);
        await _cli.CreateJobAsync(s + "job", "--app", app, "--interval", "1s", "--schema", _cli.File("schema.json", Schemas.UsersOnly()));

        await using var worker = _cli.Runner.Start("worker", "--job", s + "job");
        await worker.WaitForLineAsync(line => line.Contains($"{s}job: Initial Succeeded, 2 exported, 0 failed, next run", StringComparison.Ordinal),
            TimeSpan.FromMinutes(1));
        await worker.WaitForLineAsync(line => line.Contains($"{s}job: Incremental Succeeded", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        worker.Interrupt();
        var stopped = await worker.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains("Worker stopped", stopped.Output);
        Assert.Equal(2, (await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s)).Count);
        var unknown = await _cli.RunAsync("worker", "--job", s + "nope");
        Assert.Equal(2, unknown.ExitCode);
    }
}
