using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>
/// <c>manager@delta</c> in users delta, and <c>Prefer: odata.maxpagesize</c> on delta pages. Each test starts its own
/// delta round.
/// </summary>
public abstract class DeltaManagerTests(RunningTenant tenant)
{
    private const string WithManager = "/v1.0/users/delta?$select=displayName,manager";

    private async Task SetManagerAsync(string userId, string managerId) =>
        (await tenant.Admin.PutAsync($"/v1.0/users/{userId}/manager/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/users/{managerId}" }))
        .ShouldBe(HttpStatusCode.NoContent);

    private async Task<string> DeltaLinkAsync(string path)
    {
        var (_, last) = await tenant.AllPagesAsync(tenant.Reader, path);
        return last.DeltaLink ?? throw new InvalidOperationException("The round ended without a deltaLink.");
    }

    private static JsonElement ManagerDelta(JsonElement user) => user.GetProperty("manager@delta");

    [BackendFact]
    public async Task first_round_names_each_users_manager_when_manager_is_selected()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var amy = await tenant.CreateUserAsync(scope + "amy");
        await SetManagerAsync(amy.Id(), boss.Id());

        var (users, _) = await tenant.AllPagesAsync(tenant.Reader, WithManager);

        var entry = Assert.Single(ManagerDelta(users.Single(u => u.Id() == amy.Id())).EnumerateArray());
        Assert.Equal("#microsoft.graph.user", entry.GetProperty("@odata.type").GetString());
        Assert.Equal(boss.Id(), entry.Id());
        Assert.False(entry.TryGetProperty("@removed", out _));
        Assert.False(users.Single(u => u.Id() == boss.Id()).TryGetProperty("manager@delta", out _));
        // Without manager in $select, Graph names no manager.
        var (plain, _) = await tenant.AllPagesAsync(tenant.Reader, "/v1.0/users/delta?$select=displayName");
        Assert.False(plain.Single(u => u.Id() == amy.Id()).TryGetProperty("manager@delta", out _));
    }

    [BackendFact]
    public async Task setting_and_removing_a_manager_are_changes_with_manager_delta()
    {
        var scope = tenant.NewScope();
        var ann = await tenant.CreateUserAsync(scope + "ann");
        var ben = await tenant.CreateUserAsync(scope + "ben");
        var cat = await tenant.CreateUserAsync(scope + "cat");
        var link = await DeltaLinkAsync(WithManager);

        await SetManagerAsync(cat.Id(), ann.Id());
        var round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        var changed = Assert.Single(round.Value);
        Assert.Equal(cat.Id(), changed.Id());
        Assert.Equal(ann.Id(), Assert.Single(ManagerDelta(changed).EnumerateArray()).Id());
        link = round.DeltaLink!;

        await SetManagerAsync(cat.Id(), ben.Id());
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(ben.Id(), Assert.Single(ManagerDelta(Assert.Single(round.Value)).EnumerateArray()).Id());
        link = round.DeltaLink!;

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{cat.Id()}/manager/$ref")).ShouldBe(HttpStatusCode.NoContent);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        // The removed manager, marked as Graph marks a removed link.
        var removed = Assert.Single(ManagerDelta(Assert.Single(round.Value)).EnumerateArray());
        Assert.Equal(ben.Id(), removed.Id());
        Assert.Equal("deleted", removed.GetProperty("@removed").GetProperty("reason").GetString());
        link = round.DeltaLink!;

        // A change that leaves the manager alone says nothing of it when there is none.
        (await tenant.Admin.PatchAsync($"/v1.0/users/{cat.Id()}", new { jobTitle = "Lead" })).ShouldBe(HttpStatusCode.NoContent);
        round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);
        Assert.False(Assert.Single(round.Value).TryGetProperty("manager@delta", out _));
    }

    [BackendFact]
    public async Task manager_changes_are_recorded_with_the_previous_manager()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var amy = await tenant.CreateUserAsync(scope + "amy");
        var before = await tenant.App.Directory.CurrentSequenceAsync();

        await SetManagerAsync(amy.Id(), boss.Id());
        (await tenant.Admin.DeleteAsync($"/v1.0/users/{amy.Id()}/manager/$ref")).ShouldBe(HttpStatusCode.NoContent);

        var changes = await tenant.App.Directory.ChangesAsync("user", before, 10);
        Assert.Equal(2, changes.Count);
        Assert.All(changes, c => Assert.Equal(GraphIds.ToSysId(Guid.Parse(amy.Id())), c["object_id"]));
        Assert.Null(changes[0]["member_id"]);
        Assert.Equal(GraphIds.ToSysId(Guid.Parse(boss.Id())), changes[1]["member_id"]);
    }

    [BackendFact]
    public async Task purging_a_manager_removes_it_from_the_reports_delta()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var amy = await tenant.CreateUserAsync(scope + "amy");
        await SetManagerAsync(amy.Id(), boss.Id());
        var link = await DeltaLinkAsync(WithManager);

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{boss.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Admin.DeleteAsync($"/v1.0/directory/deletedItems/{boss.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        var round = (await tenant.Reader.GetAsync(link)).ShouldBe(HttpStatusCode.OK);

        var report = round.Value.Single(u => u.Id() == amy.Id());
        Assert.Equal("deleted", Assert.Single(ManagerDelta(report).EnumerateArray()).GetProperty("@removed").GetProperty("reason").GetString());
        Assert.Equal("deleted", round.Value.Single(u => u.Id() == boss.Id()).GetProperty("@removed").GetProperty("reason").GetString());
    }

    [BackendFact]
    public async Task delta_pages_honour_prefer_maxpagesize_and_say_so()
    {
        var scope = tenant.NewScope();
        for (var i = 0; i < 3; i++) await tenant.CreateUserAsync($"{scope}p{i}");

        var page = (await tenant.Reader.GetAsync("/v1.0/users/delta?$select=displayName", ("Prefer", "odata.maxpagesize=2")))
            .ShouldBe(HttpStatusCode.OK);
        var clamped = (await tenant.Reader.GetAsync("/v1.0/groups/delta", ("Prefer", "odata.maxpagesize=5000")))
            .ShouldBe(HttpStatusCode.OK);
        var top = (await tenant.Reader.GetAsync("/v1.0/users/delta?$top=1", ("Prefer", "odata.maxpagesize=2")))
            .ShouldBe(HttpStatusCode.OK);

        Assert.Equal(2, page.Value.Count);
        Assert.NotNull(page.NextLink);
        Assert.Equal("odata.maxpagesize=2", page.Headers["Preference-Applied"]);
        Assert.Equal("odata.maxpagesize=999", clamped.Headers["Preference-Applied"]);
        // $top wins over the preference, which is then not applied.
        Assert.Single(top.Value);
        Assert.False(top.Headers.ContainsKey("Preference-Applied"));
        // Following the nextLink with the header keeps the size.
        var next = (await tenant.Reader.GetAsync(page.NextLink!, ("Prefer", "odata.maxpagesize=2"))).ShouldBe(HttpStatusCode.OK);
        Assert.True(next.Value.Count <= 2);
    }
}

public sealed class DeltaManagerTestsOnSqlite(SqliteTenant tenant) : DeltaManagerTests(tenant), IClassFixture<SqliteTenant>;

public sealed class DeltaManagerTestsOnPostgres(PostgresTenant tenant) : DeltaManagerTests(tenant), IClassFixture<PostgresTenant>;
