using IdentityBridge.Provisioning.Target;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Target;

/// <summary>The connector's reads and writes against a real instance, with a proxy before it to count requests.</summary>
public sealed class TableApiTests(InstanceServer instance) : IClassFixture<InstanceServer>
{
    private static readonly string[] UserFields = ["user_name", "email", "first_name", "title", "active"];

    private static Dictionary<string, string?> Values(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private async Task<TargetRecord> CreateUserAsync(ITargetConnector connector, string userName, string? email = null,
        string? active = null)
    {
        var created = await connector.CreateAsync("sys_user",
            Values(("user_name", userName), ("email", email), ("first_name", "First"), ("active", active)), UserFields, default);
        Assert.True(created.Succeeded, created.Error?.Message);
        return created.Value!;
    }

    [Fact]
    public async Task lookups_are_batched_into_in_queries_of_at_most_a_hundred_values()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        var names = Enumerable.Range(0, 150).Select(i => $"{scope}user.{i:000}").ToList();
        await Task.WhenAll(names.Select(n => CreateUserAsync(connector, n)));
        var asked = names.Concat(Enumerable.Range(0, 60).Select(i => $"{scope}missing.{i}")).ToList();
        var before = proxy.Count(HttpMethod.Get);

        var found = await connector.FindAsync("sys_user", "user_name", asked, UserFields, null, default);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(names.Order(StringComparer.Ordinal), found.Value!.Select(r => r["user_name"]!).Order(StringComparer.Ordinal));
        var lookups = proxy.Received.Where(r => r.Method == "GET").Skip(before).ToList();
        Assert.Equal(3, lookups.Count);
        Assert.All(lookups, r => Assert.Contains("user_nameIN", r.PathAndQuery));
        Assert.All(lookups, r => Assert.Contains("sysparm_exclude_reference_link=true", r.PathAndQuery));
        Assert.All(lookups, r => Assert.Contains("sysparm_fields=sys_id,user_name,email,first_name,title,active&", r.PathAndQuery));
        Assert.All(lookups, r => Assert.True(r.PathAndQuery.Length < ServiceNowConnector.MaxUrlLength, r.PathAndQuery));
    }

    [Fact]
    public async Task long_values_make_more_batches_so_that_no_url_grows_past_the_limit()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        var values = Enumerable.Range(0, 60).Select(i => scope + new string('x', 150) + i).ToList();

