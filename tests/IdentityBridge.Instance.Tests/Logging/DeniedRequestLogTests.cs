namespace IdentityBridge.Instance.Tests.Logging;

/// <summary>
/// Every request the instance refuses leaves a syslog row saying who was refused and why (spec 7): sign-in failures
/// under "Authentication", ACL and escalation refusals under "ACL", token refusals under "OAuth".
/// </summary>
public abstract class DeniedRequestLogTests(RunningInstance instance)
{
    private static string Q(string value) => Uri.EscapeDataString(value);

    private async Task<JsonElement> SingleRowAsync(string query)
    {
        var rows = await instance.SyslogAsync(query);
        Assert.True(rows.Count == 1, $"{rows.Count} syslog rows match {query}: {string.Join(" | ", rows.Select(r => r.Text("message")))}");
        return rows[0];
    }

    [BackendFact]
    public async Task syslog_rows_have_servicenow_fields()
    {
        var marker = Guid.NewGuid().ToString("n");
        await instance.Anonymous.GetAsync($"/api/now/table/sys_user/{marker}");

        var row = await SingleRowAsync($"messageLIKE{marker}");

        Assert.Equal("Authentication", row.Text("source"));
        Assert.Equal("1", row.Text("level"));
        Assert.Equal("syslog", row.Text("sys_class_name"));
        Assert.Equal("system", row.Text("sys_created_by"));
        Assert.Equal("2025-06-02 10:15:00", row.Text("sys_created_on"));
        Assert.Matches("^[0-9a-f]{32}$", row.SysId());
    }

    [BackendFact]
    public async Task request_without_credentials_is_logged()
    {
        var marker = Guid.NewGuid().ToString("n");

        (await instance.Anonymous.GetAsync($"/api/now/table/sys_user/{marker}")).ShouldBe(HttpStatusCode.Unauthorized);

        var row = await SingleRowAsync($"source=Authentication^messageLIKE{marker}");
        Assert.Contains("127.0.0.1", row.Text("message"));
    }

