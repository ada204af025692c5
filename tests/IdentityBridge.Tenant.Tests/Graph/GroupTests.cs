using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

public abstract class GroupTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task group_is_created_updated_listed_and_deleted()
    {
        var scope = tenant.NewScope();
        var group = await tenant.CreateGroupAsync(scope + "sales");
        Assert.True(group.GetProperty("securityEnabled").GetBoolean());
        Assert.Equal(0, group.GetProperty("groupTypes").GetArrayLength());
        (await tenant.Admin.PatchAsync($"/v1.0/groups/{group.Id()}", new { description = "Sales people" })).ShouldBe(HttpStatusCode.NoContent);
        var read = (await tenant.Reader.GetAsync($"/v1.0/groups/{group.Id()}?$select=description")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal("Sales people", read.Text("description"));
        var filter = Uri.EscapeDataString($"startswith(displayName,'{scope}')");
        Assert.Single((await tenant.Reader.GetAsync($"/v1.0/groups?$filter={filter}")).ShouldBe(HttpStatusCode.OK).Value);
        (await tenant.Admin.DeleteAsync($"/v1.0/groups/{group.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Reader.GetAsync($"/v1.0/groups/{group.Id()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await tenant.Reader.GetAsync("/v1.0/groups/not-a-guid")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [BackendFact]
    public async Task members_and_transitive_members_follow_nesting()
    {
        var scope = tenant.NewScope();
        var outer = await tenant.CreateGroupAsync(scope + "outer");
        var inner = await tenant.CreateGroupAsync(scope + "inner");
        var ann = await tenant.CreateUserAsync(scope + "ann");
        var ben = await tenant.CreateUserAsync(scope + "ben");
        await tenant.AddMemberAsync(outer.Id(), ann.Id());
        await tenant.AddMemberAsync(outer.Id(), inner.Id());
        await tenant.AddMemberAsync(inner.Id(), ben.Id());
        // A cycle is allowed and walked once.
        await tenant.AddMemberAsync(inner.Id(), outer.Id());

        var members = (await tenant.Reader.GetAsync($"/v1.0/groups/{outer.Id()}/members")).ShouldBe(HttpStatusCode.OK).Value;
        Assert.Equal(new[] { ann.Id(), inner.Id() }.Order(), members.Select(m => m.Id()).Order());
        Assert.Contains(members, m => m.Text("@odata.type") == "#microsoft.graph.group");

        var (transitive, _) = await tenant.AllPagesAsync(tenant.Reader, $"/v1.0/groups/{outer.Id()}/transitiveMembers?$top=1");
        Assert.Equal(new[] { ann.Id(), ben.Id(), inner.Id() }.Order(), transitive.Select(m => m.Id()).Order());

        var again = await tenant.Admin.PostAsync($"/v1.0/groups/{outer.Id()}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{ann.Id()}" });
        Assert.Contains("already exist", again.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        var nobody = await tenant.Admin.PostAsync($"/v1.0/groups/{outer.Id()}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{Guid.NewGuid()}" });
        nobody.ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");

        (await tenant.Admin.DeleteAsync($"/v1.0/groups/{outer.Id()}/members/{ann.Id()}/$ref")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Admin.DeleteAsync($"/v1.0/groups/{outer.Id()}/members/{ann.Id()}/$ref")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        members = (await tenant.Reader.GetAsync($"/v1.0/groups/{outer.Id()}/members")).ShouldBe(HttpStatusCode.OK).Value;
        Assert.Equal(inner.Id(), Assert.Single(members).Id());
    }

    [BackendFact]
    public async Task members_page_by_next_link_and_leave_deleted_users_out()
    {
        var scope = tenant.NewScope();
        var group = await tenant.CreateGroupAsync(scope + "big");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var user = await tenant.CreateUserAsync($"{scope}m{i}");
            await tenant.AddMemberAsync(group.Id(), user.Id());
            ids.Add(user.Id());
        }
        var (members, _) = await tenant.AllPagesAsync(tenant.Reader, $"/v1.0/groups/{group.Id()}/members?$top=2&$select=id,userPrincipalName");
        Assert.Equal(ids.Order(), members.Select(m => m.Id()).Order());
        Assert.All(members, m => Assert.NotNull(m.Text("userPrincipalName")));
        var counted = (await tenant.Reader.GetAsync($"/v1.0/groups/{group.Id()}/members?$count=true", ("ConsistencyLevel", "eventual")))
            .ShouldBe(HttpStatusCode.OK);
        Assert.Equal(5, counted.Body.GetProperty("@odata.count").GetInt64());

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{ids[0]}")).ShouldBe(HttpStatusCode.NoContent);
        var after = (await tenant.Reader.GetAsync($"/v1.0/groups/{group.Id()}/members")).ShouldBe(HttpStatusCode.OK).Value;
        Assert.DoesNotContain(after, m => m.Id() == ids[0]);
        Assert.Equal(4, after.Count);
    }
}

public sealed class GroupTestsOnSqlite(SqliteTenant tenant) : GroupTests(tenant), IClassFixture<SqliteTenant>;

public sealed class GroupTestsOnPostgres(PostgresTenant tenant) : GroupTests(tenant), IClassFixture<PostgresTenant>;
