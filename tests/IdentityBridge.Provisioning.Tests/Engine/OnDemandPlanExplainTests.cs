using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public sealed class OnDemandPlanExplainTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<JsonElement?> UserAsync(string name) =>
        (await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name))).Cast<JsonElement?>().SingleOrDefault();

    private Task<(string App, JobRecord Job)> JobAsync(string s, IEnumerable<string> assigned, string? schema = null) =>
        world.AssignedJobAsync(s, assigned, schema: schema);

    [Fact]
    public async Task one_user_is_provisioned_on_demand_and_the_answer_is_its_log_entry_while_the_watermark_stays()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann" });
        var (_, job) = await JobAsync(s, [ann]);
        var outcome = await world.Engine.ProvisionOnDemandAsync(job, new CycleSubject(SourceObjectType.User, TenantServer.Upn(s + "ann")), "admin@contoso");

        var entry = Assert.Single(outcome.Entries);
        Assert.Equal((ProvisioningAction.Create, ProvisioningResult.Success), (entry.Action, entry.Status));
        Assert.Equal("admin@contoso", entry.InitiatedBy);
        Assert.Contains(entry.ModifiedProperties, p => p.DisplayName == "first_name" && p.NewValue == "Ann");
        Assert.Equal([ProvisioningStepType.Import, ProvisioningStepType.Scoping, ProvisioningStepType.Matching, ProvisioningStepType.Processing, ProvisioningStepType.Export],
            entry.Steps.Select(step => step.Type).Distinct().Order().ToList());
        Assert.NotNull(await UserAsync(s + "ann"));
        var stored = await world.ReloadAsync(job);
        Assert.Null(stored.UsersWatermark);
        Assert.Single(await world.LogsAsync(job));
    }

    [Fact]
    public async Task an_unassigned_user_on_demand_is_skipped_with_the_reason()
    {
        var s = Tenant.NewScope();
        await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await JobAsync(s, []);
        var outcome = await world.Engine.ProvisionOnDemandAsync(job, new CycleSubject(SourceObjectType.User, TenantServer.Upn(s + "ann")));
        var entry = Assert.Single(outcome.Entries);
        Assert.Equal(ProvisioningResult.Skipped, entry.Status);
        Assert.Equal("NotEffectivelyEntitled", entry.Error!.ErrorCode);
        Assert.Null(await UserAsync(s + "ann"));
    }

    [Fact]
    public async Task a_group_with_its_members_is_provisioned_on_demand_and_a_bigger_one_is_refused()
    {
        var s = Tenant.NewScope();
        var small = await Tenant.CreateGroupAsync(s + "Small");
        var big = await Tenant.CreateGroupAsync(s + "Big");
        for (var i = 0; i < 6; i++)
        {
            var user = await Tenant.CreateUserAsync($"{s}u{i}");
            if (i < 2) await Tenant.AddMemberAsync(small, user);
            await Tenant.AddMemberAsync(big, user);
        }
        var (_, job) = await JobAsync(s, [small, big]);

        var outcome = await world.Engine.ProvisionOnDemandAsync(job, new CycleSubject(SourceObjectType.Group, s + "Small"));
        Assert.Equal("Succeeded", outcome.State);
        var group = Assert.Single(await Instance.ListAsync("sys_user_group", "name=" + s + "Small"));
        Assert.Equal(2, (await Instance.ListAsync("sys_user_grmember", "group=" + Field(group, "sys_id"))).Count);
        Assert.Contains(outcome.Entries, e => e.SourceIdentity.Id == small && e.ModifiedProperties.Any(p => p.DisplayName == "members"));

        var refused = await world.Engine.ProvisionOnDemandAsync(job, new CycleSubject(SourceObjectType.Group, s + "Big"));
        Assert.Equal("Failed", refused.State);
        Assert.Equal("TooManyMembersForOnDemand", refused.Error!.Code);
        Assert.Empty(await Instance.ListAsync("sys_user_group", "name=" + s + "Big"));
    }

    [Fact]
    public async Task a_plan_writes_nothing_and_lists_exactly_what_the_next_cycle_then_does()
    {
        var s = Tenant.NewScope();
        await Instance.CreateAsync("cmn_department", new Dictionary<string, string?> { ["name"] = s + "Ops" });
        var ann = await Tenant.CreateUserAsync(s + "ann", new { jobTitle = "Clerk" });
        var bob = await Tenant.CreateUserAsync(s + "bob", new { department = s + "Ops" });
        var carl = await Tenant.CreateUserAsync(s + "carl");
        var (app, job) = await JobAsync(s, [ann, bob, carl]);
        await world.SyncAsync(job);
        // Changes: ann's title, carl unassigned (disable), a new user dora, bob unchanged.
        await Tenant.UpdateUserAsync(ann, new { jobTitle = "Manager" });
        var dora = await Tenant.CreateUserAsync(s + "dora");
        await Tenant.AssignAsync(app, dora);
        await Tenant.UpdateUserAsync(carl, new { accountEnabled = false });
        var before = await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s);
        var logsBefore = (await world.LogsAsync(job)).Count;
        var stored = await world.ReloadAsync(job);

        var plan = await world.Engine.PlanAsync(stored);

        Assert.Equal(before.Select(u => Field(u, "sys_updated_on") + Field(u, "title") + Field(u, "active")),
            (await Instance.ListAsync("sys_user", "user_nameSTARTSWITH" + s)).Select(u => Field(u, "sys_updated_on") + Field(u, "title") + Field(u, "active")));
        Assert.Equal(logsBefore, (await world.LogsAsync(job)).Count);
        Assert.Equal(stored.UsersWatermark, (await world.ReloadAsync(job)).UsersWatermark);
        var planned = plan.Entries.Where(e => e.Action != ProvisioningAction.Other).Select(e => (e.Action, e.SourceIdentity.Id!)).Order().ToList();
        Assert.Equal(new[] { (ProvisioningAction.Create, dora), (ProvisioningAction.Update, ann), (ProvisioningAction.Disable, carl) }.Order().ToList(), planned);
        var update = plan.Entries.Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal(("title", "Clerk", "Manager"), update.ModifiedProperties.Select(p => (p.DisplayName, p.OldValue, p.NewValue)).Single());

        var cycle = await world.SyncAsync(job);
        var done = (await world.LogsAsync(job, f => f with { CycleId = cycle.CycleId }))
            .Where(e => e.Action != ProvisioningAction.Other).Select(e => (e.Action, e.SourceIdentity.Id!)).Order().ToList();
        Assert.Equal(planned, done);
        _ = bob;
    }

    [Fact]
    public async Task explain_shows_each_scoping_clause_the_matching_lookup_and_each_mappings_value()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann", companyName = "Contoso" });
        var (_, job) = await JobAsync(s, [ann], Schemas.WithUserScope("companyName", "EQUALS", "Fabrikam"));
        var outcome = await world.Engine.ExplainAsync(job, new CycleSubject(SourceObjectType.User, TenantServer.Upn(s + "ann")));
        var explanation = Assert.Single(outcome.Explanations);
        Assert.Contains(explanation.Scope, line => line.Contains("companyName") && line.Contains("failed"));
        Assert.StartsWith("Other (Skip", explanation.Decision);

        var (_, open) = await JobAsync(s + "o-", [ann]);
        var detailed = Assert.Single((await world.Engine.ExplainAsync(open, new CycleSubject(SourceObjectType.User, ann))).Explanations);
        Assert.Contains(detailed.Matching, line => line.Contains("user_name=" + TenantServer.Upn(s + "ann")));
        var firstName = detailed.Mappings.Single(m => m.TargetAttribute == "first_name");
        Assert.Equal(("[givenName]", "Ann"), (firstName.Expression, firstName.Value));
        Assert.Contains("Create", detailed.Decision);
        Assert.Null(await UserAsync(s + "ann"));
    }
}