    [BackendFact]
    public async Task wrong_password_and_unknown_user_are_logged_by_name()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "mistyped");
        var nobody = instance.NewScope() + "nobody";

        (await instance.As(user.UserName, "wrong").GetAsync("/api/now/table/sys_user")).ShouldBe(HttpStatusCode.Unauthorized);
        (await instance.As(nobody, "whatever").GetAsync("/api/now/table/sys_user")).ShouldBe(HttpStatusCode.Unauthorized);

        Assert.Contains("wrong password", (await SingleRowAsync($"source=Authentication^messageLIKE'{user.UserName}'")).Text("message"));
        Assert.Contains("unknown user", (await SingleRowAsync($"source=Authentication^messageLIKE'{nobody}'")).Text("message"));
    }

    [BackendFact]
    public async Task malformed_or_foreign_authorization_headers_are_logged()
    {
        string[] headers = ["Basic !!!not-base64!!!", "Basic " + Convert.ToBase64String("no-colon"u8.ToArray()), "Digest username=admin", "Bearer not-a-token-ever-issued"];

        foreach (var header in headers)
        {
            var before = await instance.CountAsync("syslog", "source=Authentication");
            (await instance.WithAuthorization(header).GetAsync("/api/now/table/sys_user")).ShouldBe(HttpStatusCode.Unauthorized);
            Assert.True(await instance.CountAsync("syslog", "source=Authentication") == before + 1, $"No syslog row for '{header}'");
        }
    }

    [BackendFact]
    public async Task sign_in_with_control_characters_in_the_user_name_is_still_logged()
    {
        var marker = Guid.NewGuid().ToString("n");

        (await instance.As($"evil\u0000{marker}", "whatever").GetAsync("/api/now/table/sys_user")).ShouldBe(HttpStatusCode.Unauthorized);

        Assert.Contains("unknown user", (await SingleRowAsync($"source=Authentication^messageLIKE{marker}")).Text("message"));
    }

    [BackendFact]
    public async Task write_denied_by_acl_is_logged_under_acl()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "denied");

        (await instance.As(user).PostAsync("/api/now/table/sys_user", new { user_name = "x" })).ShouldBe(HttpStatusCode.Forbidden);
        (await instance.As(user).PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { title = "x" })).ShouldBe(HttpStatusCode.Forbidden);
        (await instance.As(user).DeleteAsync($"/api/now/table/sys_properties/{user.SysId}")).ShouldBe(HttpStatusCode.Forbidden);

        var rows = await instance.SyslogAsync($"source=ACL^messageLIKE{user.UserName}^ORDERBYmessage");
        Assert.Equal(3, rows.Count);
        Assert.Contains(rows, r => r.Text("message")!.Contains("insert on sys_user", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Text("message")!.Contains("update on sys_user", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Text("message")!.Contains("delete on sys_properties", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal("1", r.Text("level")));
    }

    [BackendFact]
    public async Task refused_escalation_is_logged_under_acl()
    {
        var userAdmin = await instance.CreateUserAsync(instance.NewScope() + "escalating");
        await instance.GrantRoleAsync(userAdmin, "user_admin");

        (await instance.As(userAdmin).PostAsync("/api/now/table/sys_user_has_role",
            new { user = userAdmin.SysId, role = await instance.RoleIdAsync("admin") })).ShouldBe(HttpStatusCode.Forbidden);

        var row = await SingleRowAsync($"source=ACL^messageLIKE{userAdmin.UserName}");
        Assert.Contains("sys_user_has_role", row.Text("message"));
        Assert.Contains("not allowed to grant admin", row.Text("message"));
    }

    [BackendFact]
    public async Task aborted_duplicate_insert_is_logged_under_rest_api_not_acl()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "twice");

        (await instance.Admin.PostAsync("/api/now/table/sys_user", new { user_name = user.UserName })).ShouldBe(HttpStatusCode.Forbidden);

        Assert.Contains("already exists", (await SingleRowAsync($"source=REST API^messageLIKE{user.UserName}")).Text("message"));
        Assert.Empty(await instance.SyslogAsync($"source=ACL^messageLIKE{user.UserName}"));
    }

    [BackendFact]
    public async Task read_of_a_table_the_caller_may_not_read_is_logged_under_acl()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "curious");
        var property = (await instance.Admin.GetAsync("/api/now/table/sys_properties?sysparm_limit=1&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();

        (await instance.As(user).GetAsync($"/api/now/table/sys_properties/{property}")).ShouldBe(HttpStatusCode.NotFound);

        Assert.Contains("read on sys_properties", (await SingleRowAsync($"source=ACL^messageLIKE{user.UserName}")).Text("message"));
    }

    [BackendFact]
    public async Task refused_token_requests_are_logged_under_oauth()
    {
        var client = await instance.CreateAsync("oauth_entity", new { name = instance.NewScope() + "logged.client" });
        var before = await instance.CountAsync("syslog", "source=OAuth");

        (await instance.Anonymous.SendAsync(HttpMethod.Post, "/oauth_token.do", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = client.Text("client_id")!,
            ["client_secret"] = "wrong",
            ["username"] = "admin",
            ["password"] = RunningInstance.AdminPassword,
        }))).ShouldBe(HttpStatusCode.Unauthorized);

        Assert.Equal(before + 1, await instance.CountAsync("syslog", "source=OAuth"));
        var row = (await instance.SyslogAsync("source=OAuth^ORDERBYDESCsys_created_on")).First();
        Assert.DoesNotContain(RunningInstance.AdminPassword, row.Text("message"));
    }
}

public sealed class DeniedRequestLogTestsOnSqlite(SqliteInstance instance) : DeniedRequestLogTests(instance), IClassFixture<SqliteInstance>;

public sealed class DeniedRequestLogTestsOnPostgres(PostgresInstance instance) : DeniedRequestLogTests(instance), IClassFixture<PostgresInstance>;
