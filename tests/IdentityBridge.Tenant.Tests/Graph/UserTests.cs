using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

public abstract class UserTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task user_is_created_read_by_id_and_by_upn_updated_and_deleted()
    {
        var scope = tenant.NewScope();
        var created = await tenant.CreateUserAsync(scope + "ada", new
        {
            givenName = "Ada",
            surname = "Lovelace",
            department = "Research",
            otherMails = new[] { "ada@example.com" },
            businessPhones = new[] { "+1 555 0100" },
            employeeId = "E1",
        });
        var id = created.Id();
        Assert.True(Guid.TryParse(id, out _));
        Assert.EndsWith("$metadata#users/$entity", created.Text("@odata.context"));
        Assert.False(created.TryGetProperty("passwordProfile", out _));

        var byId = (await tenant.Reader.GetAsync($"/v1.0/users/{id}?$select=id,givenName,department,otherMails,accountEnabled,createdDateTime"))
            .ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal("Research", byId.Text("department"));
        Assert.Equal("ada@example.com", byId.GetProperty("otherMails")[0].GetString());
        Assert.True(byId.GetProperty("accountEnabled").GetBoolean());
        Assert.Equal("2025-06-02T10:15:00Z", byId.Text("createdDateTime"));
        Assert.False(byId.TryGetProperty("surname", out _));

        var byUpn = (await tenant.Reader.GetAsync($"/v1.0/users/{RunningTenant.Upn(scope + "ADA")}")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal(id, byUpn.Id());
        Assert.Equal("+1 555 0100", byUpn.GetProperty("businessPhones")[0].GetString());

        (await tenant.Admin.PatchAsync($"/v1.0/users/{id}", new { jobTitle = "Countess", accountEnabled = false })).ShouldBe(HttpStatusCode.NoContent);
        var updated = (await tenant.Reader.GetAsync($"/v1.0/users/{id}?$select=jobTitle,accountEnabled")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal("Countess", updated.Text("jobTitle"));
        Assert.False(updated.GetProperty("accountEnabled").GetBoolean());

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{id}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Reader.GetAsync($"/v1.0/users/{id}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [BackendFact]
    public async Task the_password_is_stored_hashed_and_verified_for_enabled_users_only()
    {
        var scope = tenant.NewScope();
        var upn = RunningTenant.Upn(scope + "pw");
        var user = (await tenant.Admin.PostAsync("/v1.0/users", new
        {
            accountEnabled = true,
            displayName = "pw",
            mailNickname = "pw",
            userPrincipalName = upn,
            passwordProfile = new { password = "Correct-Horse-1" },
        })).ShouldBe(HttpStatusCode.Created).Body;
        var directory = tenant.App.Directory;
        Assert.NotNull(await directory.VerifyPasswordAsync(upn, "Correct-Horse-1"));
        Assert.Null(await directory.VerifyPasswordAsync(upn, "wrong"));
        Assert.Null(await directory.VerifyPasswordAsync("nobody@" + RunningTenant.Domain, "Correct-Horse-1"));
        var stored = await directory.Store.GetPasswordHashAsync(IdentityBridge.Tenant.Directory.DirectoryTables.User,
            user.Id().Replace("-", ""), "password");
        Assert.StartsWith("pbkdf2-sha256$", stored);
        (await tenant.Admin.PatchAsync($"/v1.0/users/{user.Id()}", new { accountEnabled = false })).ShouldBe(HttpStatusCode.NoContent);
        Assert.Null(await directory.VerifyPasswordAsync(upn, "Correct-Horse-1"));
    }

    [BackendFact]
    public async Task duplicate_upn_and_missing_properties_are_bad_requests()
    {
        var scope = tenant.NewScope();
        await tenant.CreateUserAsync(scope + "dup");
        var again = await tenant.Admin.PostAsync("/v1.0/users", new
        {
            accountEnabled = true,
            displayName = "x",
            mailNickname = "x",
            userPrincipalName = RunningTenant.Upn(scope + "dup"),
            passwordProfile = new { password = "Pw-1234567890" },
        });
        Assert.Contains("userPrincipalName", again.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        var missing = await tenant.Admin.PostAsync("/v1.0/users", new { displayName = "x" });
        Assert.Contains("accountEnabled", missing.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        var foreignDomain = await tenant.Admin.PostAsync("/v1.0/users", new
        {
            accountEnabled = true,
            displayName = "x",
            mailNickname = "x",
            userPrincipalName = scope + "x@elsewhere.example",
            passwordProfile = new { password = "Pw-1234567890" },
        });
        Assert.Contains("domain", foreignDomain.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        var unknown = await tenant.Admin.PatchAsync($"/v1.0/users/{RunningTenant.Upn(scope + "dup")}", new { shoeSize = 44 });
        Assert.Contains("shoeSize", unknown.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        var readOnly = await tenant.Admin.PatchAsync($"/v1.0/users/{RunningTenant.Upn(scope + "dup")}", new { id = Guid.NewGuid() });
        readOnly.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [BackendFact]
    public async Task select_filter_top_count_and_orderby_shape_the_list()
    {
        var scope = tenant.NewScope();
        await tenant.CreateUserAsync(scope + "carol", new { department = "Sales", city = "Zürich" });
        await tenant.CreateUserAsync(scope + "alice", new { department = "Sales", city = "Oslo" });
        await tenant.CreateUserAsync(scope + "bob", new { department = "IT", accountEnabled = false });
        var prefix = $"startswith(userPrincipalName,'{scope}')";

        var sales = (await tenant.Reader.GetAsync($"/v1.0/users?$filter={Uri.EscapeDataString(prefix + " and department eq 'sales'")}&$select=displayName,city&$orderby=displayName"))
            .ShouldBe(HttpStatusCode.OK);
        Assert.EndsWith("$metadata#users(id,displayName,city)", sales.Body.Text("@odata.context"));
        Assert.Equal([scope + "alice", scope + "carol"], sales.Value.Select(u => u.Text("displayName")!).ToArray());
        Assert.Equal("Zürich", sales.Value[1].Text("city"));
        Assert.False(sales.Value[0].TryGetProperty("userPrincipalName", out _));

        var descending = (await tenant.Reader.GetAsync($"/v1.0/users?$filter={Uri.EscapeDataString(prefix)}&$orderby=displayName desc")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal([scope + "carol", scope + "bob", scope + "alice"], descending.Value.Select(u => u.Text("displayName")!).ToArray());

        var filters = new Dictionary<string, string[]>
        {
            [$"{prefix} and accountEnabled eq false"] = ["bob"],
            [$"{prefix} and not (department eq 'Sales')"] = ["bob"],
            [$"{prefix} and (city eq 'Oslo' or department eq 'IT')"] = ["alice", "bob"],
            [$"{prefix} and department in ('IT', 'Nowhere')"] = ["bob"],
            [$"{prefix} and city eq null"] = ["bob"],
            [$"{prefix} and city ne null and department ne 'IT'"] = ["alice", "carol"],
            [$"userPrincipalName eq '{RunningTenant.Upn(scope + "carol")}'"] = ["carol"],
        };
        foreach (var (filter, expected) in filters)
        {
            var reply = (await tenant.Reader.GetAsync($"/v1.0/users?$filter={Uri.EscapeDataString(filter)}&$orderby=displayName")).ShouldBe(HttpStatusCode.OK);
            Assert.Equal(expected.Select(n => scope + n).ToArray(), reply.Value.Select(u => u.Text("displayName")!).ToArray());
        }

        var counted = (await tenant.Reader.GetAsync($"/v1.0/users?$filter={Uri.EscapeDataString(prefix)}&$count=true&$top=1",
            ("ConsistencyLevel", "eventual"))).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(3, counted.Body.GetProperty("@odata.count").GetInt64());
        Assert.Single(counted.Value);
        Assert.NotNull(counted.NextLink);
    }

    [BackendFact]
    public async Task next_link_pages_through_every_user_once()
    {
        var scope = tenant.NewScope();
        var ids = new HashSet<string>();
        for (var i = 0; i < 23; i++) ids.Add((await tenant.CreateUserAsync($"{scope}p{i:00}")).Id());
        var filter = Uri.EscapeDataString($"startswith(userPrincipalName,'{scope}')");
        var (objects, last) = await tenant.AllPagesAsync(tenant.Reader, $"/v1.0/users?$filter={filter}&$top=5&$select=id");
        Assert.Equal(23, objects.Count);
        Assert.True(ids.SetEquals(objects.Select(o => o.Id())));
        Assert.Null(last.NextLink);

        var (ordered, _) = await tenant.AllPagesAsync(tenant.Reader, $"/v1.0/users?$filter={filter}&$top=4&$orderby=displayName");
        Assert.Equal(Enumerable.Range(0, 23).Select(i => $"{scope}p{i:00}"), ordered.Select(o => o.Text("displayName")));
    }

    [BackendFact]
    public async Task manager_is_set_read_and_removed()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var worker = await tenant.CreateUserAsync(scope + "worker");
        (await tenant.Reader.GetAsync($"/v1.0/users/{worker.Id()}/manager")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await tenant.Admin.PutAsync($"/v1.0/users/{worker.Id()}/manager/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/users/{boss.Id()}" })).ShouldBe(HttpStatusCode.NoContent);
        var manager = (await tenant.Reader.GetAsync($"/v1.0/users/{worker.Id()}/manager")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal(boss.Id(), manager.Id());
        Assert.Equal("#microsoft.graph.user", manager.Text("@odata.type"));
        (await tenant.Admin.PutAsync($"/v1.0/users/{worker.Id()}/manager/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/users/{Guid.NewGuid()}" }))
            .ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        var expanded = (await tenant.Reader.GetAsync($"/v1.0/users/{worker.Id()}?$select=id&$expand=manager($select=id,displayName)"))
            .ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal(scope + "boss", expanded.GetProperty("manager").Text("displayName"));
        var filter = Uri.EscapeDataString($"startswith(userPrincipalName,'{scope}')");
        var listed = (await tenant.Reader.GetAsync($"/v1.0/users?$filter={filter}&$expand=manager&$orderby=displayName")).ShouldBe(HttpStatusCode.OK).Value;
        Assert.False(listed[0].TryGetProperty("manager", out _));
        Assert.Equal(boss.Id(), listed[1].GetProperty("manager").Id());
        (await tenant.Reader.GetAsync("/v1.0/users?$expand=memberOf")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.DeleteAsync($"/v1.0/users/{worker.Id()}/manager/$ref")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Reader.GetAsync($"/v1.0/users/{worker.Id()}/manager")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [BackendFact]
    public async Task extension_attributes_are_written_and_read_by_select()
    {
        var scope = tenant.NewScope();
        const string name = "extension_0123456789abcdef0123456789abcdef_costCenter";
        var user = await tenant.CreateUserAsync(scope + "ext", new Dictionary<string, object> { [name] = "CC-7" });
        var read = (await tenant.Reader.GetAsync($"/v1.0/users/{user.Id()}?$select=id,{name}")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal("CC-7", read.Text(name));
        (await tenant.Admin.PatchAsync($"/v1.0/users/{user.Id()}", new Dictionary<string, object?> { [name] = null })).ShouldBe(HttpStatusCode.NoContent);
        read = (await tenant.Reader.GetAsync($"/v1.0/users/{user.Id()}?$select=id,{name}")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.False(read.TryGetProperty(name, out _));
    }

    [BackendFact]
    public async Task deleted_user_is_listed_restored_and_purged()
    {
        var scope = tenant.NewScope();
        var user = await tenant.CreateUserAsync(scope + "gone");
        (await tenant.Admin.DeleteAsync($"/v1.0/users/{user.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        var filter = Uri.EscapeDataString($"startswith(userPrincipalName,'{scope}')");
        var deleted = (await tenant.Reader.GetAsync($"/v1.0/directory/deletedItems/microsoft.graph.user?$filter={filter}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(user.Id(), Assert.Single(deleted.Value).Id());
        Assert.Equal("2025-06-02T10:15:00Z", deleted.Value[0].Text("deletedDateTime"));
        var cast = (await tenant.Reader.GetAsync($"/v1.0/directory/deletedItems/graph.user?$filter={filter}")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(user.Id(), Assert.Single(cast.Value).Id());
        Assert.Empty((await tenant.Reader.GetAsync($"/v1.0/users?$filter={filter}")).ShouldBe(HttpStatusCode.OK).Value);

        var restored = (await tenant.Admin.PostAsync($"/v1.0/directory/deletedItems/{user.Id()}/restore", null)).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal(user.Id(), restored.Id());
        (await tenant.Reader.GetAsync($"/v1.0/users/{user.Id()}")).ShouldBe(HttpStatusCode.OK);
        (await tenant.Admin.PostAsync($"/v1.0/directory/deletedItems/{user.Id()}/restore", null)).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");

        (await tenant.Admin.DeleteAsync($"/v1.0/users/{user.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Admin.DeleteAsync($"/v1.0/directory/deletedItems/{user.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Reader.GetAsync($"/v1.0/directory/deletedItems/{user.Id()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        // The name is free again once the user is purged.
        await tenant.CreateUserAsync(scope + "gone");
    }
}

public sealed class UserTestsOnSqlite(SqliteTenant tenant) : UserTests(tenant), IClassFixture<SqliteTenant>;

public sealed class UserTestsOnPostgres(PostgresTenant tenant) : UserTests(tenant), IClassFixture<PostgresTenant>;
