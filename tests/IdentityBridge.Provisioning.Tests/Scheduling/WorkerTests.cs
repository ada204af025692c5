using IdentityBridge.Provisioning.Scheduling;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Scheduling;

public sealed class WorkerTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    /// <summary>Polls until the condition holds, or fails after the deadline (a wait for an outcome, not a sleep for ordering).</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Not within {deadline.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    private async Task<string?> TitleAsync(string name) =>
        (await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name))).Select(u => u.GetProperty("title").GetString()).SingleOrDefault();

    [Fact]
    public async Task in_continuous_mode_a_change_in_the_directory_reaches_the_instance_and_stopping_ends_cleanly()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { jobTitle = "Clerk" });
        var (app, job) = await world.AssignedJobAsync(s, [ann], settings => settings with
        {
            Interval = TimeSpan.Zero,
            PollInterval = TimeSpan.FromMilliseconds(300),
        });
        var worker = new ProvisioningWorker(world.Engine, TimeProvider.System) { Rescan = TimeSpan.FromMilliseconds(300) };
        var cycles = 0;
        worker.CycleCompleted += _ => Interlocked.Increment(ref cycles);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync([job.Name], stop.Token);

        await EventuallyAsync(async () => await TitleAsync(s + "ann") == "Clerk", TimeSpan.FromSeconds(30), "the initial cycle");
        await Tenant.UpdateUserAsync(ann, new { jobTitle = "Supervisor" });
        await EventuallyAsync(async () => await TitleAsync(s + "ann") == "Supervisor", TimeSpan.FromSeconds(15), "the change");

        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(cycles >= 2);
        Assert.NotNull((await world.ReloadAsync(job)).UsersWatermark);
    }

    [Fact]
    public async Task a_job_another_worker_holds_is_not_run_twice()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (app, job) = await world.AssignedJobAsync(s, [ann]);
        var now = world.Clock.GetUtcNow();
        Assert.True(await world.Host.Jobs.TryLeaseAsync(job, "other-host|42|abc", now, now.AddMinutes(5)));

        var outcome = await world.SyncAsync(job);
        Assert.Equal("Busy", outcome.State);
        Assert.Equal("JobRunningElsewhere", outcome.Error!.Code);
        Assert.Contains("other-host|42|abc", outcome.Error.Message);
        Assert.Null(await TitleAsync(s + "ann"));

        // Once the other worker's lease lapses, the job runs here.
        world.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("Succeeded", (await world.SyncAsync(job)).State);
        Assert.Null((await world.ReloadAsync(job)).LeaseOwner);
    }

    [Fact]
    public async Task the_worker_deletes_log_entries_older_than_the_jobs_retention()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await world.AssignedJobAsync(s, [ann], settings => settings with { LogRetentionDays = 1 });
        var first = await world.SyncAsync(job);
        Assert.NotEmpty(await world.LogsAsync(job, f => f with { CycleId = first.CycleId }));

        world.Clock.Advance(TimeSpan.FromDays(2));
        var worker = new ProvisioningWorker(world.Engine, world.Clock, logs: world.Host.Logs);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await worker.RunAsync([job.Name], stop.Token);
        Assert.Empty(await world.LogsAsync(job, f => f with { CycleId = first.CycleId }));
    }

    [Fact]
    public async Task a_paused_job_does_not_run()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { jobTitle = "Clerk" });
        var job = await world.Engine.PauseAsync((await world.AssignedJobAsync(s, [ann], settings => settings with { Interval = TimeSpan.Zero })).Job);
        var worker = new ProvisioningWorker(world.Engine, TimeProvider.System) { Rescan = TimeSpan.FromMilliseconds(100) };
        var cycles = 0;
        worker.CycleCompleted += _ => Interlocked.Increment(ref cycles);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await worker.RunAsync([job.Name], stop.Token);
        Assert.Equal(0, cycles);
        Assert.Null(await TitleAsync(s + "ann"));
    }
}
