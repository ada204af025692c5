using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public abstract class QuarantineAndGuardTests<TWorld>(TWorld world) where TWorld : ProvisioningWorld
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<JsonElement?> UserAsync(string name) =>
        (await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name))).Cast<JsonElement?>().SingleOrDefault();

    [BackendFact]
    public async Task changed_instance_credentials_quarantine_the_job_with_entras_text_and_a_start_after_the_fix_lifts_it()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (app, job) = await world.AssignedJobAsync(s, [ann], password: "not-the-password");

        var outcome = await world.SyncAsync(job);
        Assert.Equal("Failed", outcome.State);
        var status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(StatusCodes.Quarantine, status.Code);
        Assert.Equal("EncounteredQuarantineException", status.Quarantine!.Reason);
        Assert.Equal("ServiceNowInstanceInvalid", status.Quarantine.Error!.Code);
        Assert.StartsWith("Your ServiceNow instance name appears to be invalid.", status.Quarantine.Error.Message);
        Assert.Equal(world.Clock.GetUtcNow() + TimeSpan.FromHours(6), status.Quarantine.NextAttempt);
        Assert.Null((await world.ReloadAsync(job)).UsersWatermark);

        // A second failure keeps the series going: the next attempt is 12 hours after the first failure.
        await world.SyncAsync(job);
        status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(2, status.Quarantine!.SeriesCount);
        Assert.Equal(2, status.CountSuccessiveCompleteFailures);

        var fixedJob = await world.Host.Jobs.UpdateDefinitionAsync(await world.ReloadAsync(job),
            world.Definition(s + "job", app));
        await world.Engine.StartAsync(fixedJob);
        Assert.Equal(StatusCodes.NotRun, (await world.ReloadAsync(job)).Status.Code);
        Assert.Equal("Succeeded", (await world.SyncAsync(job)).State);
        status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(StatusCodes.Active, status.Code);
        Assert.Null(status.Quarantine);
        Assert.NotNull(await UserAsync(s + "ann"));
    }

    [BackendFact]
    public async Task an_instance_that_always_fails_quarantines_the_job_and_its_objects_are_escrowed()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var bob = await Tenant.CreateUserAsync(s + "bob");
        await using var proxy = await FaultyProxy.StartAsync(Instance.BaseUrl);
        var (_, job) = await world.AssignedJobAsync(s, [ann, bob], instanceUrl: proxy.BaseUrl);
        proxy.AlwaysAnswer(HttpStatusCode.InternalServerError);

        var outcome = await world.SyncAsync(job);
        var status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(StatusCodes.Quarantine, status.Code);
        Assert.Equal("EncounteredQuarantineException", status.Quarantine!.Reason);
        var entries = await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId });
        Assert.Contains(entries, e => e.Status == ProvisioningResult.Failure && e.Error!.ErrorCode == "InternalServerError");

        proxy.Heal();
        world.Clock.Advance(TimeSpan.FromHours(6));
        Assert.Equal("Succeeded", (await world.SyncAsync(job)).State);
        Assert.Null((await world.ReloadAsync(job)).Status.Quarantine);
        Assert.NotNull(await UserAsync(s + "ann"));
        Assert.NotNull(await UserAsync(s + "bob"));
    }

    [BackendFact]
    public async Task too_many_deletions_are_staged_and_the_job_quarantined_until_deletes_are_allowed()
    {
        var s = Tenant.NewScope();
        var group = await Tenant.CreateGroupAsync(s + "All");
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await Tenant.CreateUserAsync($"{s}u{i}"));
            await Tenant.AddMemberAsync(group, users[^1]);
        }
        var (app, job) = await world.AssignedJobAsync(s, [group], settings => settings with { DeletionThreshold = 2 });
        await world.SyncAsync(job);

        foreach (var user in users) await Tenant.RemoveMemberAsync(group, user);
        var outcome = await world.SyncAsync(job);
        var status = (await world.ReloadAsync(job)).Status;
        Assert.Equal("TooManyDeletes", status.Quarantine!.Reason);
        var staged = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Where(e => e.Action == ProvisioningAction.StagedDelete).ToList();
        Assert.Equal(3, staged.Count);
        for (var i = 0; i < 3; i++) Assert.Equal("true", Field((await UserAsync($"{s}u{i}"))!.Value, "active"));

        // A cycle without new deletions does not lift it: the held-back ones still wait for a decision.
        await world.SyncAsync(job);
        Assert.Equal("TooManyDeletes", (await world.ReloadAsync(job)).Status.Quarantine!.Reason);

        await world.Engine.RestartAsync(await world.ReloadAsync(job), RestartScope.ForceDeletes);
        var allowed = await world.SyncAsync(job);
        Assert.Equal("Succeeded", allowed.State);
        for (var i = 0; i < 3; i++) Assert.Equal("false", Field((await UserAsync($"{s}u{i}"))!.Value, "active"));
        Assert.Null((await world.ReloadAsync(job)).Status.Quarantine);
        Assert.Null((await world.ReloadAsync(job)).PendingRestart);
    }

    [BackendFact]
    public async Task a_full_restart_forgets_links_and_the_next_cycle_matches_the_same_records_again()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (app, job) = await world.AssignedJobAsync(s, [ann]);
        await world.SyncAsync(job);
        var before = (await UserAsync(s + "ann"))!.Value;

        await world.Engine.RestartAsync(await world.ReloadAsync(job), RestartScope.Full);
        var restarted = await world.ReloadAsync(job);
        Assert.Null(restarted.UsersWatermark);
        var outcome = await world.SyncAsync(job);
        Assert.Equal(CycleKind.Initial, outcome.Kind);
        Assert.Equal(Field(before, "sys_id"), Field((await UserAsync(s + "ann"))!.Value, "sys_id"));
        var entry = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single(e => e.SourceIdentity.Id == ann);
        Assert.Contains(entry.Steps, step => step.Name == "EntryImportByJoiningProperty" && step.Status == ProvisioningResult.Success);
    }

    [BackendFact]
    public async Task pause_and_start_change_the_status_code()
    {
        var s = Tenant.NewScope();
        var (app, job) = await world.AssignedJobAsync(s, []);
        Assert.Equal(StatusCodes.NotRun, job.Status.Code);
        var paused = await world.Engine.PauseAsync(job);
        Assert.Equal(("Paused", StatusCodes.Paused), (paused.ScheduleState, paused.Status.Code));
        var started = await world.Engine.StartAsync(paused);
        Assert.Equal(("Active", StatusCodes.NotRun), (started.ScheduleState, started.Status.Code));
    }
}

