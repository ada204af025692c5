using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public abstract class IncrementalCycleTests<TWorld>(TWorld world) where TWorld : ProvisioningWorld
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<JsonElement?> UserAsync(string name) =>
        (await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name))).Cast<JsonElement?>().SingleOrDefault();

    private async Task<IReadOnlyList<string>> MemberNamesAsync(string groupName)
    {
        var group = (await Instance.ListAsync("sys_user_group", "name=" + groupName)).Single();
        var members = await Instance.ListAsync("sys_user_grmember", "group=" + Field(group, "sys_id"));
        var names = new List<string>();
        foreach (var member in members)
            names.Add(Field((await Instance.ListAsync("sys_user", "sys_id=" + Field(member, "user"))).Single(), "user_name"));
        return names.Order().ToList();
    }

    /// <summary>An app with the given users assigned, a job for it, and its initial cycle run.</summary>
    private async Task<(string App, JobRecord Job)> SyncedAsync(string s, IEnumerable<string> assigned, Func<JobSettings, JobSettings>? settings = null)
    {
        var (app, job) = await world.AssignedJobAsync(s, assigned, settings);
        var outcome = await world.SyncAsync(job);
        Assert.Equal("Succeeded", outcome.State);
        return (app, await world.ReloadAsync(job));
    }

    [BackendFact]
    public async Task a_changed_attribute_is_sent_alone_and_logged_with_old_and_new_values()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann", jobTitle = "Analyst" });
        var (_, job) = await SyncedAsync(s, [ann]);

        await Tenant.UpdateUserAsync(ann, new { jobTitle = "Lead analyst" });
        var outcome = await world.SyncAsync(job);

        Assert.Equal(CycleKind.Incremental, outcome.Kind);
        Assert.Equal("Lead analyst", Field((await UserAsync(s + "ann"))!.Value, "title"));
        var update = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal(ProvisioningAction.Update, update.Action);
        var changed = Assert.Single(update.ModifiedProperties);
        Assert.Equal(("title", "Analyst", "Lead analyst"), (changed.DisplayName, changed.OldValue, changed.NewValue));
        Assert.Equal(1, outcome.Execution.CountExports);
    }

    [BackendFact]
    public async Task an_unchanged_directory_gives_an_incremental_cycle_with_nothing_to_export()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await SyncedAsync(s, [ann]);
        var outcome = await world.SyncAsync(job);
        Assert.Equal("Succeeded", outcome.State);
        Assert.Equal(0, outcome.Execution.CountExports);
        Assert.Empty(await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId }));
    }

    [BackendFact]
    public async Task an_unassigned_user_is_disabled_and_locked_out_and_comes_back_with_group_memberships()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var bob = await Tenant.CreateUserAsync(s + "bob");
        var group = await Tenant.CreateGroupAsync(s + "Ops");
        await Tenant.AddMemberAsync(group, ann);
        await Tenant.AddMemberAsync(group, bob);
        var (app, job) = await SyncedAsync(s, [ann, group]);
        Assert.Equal([TenantServer.Upn(s + "ann"), TenantServer.Upn(s + "bob")], await MemberNamesAsync(s + "Ops"));

        // Ann leaves the group: she stays assigned directly; Bob leaves it and has no other assignment.
        await Tenant.RemoveMemberAsync(group, bob);
        var outcome = await world.SyncAsync(job);
        Assert.Equal("Succeeded", outcome.State);
        var bobRecord = (await UserAsync(s + "bob"))!.Value;
        Assert.Equal("false", Field(bobRecord, "active"));
        Assert.Equal("true", Field(bobRecord, "locked_out"));
        Assert.Equal([TenantServer.Upn(s + "ann")], await MemberNamesAsync(s + "Ops"));
        var disable = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single(e => e.SourceIdentity.Id == bob);
        Assert.Equal(ProvisioningAction.Disable, disable.Action);

        // Ann is disabled in the directory: out of scope, disabled in ServiceNow, and removed from the group.
        await Tenant.UpdateUserAsync(ann, new { accountEnabled = false });
        await world.SyncAsync(job);
        Assert.Equal("false", Field((await UserAsync(s + "ann"))!.Value, "active"));
        Assert.Empty(await MemberNamesAsync(s + "Ops"));

        // Enabled again: active, unlocked, and back in the group (Entra loses memberships here; the engine restores them).
        await Tenant.UpdateUserAsync(ann, new { accountEnabled = true });
        await world.SyncAsync(job);
        var annRecord = (await UserAsync(s + "ann"))!.Value;
        Assert.Equal("true", Field(annRecord, "active"));
        Assert.Equal("false", Field(annRecord, "locked_out"));
        Assert.Equal([TenantServer.Upn(s + "ann")], await MemberNamesAsync(s + "Ops"));
        _ = app;
    }

    [BackendFact]
    public async Task soft_delete_disables_restore_enables_and_purge_deletes()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await SyncedAsync(s, [ann]);

        await Tenant.SoftDeleteUserAsync(ann);
        await world.SyncAsync(job);
        Assert.Equal("false", Field((await UserAsync(s + "ann"))!.Value, "active"));

        await Tenant.RestoreUserAsync(ann);
        await world.SyncAsync(job);
        Assert.Equal("true", Field((await UserAsync(s + "ann"))!.Value, "active"));

        await Tenant.PurgeUserAsync(ann);
        var outcome = await world.SyncAsync(job);
        Assert.Null(await UserAsync(s + "ann"));
        Assert.Contains(await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId }),
            e => e.SourceIdentity.Id == ann && e.Action == ProvisioningAction.Delete && e.Status == ProvisioningResult.Success);
    }

    [BackendFact]
    public async Task skip_out_of_scope_deletions_leaves_an_unassigned_user_active()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var group = await Tenant.CreateGroupAsync(s + "G");
        await Tenant.AddMemberAsync(group, ann);
        var (_, job) = await SyncedAsync(s, [group], settings => settings with { SkipOutOfScopeDeletions = true });
        await Tenant.RemoveMemberAsync(group, ann);
        await world.SyncAsync(job);
        Assert.Equal("true", Field((await UserAsync(s + "ann"))!.Value, "active"));
    }

    [BackendFact]
    public async Task a_manager_who_enters_scope_later_is_written_without_a_restart()
    {
        var s = Tenant.NewScope();
        var boss = await Tenant.CreateUserAsync(s + "boss");
        var ann = await Tenant.CreateUserAsync(s + "ann");
        await Tenant.SetManagerAsync(ann, boss);
        var (app, job) = await SyncedAsync(s, [ann]);
        Assert.Equal("", Field((await UserAsync(s + "ann"))!.Value, "manager"));

        await Tenant.AssignAsync(app, boss);
        var outcome = await world.SyncAsync(job);
        Assert.Equal("Succeeded", outcome.State);
        var bossRecord = (await UserAsync(s + "boss"))!.Value;
        Assert.Equal(Field(bossRecord, "sys_id"), Field((await UserAsync(s + "ann"))!.Value, "manager"));
    }

    [BackendFact]
    public async Task a_member_who_is_enabled_later_joins_the_group_then()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { accountEnabled = false });
        var bob = await Tenant.CreateUserAsync(s + "bob");
        var group = await Tenant.CreateGroupAsync(s + "Team");
        await Tenant.AddMemberAsync(group, ann);
        await Tenant.AddMemberAsync(group, bob);
        var (_, job) = await SyncedAsync(s, [group]);
        Assert.Equal([TenantServer.Upn(s + "bob")], await MemberNamesAsync(s + "Team"));

        await Tenant.UpdateUserAsync(ann, new { accountEnabled = true });
        await world.SyncAsync(job);
        Assert.Equal([TenantServer.Upn(s + "ann"), TenantServer.Upn(s + "bob")], await MemberNamesAsync(s + "Team"));
    }

    [BackendFact]
    public async Task nested_group_members_are_in_scope_only_when_flattening()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var outer = await Tenant.CreateGroupAsync(s + "Outer");
        var inner = await Tenant.CreateGroupAsync(s + "Inner");
        await Tenant.AddMemberAsync(outer, inner);
        await Tenant.AddMemberAsync(inner, ann);
        var (app, _) = await SyncedAsync(s, [outer]);
        Assert.Null(await UserAsync(s + "ann"));

        var flat = await world.CreateJobAsync(s + "flat", app, settings => settings with { FlattenNestedGroups = true });
        await world.SyncAsync(flat);
        Assert.NotNull(await UserAsync(s + "ann"));
    }

    [BackendFact]
    public async Task leaving_a_scoping_filter_disables_the_user()
    {
        var s = Tenant.NewScope();
        // The departments exist in ServiceNow, or the user would fail with InvalidLookupReference instead.
        await Instance.CreateAsync("cmn_department", new Dictionary<string, string?> { ["name"] = s + "Engineering" });
        await Instance.CreateAsync("cmn_department", new Dictionary<string, string?> { ["name"] = s + "Sales" });
        var ann = await Tenant.CreateUserAsync(s + "ann", new { department = s + "Engineering" });
        var schema = Schemas.WithUserScope("department", "EQUALS", s + "Engineering");
        var (_, job) = await world.AssignedJobAsync(s, [ann], schema: schema);
        await world.SyncAsync(job);
        Assert.Equal("true", Field((await UserAsync(s + "ann"))!.Value, "active"));

        await Tenant.UpdateUserAsync(ann, new { department = s + "Sales" });
        await world.SyncAsync(job);
        Assert.Equal("false", Field((await UserAsync(s + "ann"))!.Value, "active"));
    }
}

public sealed class IncrementalCycleTestsOnSqlite(ProvisioningWorld world) : IncrementalCycleTests<ProvisioningWorld>(world), IClassFixture<ProvisioningWorld>;

public sealed class IncrementalCycleTestsOnPostgres(PostgresProvisioningWorld world)
    : IncrementalCycleTests<PostgresProvisioningWorld>(world), IClassFixture<PostgresProvisioningWorld>;
