using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public sealed class MappingSemanticsTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<JsonElement> UserAsync(string name) => (await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name))).Single();

    [Fact]
    public async Task defaults_apply_only_on_create_object_add_only_mappings_only_on_create_and_nulls_never_flow()
    {
        var s = Tenant.NewScope();
        var schema = Schemas.WithUserMappings(
            ("title", m => m["defaultValue"] = "Employee"),
            ("employee_number", m => m["flowType"] = "ObjectAddOnly"));
        var ann = await Tenant.CreateUserAsync(s + "ann", new { employeeId = "E1", mobilePhone = "+1 555 0100" });
        var (_, job) = await world.AssignedJobAsync(s, [ann], schema: schema);
        await world.SyncAsync(job);
        var created = await UserAsync(s + "ann");
        Assert.Equal(("Employee", "E1", "+1 555 0100"), (Field(created, "title"), Field(created, "employee_number"), Field(created, "mobile_phone")));

        // The employee id changes (ObjectAddOnly: not sent) and the mobile phone is removed (null: not sent).
        await Instance.PatchAsync("sys_user", Field(created, "sys_id"), new Dictionary<string, string?> { ["title"] = "Set in ServiceNow" });
        await Tenant.UpdateUserAsync(ann, new { employeeId = "E2", mobilePhone = (string?)null, givenName = "Ann" });
        var outcome = await world.SyncAsync(job);
        var updated = await UserAsync(s + "ann");
        Assert.Equal(("Set in ServiceNow", "E1", "+1 555 0100", "Ann"),
            (Field(updated, "title"), Field(updated, "employee_number"), Field(updated, "mobile_phone"), Field(updated, "first_name")));
        var entry = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single();
        Assert.Equal(["first_name"], entry.ModifiedProperties.Select(p => p.DisplayName));
    }

    [Fact]
    public async Task a_group_deleted_in_the_directory_is_deleted_in_servicenow()
    {
        var s = Tenant.NewScope();
        var group = await Tenant.CreateGroupAsync(s + "Temp");
        var (app, job) = await world.AssignedJobAsync(s, [group]);
        await world.SyncAsync(job);
        Assert.Single(await Instance.ListAsync("sys_user_group", "name=" + s + "Temp"));

        await Tenant.DeleteGroupAsync(group);
        var outcome = await world.SyncAsync(job);
        Assert.Empty(await Instance.ListAsync("sys_user_group", "name=" + s + "Temp"));
        Assert.Contains(await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId }),
            e => e.SourceIdentity.Id == group && e.Action == ProvisioningAction.Delete);
    }

    [Fact]
    public async Task thousands_of_failing_objects_quarantine_the_job_by_entras_escrow_proportion()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (app, job) = await world.AssignedJobAsync(s, [ann]);
        await world.SyncAsync(job);
        // 6,000 objects failing (as escrows left by earlier cycles) against one provisioned: above 40 %.
        var state = new JobState(world.Host.Store, job.SysId);
        var batch = state.Batch();
        var later = world.Clock.GetUtcNow().AddDays(1);
        for (var i = 0; i < 6_000; i++)
            batch.SetEscrow(new Escrow(IdentityBridge.Provisioning.Source.SourceObjectType.User, $"failing-{i}", $"u{i}", "Retry",
                "InvalidLookupReference", "No such department.", false, 1, world.Clock.GetUtcNow(), later));
        await batch.FlushAsync(CancellationToken.None);

        await world.SyncAsync(job);
        var status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(StatusCodes.Quarantine, status.Code);
        Assert.Equal("EncounteredEscrowProportionThreshold", status.Quarantine!.Reason);
    }

    [Fact]
    public async Task a_job_quarantined_for_four_weeks_is_disabled()
    {
        var s = Tenant.NewScope();
        var (app, job) = await world.AssignedJobAsync(s, [], password: "wrong");
        await world.SyncAsync(job);
        Assert.Equal("Active", (await world.ReloadAsync(job)).ScheduleState);
        world.Clock.Advance(TimeSpan.FromDays(29));
        await world.SyncAsync(job);
        var stored = await world.ReloadAsync(job);
        Assert.Equal("Disabled", stored.ScheduleState);
        Assert.Equal(StatusCodes.Quarantine, stored.Status.Code);
    }
}

public sealed class AppRoleMappingTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    [Fact]
    public async Task app_roles_assigned_directly_or_through_a_group_reach_the_app_role_functions()
    {
        var tenant = world.Tenant;
        var s = tenant.NewScope();
        var approver = Guid.NewGuid().ToString();
        var viewer = Guid.NewGuid().ToString();
        var (app, _) = await tenant.CreateServicePrincipalAsync(s + "app", approver, viewer);
        var ann = await tenant.CreateUserAsync(s + "ann");
        var bob = await tenant.CreateUserAsync(s + "bob");
        var group = await tenant.CreateGroupAsync(s + "Viewers");
        await tenant.AddMemberAsync(group, bob);
        await tenant.AssignAsync(app, ann, approver);
        await tenant.AssignAsync(app, group, viewer);
        var schema = Schemas.WithUserMapping("title", mapping => mapping["source"] = new System.Text.Json.Nodes.JsonObject
        {
            ["expression"] = "SingleAppRoleAssignment([appRoleAssignments])",
            ["name"] = "SingleAppRoleAssignment",
            ["type"] = "Function",
            ["parameters"] = new System.Text.Json.Nodes.JsonArray(),
        });
        var job = await world.Host.Jobs.CreateAsync(world.Definition(s + "job", app) with { Schema = schema });

        Assert.Equal("Succeeded", (await world.SyncAsync(job)).State);
        string Title(JsonElement user) => user.GetProperty("title").GetString()!;
        Assert.Equal("role-" + approver[..8], Title((await world.Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann"))).Single()));
        Assert.Equal("role-" + viewer[..8], Title((await world.Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "bob"))).Single()));
    }
}
