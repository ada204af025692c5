using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public sealed class InitialCycleTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<JsonElement> UserAsync(string userName) => (await Instance.ListAsync("sys_user", "user_name=" + userName)).Single();

    [Fact]
    public async Task initial_cycle_provisions_assigned_users_groups_and_memberships_with_references()
    {
        var s = Tenant.NewScope();
        var department = await Instance.CreateAsync("cmn_department", new Dictionary<string, string?> { ["name"] = s + "Sales" });
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "ServiceNow");
        var alice = await Tenant.CreateUserAsync(s + "alice", new { givenName = "Alice", surname = "Ames", mail = $"{s}alice@contoso.com", department = s + "Sales", jobTitle = "Director" });
        var bob = await Tenant.CreateUserAsync(s + "bob", new { givenName = "Bob", surname = "Burns" });
        var carol = await Tenant.CreateUserAsync(s + "carol", new { givenName = "Carol" });
        var dave = await Tenant.CreateUserAsync(s + "dave", new { accountEnabled = false });
        var erin = await Tenant.CreateUserAsync(s + "erin");
        await Tenant.SetManagerAsync(bob, alice);
        var group = await Tenant.CreateGroupAsync(s + "Support", "First line");
        await Tenant.AddMemberAsync(group, bob);
        await Tenant.AddMemberAsync(group, carol);
        await Tenant.AssignAsync(app, alice);
        await Tenant.AssignAsync(app, bob);
        await Tenant.AssignAsync(app, dave);
        await Tenant.AssignAsync(app, group);

        var job = await world.CreateJobAsync(s + "job", app);
        var outcome = await world.SyncAsync(job);

        Assert.Equal("Succeeded", outcome.State);
        Assert.Equal(CycleKindName.Initial, outcome.Kind.ToString());
        var aliceRecord = await UserAsync(TenantServer.Upn(s + "alice"));
        Assert.Equal("Alice", Field(aliceRecord, "first_name"));
        Assert.Equal("Director", Field(aliceRecord, "title"));
        Assert.Equal($"{s}alice@contoso.com", Field(aliceRecord, "email"));
        Assert.Equal(department.GetProperty("sys_id").GetString(), Field(aliceRecord, "department"));
        Assert.Equal("true", Field(aliceRecord, "active"));
        var bobRecord = await UserAsync(TenantServer.Upn(s + "bob"));
        Assert.Equal(Field(aliceRecord, "sys_id"), Field(bobRecord, "manager"));
        var carolRecord = await UserAsync(TenantServer.Upn(s + "carol"));
        Assert.Empty(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "dave")));
        Assert.Empty(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "erin")));

        var groupRecord = (await Instance.ListAsync("sys_user_group", "name=" + s + "Support")).Single();
        Assert.Equal("First line", Field(groupRecord, "description"));
        var members = await Instance.ListAsync("sys_user_grmember", "group=" + Field(groupRecord, "sys_id"));
        Assert.Equal(new[] { Field(bobRecord, "sys_id"), Field(carolRecord, "sys_id") }.Order(),
            members.Select(m => Field(m, "user")).Order());

        var status = (await world.ReloadAsync(job)).Status;
        Assert.Equal(StatusCodes.Active, status.Code);
        Assert.Equal(3, status.SynchronizedEntryCountByType.Single(c => c.Key == "user").Value);
        Assert.Equal(1, status.SynchronizedEntryCountByType.Single(c => c.Key == "group").Value);

        var logs = await world.LogsAsync(job);
        Assert.Contains(logs, e => e.Action == ProvisioningAction.Create && e.Status == ProvisioningResult.Success && e.SourceIdentity.Id == alice);
        var skipped = Assert.Single(logs, e => e.SourceIdentity.Id == dave);
        Assert.Equal(ProvisioningResult.Skipped, skipped.Status);
        Assert.DoesNotContain(logs, e => e.SourceIdentity.Id == erin);
        _ = carol;
    }
}

internal static class CycleKindName
{
    public const string Initial = "Initial";
}
