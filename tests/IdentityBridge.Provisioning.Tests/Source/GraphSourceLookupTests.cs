using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Source;

/// <summary>Reading single objects, members and assignments from a real tenant.</summary>
public sealed class GraphSourceLookupTests(TenantServer tenant) : IClassFixture<TenantServer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task get_by_ids_reads_more_ids_than_one_filter_takes_and_leaves_out_missing_ones()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var ids = new List<string>();
        for (var i = 0; i < 20; i++) ids.Add(await tenant.CreateUserAsync($"{scope}u{i}", new { jobTitle = "T" + i }));
        await tenant.SetManagerAsync(ids[17], boss);
        var purged = await tenant.CreateUserAsync(scope + "purged");
        await tenant.PurgeUserAsync(purged);
        await using var source = tenant.NewSource();

        var found = (await source.GetByIdsAsync(SourceObjectType.User, [.. ids, purged, Guid.NewGuid().ToString(), "not-an-id"],
            SourceRounds.UserAttributes, None)).Ok();

        Assert.Equal(ids.Order(), found.Select(o => o.Id).Order());
        Assert.All(found, o => Assert.True(o.Complete && o.ManagerKnown));
        var seventeen = found.Single(o => o.Id == ids[17]);
        Assert.Equal("T17", seventeen.Attributes["jobTitle"].Text);
        Assert.Equal(ExpressionValue.FromReference(boss), seventeen.Attributes["manager"]);
        Assert.True(found.Single(o => o.Id == ids[3]).Attributes["manager"].IsNull);
    }

    [Fact]
    public async Task get_by_ids_reads_groups_without_their_members()
    {
        var scope = tenant.NewScope();
        var team = await tenant.CreateGroupAsync(scope + "team", "a team");
        await tenant.AddMemberAsync(team, await tenant.CreateUserAsync(scope + "amy"));
        await using var source = tenant.NewSource();

        var group = Assert.Single((await source.GetByIdsAsync(SourceObjectType.Group, [team], SourceRounds.GroupAttributes, None)).Ok());

        Assert.Equal("a team", group.Attributes["description"].Text);
        Assert.Equal(team, group.Attributes["objectId"].Text);
        Assert.Empty(group.MemberChanges);
        Assert.True(group.Complete);
    }

    [Fact]
    public async Task find_reads_a_user_by_upn_or_id_and_a_group_by_name_or_id()
    {
        var scope = tenant.NewScope();
        var amy = await tenant.CreateUserAsync(scope + "amy", new { city = "Lyon" });
        var group = await tenant.CreateGroupAsync(scope + "O'Brien's team");
        await using var source = tenant.NewSource();

        var byUpn = (await source.FindAsync(SourceObjectType.User, TenantServer.Upn(scope + "amy"), SourceRounds.UserAttributes, None)).Ok();
        var byId = (await source.FindAsync(SourceObjectType.User, amy, ["city"], None)).Ok();
        var byName = (await source.FindAsync(SourceObjectType.Group, scope + "O'Brien's team", SourceRounds.GroupAttributes, None)).Ok();
        var groupById = (await source.FindAsync(SourceObjectType.Group, group, SourceRounds.GroupAttributes, None)).Ok();

        Assert.Equal(amy, byUpn!.Id);
        Assert.Equal("Lyon", byUpn.Attributes["city"].Text);
        Assert.True(byUpn.ManagerKnown);
        Assert.Equal("Lyon", byId!.Attributes["city"].Text);
        Assert.Equal(TenantServer.Upn(scope + "amy"), byId.Attributes["userPrincipalName"].Text);
        Assert.Equal(group, byName!.Id);
        Assert.Equal(group, groupById!.Id);
    }

    [Fact]
    public async Task find_answers_null_for_what_is_not_there()
    {
        await using var source = tenant.NewSource();

        Assert.Null((await source.FindAsync(SourceObjectType.User, "nobody@" + TenantServer.Domain, ["objectId"], None)).Ok());
        Assert.Null((await source.FindAsync(SourceObjectType.User, "not a name", ["objectId"], None)).Ok());
        Assert.Null((await source.FindAsync(SourceObjectType.User, Guid.NewGuid().ToString(), ["objectId"], None)).Ok());
        Assert.Null((await source.FindAsync(SourceObjectType.Group, "no such group", ["objectId"], None)).Ok());
    }

    [Fact]
    public async Task group_members_are_read_through_every_page()
    {
        var scope = tenant.NewScope();
        var team = await tenant.CreateGroupAsync(scope + "team");
        var sub = await tenant.CreateGroupAsync(scope + "sub");
        var users = new List<string>();
        for (var i = 0; i < 3; i++) users.Add(await tenant.CreateUserAsync($"{scope}m{i}"));
        foreach (var user in users) await tenant.AddMemberAsync(team, user);
        await tenant.AddMemberAsync(team, sub);
        await using var source = tenant.NewSource(pageSize: 2);

        var members = (await source.GetMembersAsync(team, None)).Ok();

        Assert.Equal(users.Order(), members.Where(m => m.MemberType == SourceObjectType.User).Select(m => m.MemberId).Order());
        Assert.Equal(sub, Assert.Single(members, m => m.MemberType == SourceObjectType.Group).MemberId);
        Assert.All(members, m => Assert.False(m.Removed));
    }

    [Fact]
    public async Task assignments_list_the_users_and_groups_assigned_to_the_app()
    {
        var scope = tenant.NewScope();
        var role = Guid.NewGuid().ToString();
        var (app, appId) = await tenant.CreateServicePrincipalAsync(scope + "ServiceNow", role);
        var amy = await tenant.CreateUserAsync(scope + "amy");
        var team = await tenant.CreateGroupAsync(scope + "team");
        await tenant.AssignAsync(app, amy, role);
        await tenant.AssignAsync(app, team);
        await using var source = tenant.NewSource(pageSize: 1);

        var assignments = (await source.GetAssignmentsAsync(app, None)).Ok();

        Assert.Equal(2, assignments.Count);
        Assert.Equal(new AppRoleAssignmentRef(amy, SourceObjectType.User, role, scope + "amy"), assignments.Single(a => a.PrincipalId == amy));
        Assert.Equal(SourceObjectType.Group, assignments.Single(a => a.PrincipalId == team).PrincipalType);
        Assert.Equal(app, (await source.FindServicePrincipalAsync(app, None)).Ok());
        Assert.Equal(app, (await source.FindServicePrincipalAsync(appId, None)).Ok());
        Assert.Equal(app, (await source.FindServicePrincipalAsync(scope + "ServiceNow", None)).Ok());
        Assert.Null((await source.FindServicePrincipalAsync(scope + "nothing", None)).Ok());
    }

    [Fact]
    public async Task default_domain_is_the_tenants_default_verified_domain()
    {
        await using var source = tenant.NewSource();

        Assert.Equal(TenantServer.Domain, (await source.DefaultDomainAsync(None)).Ok());
    }
}
