using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>On a tenant of its own, because it moves the clock a month on.</summary>
public abstract class DeletedRetentionTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task a_deleted_user_is_purged_after_30_days_and_delta_reports_it_deleted()
    {
        var scope = tenant.NewScope();
        var user = await tenant.CreateUserAsync(scope + "old");
        var kept = await tenant.CreateUserAsync(scope + "kept");
        var group = await tenant.CreateGroupAsync(scope + "group");
        await tenant.AddMemberAsync(group.Id(), user.Id());
        (await tenant.Admin.DeleteAsync($"/v1.0/users/{user.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        var (_, last) = await tenant.AllPagesAsync(tenant.Reader, "/v1.0/users/delta?$select=displayName");
        var userLink = last.DeltaLink!;
        (_, last) = await tenant.AllPagesAsync(tenant.Reader, "/v1.0/groups/delta");
        var groupLink = last.DeltaLink!;

        tenant.Clock.Advance(TimeSpan.FromDays(29));
        (await tenant.Reader.GetAsync($"/v1.0/directory/deletedItems/{user.Id()}")).ShouldBe(HttpStatusCode.OK);
        tenant.Clock.Advance(TimeSpan.FromDays(2));
        Assert.DoesNotContain((await tenant.Reader.GetAsync("/v1.0/directory/deletedItems/microsoft.graph.user")).ShouldBe(HttpStatusCode.OK).Value,
            u => u.Id() == user.Id());
        (await tenant.Reader.GetAsync($"/v1.0/directory/deletedItems/{user.Id()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await tenant.Reader.GetAsync($"/v1.0/users/{kept.Id()}")).ShouldBe(HttpStatusCode.OK);

        var round = (await tenant.Reader.GetAsync(userLink)).ShouldBe(HttpStatusCode.OK);
        var removed = Assert.Single(round.Value);
        Assert.Equal(user.Id(), removed.Id());
        Assert.Equal("deleted", removed.GetProperty("@removed").GetProperty("reason").GetString());
        var groups = (await tenant.Reader.GetAsync(groupLink)).ShouldBe(HttpStatusCode.OK);
        var member = Assert.Single(Assert.Single(groups.Value).GetProperty("members@delta").EnumerateArray());
        Assert.Equal(user.Id(), member.Id());
        Assert.Equal("deleted", member.GetProperty("@removed").GetProperty("reason").GetString());
    }
}

public sealed class DeletedRetentionTestsOnSqlite(SqliteTenant tenant) : DeletedRetentionTests(tenant), IClassFixture<SqliteTenant>;

public sealed class DeletedRetentionTestsOnPostgres(PostgresTenant tenant) : DeletedRetentionTests(tenant), IClassFixture<PostgresTenant>;