        var found = await connector.FindAsync("sys_user", "user_name", values, ["user_name"], null, default);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Empty(found.Value!);
        Assert.True(proxy.Requests > 1, $"{proxy.Requests} request(s)");
        Assert.All(proxy.Received, r => Assert.True(
            new Uri(new Uri(proxy.BaseUrl), r.PathAndQuery).GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped).Length
            < ServiceNowConnector.MaxUrlLength + 200));
    }

    [Fact]
    public async Task values_holding_query_syntax_are_found_exactly_and_never_match_their_neighbours()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        string[] awkward = [$"{scope}comma,name", $"{scope}caret^name", $"{scope}equals=name", $"{scope}two^^carets",
            $" {scope}spaced ", $"{scope}ends^", $"{scope}or^ORname", "NULL"];
        foreach (var name in awkward) await CreateUserAsync(connector, name);
        // Neighbours that a mis-split query would match.
        foreach (var name in new[] { $"{scope}comma", "name", $"{scope}caret", $"{scope}equals", $"{scope}spaced", $"{scope}or" })
            await CreateUserAsync(connector, name);

        var found = await connector.FindAsync("sys_user", "user_name", awkward, ["user_name"], null, default);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(awkward.Order(StringComparer.Ordinal), found.Value!.Select(r => r["user_name"]!).Order(StringComparer.Ordinal));
        // Only NULL goes in a list; the rest are looked up one by one.
        Assert.Equal(awkward.Length, proxy.Received.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task a_value_no_encoded_query_can_express_is_unprocessable_and_named()
    {
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);

        var script = await connector.FindAsync("sys_user", "user_name", ["fine", "javascript:gs.getUserID()"], ["user_name"], null, default);
        var empty = await connector.FindAsync("sys_user", "user_name", [""], ["user_name"], null, default);

        Assert.Equal("UnprocessableEntity", script.Error?.Code);
        Assert.Contains("'javascript:gs.getUserID()'", script.Error!.Message);
        Assert.Equal("UnprocessableEntity", empty.Error?.Code);
    }

    [Fact]
    public async Task every_record_matching_a_value_is_answered_duplicates_included()
    {
        var scope = instance.NewScope();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);
        var email = $"{scope}shared@example.com";
        var first = await CreateUserAsync(connector, scope + "one", email);
        var second = await CreateUserAsync(connector, scope + "two", email.ToUpperInvariant());

        var found = await connector.FindAsync("sys_user", "email", [email], ["user_name"], null, default);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(new[] { first.SysId, second.SysId }.Order(), found.Value!.Select(r => r.SysId).Order());
    }

    [Fact]
    public async Task a_filter_narrows_every_batch_including_each_group_of_an_nq_filter()
    {
        var scope = instance.NewScope();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);
        var active = await CreateUserAsync(connector, scope + "active", active: "true");
        await CreateUserAsync(connector, scope + "inactive", active: "false");
        var other = await CreateUserAsync(connector, scope + "other", active: "false");

        var narrowed = await connector.FindAsync("sys_user", "user_name", [scope + "active", scope + "inactive", "odd,value"],
            ["active"], "active=true", default);
        var grouped = await connector.FindAsync("sys_user", "user_name", [scope + "active", scope + "inactive"],
            ["active"], "active=true^NQuser_name=" + scope + "other", default);

        Assert.True(narrowed.Succeeded, narrowed.Error?.Message);
        Assert.Equal([active.SysId], narrowed.Value!.Select(r => r.SysId));
        Assert.True(grouped.Succeeded, grouped.Error?.Message);
        Assert.DoesNotContain(other.SysId, grouped.Value!.Select(r => r.SysId));
        Assert.Equal([active.SysId], grouped.Value!.Select(r => r.SysId));
    }

    [Fact]
    public async Task a_lookup_on_a_field_the_table_does_not_have_is_an_error_not_every_row()
    {
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);

        var found = await connector.FindAsync("sys_user", "no_such_field", ["x"], [], null, default);

        Assert.Equal("UnprocessableEntity", found.Error?.Code);
        Assert.Contains("no_such_field", found.Error!.Message);
    }

    [Fact]
    public async Task created_updated_and_deleted_records_round_trip()
    {
        var scope = instance.NewScope();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);

        var created = await CreateUserAsync(connector, scope + "round.trip", scope + "rt@example.com");
        var updated = await connector.UpdateAsync("sys_user", created.SysId, Values(("title", "Engineer"), ("email", "")), UserFields, default);
        var read = await connector.GetManyAsync("sys_user", [created.SysId, "0123456789abcdef0123456789abcdef", "not-an-id"], UserFields, default);
        var deleted = await connector.DeleteAsync("sys_user", created.SysId, default);
        var deletedAgain = await connector.DeleteAsync("sys_user", created.SysId, default);
        var afterwards = await connector.GetManyAsync("sys_user", [created.SysId], UserFields, default);

        Assert.Matches("^[0-9a-f]{32}$", created.SysId);
        Assert.Equal(scope + "round.trip", created["user_name"]);
        Assert.Equal("First", created["first_name"]);
        Assert.True(updated.Succeeded, updated.Error?.Message);
        Assert.Equal("Engineer", updated.Value!["title"]);
        Assert.Equal("", updated.Value["email"]);
        Assert.Equal([created.SysId], read.Value!.Select(r => r.SysId));
        Assert.Equal("Engineer", read.Value![0]["title"]);
        Assert.True(deleted.Value);
        Assert.True(deletedAgain.Succeeded);
        Assert.False(deletedAgain.Value);
        Assert.Empty(afterwards.Value!);
    }

    [Fact]
    public async Task an_update_patches_only_the_fields_it_was_given()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        var created = await CreateUserAsync(connector, scope + "patched");
        await instance.PatchAsync("sys_user", created.SysId, Values(("title", "Set by someone else")));

        var updated = await connector.UpdateAsync("sys_user", created.SysId, Values(("first_name", "Changed")), ["first_name", "title"], default);

        Assert.True(updated.Succeeded, updated.Error?.Message);
        Assert.Equal("Changed", updated.Value!["first_name"]);
        Assert.Equal("Set by someone else", updated.Value["title"]);
        var patch = Assert.Single(proxy.Received, r => r.Method == "PATCH");
        Assert.Equal("""{"first_name":"Changed"}""", patch.Body);
        Assert.Contains("sysparm_fields=sys_id,first_name,title&", patch.PathAndQuery);
    }

    [Fact]
    public async Task updating_a_record_that_no_longer_exists_is_an_invalid_anchor()
    {
        var scope = instance.NewScope();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);
        var created = await CreateUserAsync(connector, scope + "gone");
        await instance.DeleteAsync("sys_user", created.SysId);

        var updated = await connector.UpdateAsync("sys_user", created.SysId, Values(("title", "x")), [], default);

        Assert.Equal("InvalidAnchor", updated.Error?.Code);
        Assert.Equal($"The record {created.SysId} in sys_user no longer exists; restart the job to match it again.", updated.Error!.Message);
        Assert.False(updated.Error.JobLevel);
    }

    [Fact]
    public async Task a_query_reads_every_page_by_sys_id_rather_than_by_offset()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, pageSize: 7);
        var created = new List<TargetRecord>();
        for (var i = 0; i < 20; i++) created.Add(await CreateUserAsync(connector, $"{scope}paged.{i}"));
        var before = proxy.Count(HttpMethod.Get);

        var all = await connector.QueryAsync("sys_user", $"user_nameSTARTSWITH{scope}paged.", ["user_name"], default);

        Assert.True(all.Succeeded, all.Error?.Message);
        Assert.Equal(created.Select(r => r.SysId).Order(), all.Value!.Select(r => r.SysId).Order());
        var pages = proxy.Received.Where(r => r.Method == "GET").Skip(before).ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages, p => Assert.DoesNotContain("sysparm_offset", p.PathAndQuery));
        Assert.All(pages, p => Assert.Contains("ORDERBYsys_id", p.PathAndQuery));
        Assert.Contains("sys_id>", pages[1].PathAndQuery);
    }

    [Fact]
    public async Task memberships_are_found_by_their_references()
    {
        var scope = instance.NewScope();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);
        var user = await CreateUserAsync(connector, scope + "member");
        var group = await connector.CreateAsync("sys_user_group", Values(("name", scope + "group")), ["name"], default);
        var membership = await connector.CreateAsync("sys_user_grmember",
            Values(("user", user.SysId), ("group", group.Value!.SysId)), ["user", "group"], default);

        var found = await connector.FindAsync("sys_user_grmember", "group", [group.Value.SysId], ["user", "group"], "user=" + user.SysId, default);

        Assert.True(membership.Succeeded, membership.Error?.Message);
        Assert.Equal(user.SysId, membership.Value!["user"]);
        var record = Assert.Single(found.Value!);
        Assert.Equal(membership.Value.SysId, record.SysId);
        Assert.Equal(group.Value.SysId, record["group"]);
    }
}