public sealed class QuarantineAndGuardTestsOnSqlite(ProvisioningWorld world) : QuarantineAndGuardTests<ProvisioningWorld>(world), IClassFixture<ProvisioningWorld>;

public sealed class QuarantineAndGuardTestsOnPostgres(PostgresProvisioningWorld world)
    : QuarantineAndGuardTests<PostgresProvisioningWorld>(world), IClassFixture<PostgresProvisioningWorld>;

public sealed class RestartScopeTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    [Fact]
    public async Task each_reset_scope_clears_what_it_names_and_keeps_the_rest()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var bad = await Tenant.CreateUserAsync(s + "bad", new { department = s + "Nowhere" });
        var (app, job) = await world.AssignedJobAsync(s, [ann, bad]);
        await world.SyncAsync(job);
        var state = new IdentityBridge.Provisioning.State.JobState(world.Host.Store, job.SysId);
        Assert.Single(await state.EscrowsAsync(CancellationToken.None));

        // Escrows: the failing user is no longer retried; links and the watermark stay.
        job = await world.Engine.RestartAsync(await world.ReloadAsync(job), RestartScope.Escrows);
        Assert.Empty(await state.EscrowsAsync(CancellationToken.None));
        Assert.NotNull(job.UsersWatermark);

        // Watermark: the next cycle is initial, but links are kept, so nothing is matched again.
        job = await world.Engine.RestartAsync(job, RestartScope.Watermark);
        Assert.Null(job.UsersWatermark);
        var initial = await world.SyncAsync(job);
        Assert.Equal(CycleKind.Initial, initial.Kind);
        var entry = (await world.LogsAsync(job, f => f with { CycleId = initial.CycleId })).Single(e => e.SourceIdentity.Id == ann);
        Assert.DoesNotContain(entry.Steps, step => step.Name == "EntryImportByJoiningProperty");
        Assert.Equal(ProvisioningAction.Other, entry.Action);

        // ConnectorDataStore: links go, so the next cycle matches by user name (and finds the same record).
        job = await world.Engine.RestartAsync(await world.ReloadAsync(job), RestartScope.ConnectorDataStore);
        Assert.Empty(await state.AllLinksAsync(IdentityBridge.Provisioning.Source.SourceObjectType.User, CancellationToken.None));
        Assert.NotNull(job.UsersWatermark);

        // QuarantineState: a quarantined job is released without touching anything else.
        var quarantined = await world.CreateJobAsync(s + "q", app, password: "wrong");
        await world.SyncAsync(quarantined);
        Assert.NotNull((await world.ReloadAsync(quarantined)).Status.Quarantine);
        var released = await world.Engine.RestartAsync(await world.ReloadAsync(quarantined), RestartScope.QuarantineState);
        Assert.Null(released.Status.Quarantine);
        Assert.Equal(StatusCodes.NotRun, released.Status.Code);
        Assert.Single(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann")));
    }
}
