using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>Each test starts its own delta round, so the fixture's other objects only add to the first round.</summary>
public abstract class DeltaTests(RunningTenant tenant)
{
    private async Task<string> FinishRoundAsync(string path)
    {
        var (_, last) = await tenant.AllPagesAsync(tenant.Reader, path);
        return last.DeltaLink ?? throw new InvalidOperationException("The round ended without a deltaLink.");
    }

    [BackendFact]
    public async Task user_delta_reports_creates_updates_soft_and_hard_deletes()
    {
        var scope = tenant.NewScope();
        var before = await tenant.CreateUserAsync(scope + "before");
        var (initial, last) = await tenant.AllPagesAsync(tenant.Reader, "/v1.0/users/delta?$select=displayName,jobTitle&$top=2");
        Assert.Contains(initial, u => u.Id() == before.Id());
        var link = last.DeltaLink!;
        Assert.Contains("$deltatoken=", link);

        var fresh = await tenant.CreateUserAsync(scope + "fresh");
        (await tenant.Admin.PatchAsync($"/v1.0/users/{before.Id()}", new { jobTitle = "Lead" })).ShouldBe(HttpStatusCode.NoContent);
        var round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(new[] { fresh.Id(), before.Id() }.Order(), round.Value.Select(u => u.Id()).Order());
        Assert.Equal("Lead", round.Value.Single(u => u.Id() == before.Id()).Text("jobTitle"));
        Assert.False(round.Value[0].TryGetProperty("userPrincipalName", out _));
        link = round.DeltaLink!;

        (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK).Value.ToList().ForEach(_ => Assert.Fail("nothing changed"));

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{fresh.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        var removed = Assert.Single(round.Value);
        Assert.Equal("changed", removed.GetProperty("@removed").GetProperty("reason").GetString());
        link = round.DeltaLink!;

        (await tenant.Admin.PostAsync($"/v1.0/directory/deletedItems/{fresh.Id()}/restore", null)).ShouldBe(HttpStatusCode.OK);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(scope + "fresh", Assert.Single(round.Value).Text("displayName"));
        link = round.DeltaLink!;

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{fresh.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Admin.DeleteAsync($"/v1.0/directory/deletedItems/{fresh.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        removed = Assert.Single(round.Value);
        Assert.Equal(fresh.Id(), removed.Id());
        Assert.Equal("deleted", removed.GetProperty("@removed").GetProperty("reason").GetString());
    }

    [BackendFact]
    public async Task delta_pages_many_changes_by_next_link()
    {
        var scope = tenant.NewScope();
        // Graph's SDKs call the function with parentheses.
        var link = await FinishRoundAsync("/v1.0/users/delta()?$select=displayName");
        var ids = new HashSet<string>();
        for (var i = 0; i < 7; i++) ids.Add((await tenant.CreateUserAsync($"{scope}d{i}")).Id());
        var (changed, last) = await tenant.AllPagesAsync(tenant.Reader, link, ("Prefer", "odata.maxpagesize=3"));
        Assert.True(ids.SetEquals(changed.Select(u => u.Id())));
        Assert.NotNull(last.DeltaLink);
    }

    [BackendFact]
    public async Task group_delta_reports_members_added_and_removed()
    {
        var scope = tenant.NewScope();
        var group = await tenant.CreateGroupAsync(scope + "team");
        var amy = await tenant.CreateUserAsync(scope + "amy");
        var bo = await tenant.CreateUserAsync(scope + "bo");
        await tenant.AddMemberAsync(group.Id(), amy.Id());

        var (initial, last) = await tenant.AllPagesAsync(tenant.Reader, "/v1.0/groups/delta?$select=displayName,members");
        var first = initial.Single(g => g.Id() == group.Id());
        Assert.Equal(amy.Id(), Assert.Single(first.GetProperty("members@delta").EnumerateArray()).Id());
        var link = last.DeltaLink!;

        await tenant.AddMemberAsync(group.Id(), bo.Id());
        (await tenant.Admin.DeleteAsync($"/v1.0/groups/{group.Id()}/members/{amy.Id()}/$ref")).ShouldBe(HttpStatusCode.NoContent);
        var round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        var changed = Assert.Single(round.Value);
        var members = changed.GetProperty("members@delta").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.False(members.Single(m => m.Id() == bo.Id()).TryGetProperty("@removed", out _));
        Assert.Equal("deleted", members.Single(m => m.Id() == amy.Id()).GetProperty("@removed").GetProperty("reason").GetString());
        link = round.DeltaLink!;

        (await tenant.Admin.DeleteAsync($"/v1.0/groups/{group.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("deleted", Assert.Single(round.Value).GetProperty("@removed").GetProperty("reason").GetString());
    }

    [BackendFact]
    public async Task forged_delta_token_is_a_bad_request()
    {
        (await tenant.Reader.GetAsync("/v1.0/users/delta?$deltatoken=bm9wZQ")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Reader.GetAsync("/v1.0/users/delta?$deltatoken=%25%25%25")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
    }
}

public sealed class DeltaTestsOnSqlite(SqliteTenant tenant) : DeltaTests(tenant), IClassFixture<SqliteTenant>;

public sealed class DeltaTestsOnPostgres(PostgresTenant tenant) : DeltaTests(tenant), IClassFixture<PostgresTenant>;
