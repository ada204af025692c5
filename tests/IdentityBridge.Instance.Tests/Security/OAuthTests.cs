namespace IdentityBridge.Instance.Tests.Security;

/// <summary><c>POST /oauth_token.do</c> and Bearer tokens on the Table API (spec 1.5).</summary>
public abstract class OAuthTests(RunningInstance instance)
{
    private const string AccessDenied = """{"error_description":"access_denied","error":"server_error"}""";

    private sealed record OAuthClient(string SysId, string ClientId, string ClientSecret);

    private async Task<OAuthClient> RegisterClientAsync(object? more = null)
    {
        var values = new Dictionary<string, object?> { ["name"] = instance.NewScope() + "integration" };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject()) values[property.Name] = property.Value;
        var result = await instance.CreateAsync("oauth_entity", values);
        return new OAuthClient(result.SysId(), result.Text("client_id")!, result.Text("client_secret")!);
    }

    private Task<Reply> TokenAsync(params (string Name, string Value)[] form) =>
        instance.Anonymous.SendAsync(HttpMethod.Post, "/oauth_token.do",
            new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    private Task<Reply> PasswordGrantAsync(OAuthClient client, string userName, string password) =>
        TokenAsync(("grant_type", "password"), ("client_id", client.ClientId), ("client_secret", client.ClientSecret),
            ("username", userName), ("password", password));

    private Task<Reply> ClientCredentialsGrantAsync(OAuthClient client) =>
        TokenAsync(("grant_type", "client_credentials"), ("client_id", client.ClientId), ("client_secret", client.ClientSecret));

    [BackendFact]
    public async Task registered_client_shows_its_generated_secret_once()
    {
        var reply = await instance.Admin.PostAsync("/api/now/table/oauth_entity", new { name = instance.NewScope() + "entra" });

        var created = reply.ShouldBe(HttpStatusCode.Created).Result;
        Assert.Matches("^[0-9a-f]{32}$", created.Text("client_id"));
        Assert.True(created.Text("client_secret")!.Length >= 24, created.Text("client_secret"));
        Assert.NotEqual("********", created.Text("client_secret"));
        var read = (await instance.Admin.GetAsync($"/api/now/table/oauth_entity/{created.SysId()}")).ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal(created.Text("client_id"), read.Text("client_id"));
        Assert.Equal("********", read.Text("client_secret"));
    }

    [BackendFact]
    public async Task password_grant_issues_servicenow_token_response()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "oauth");

        var reply = await PasswordGrantAsync(client, user.UserName, user.Password);

        reply.ShouldBe(HttpStatusCode.OK);
        Assert.StartsWith("application/json", reply.Header("Content-Type"));
        Assert.Equal("no-store", reply.Header("Cache-Control"));
        var token = reply.Json;
        Assert.Equal(["access_token", "expires_in", "refresh_token", "scope", "token_type"], token.Names().Order(StringComparer.Ordinal));
        Assert.Equal("useraccount", token.Text("scope"));
        Assert.Equal("Bearer", token.Text("token_type"));
        Assert.Equal(JsonValueKind.Number, token.GetProperty("expires_in").ValueKind);
        Assert.Equal(1799, token.GetProperty("expires_in").GetInt32());
        Assert.NotEqual(token.Text("access_token"), token.Text("refresh_token"));
        Assert.True(token.Text("access_token")!.Length >= 32);
    }

    [BackendFact]
    public async Task bearer_token_authenticates_table_api_requests_as_its_user()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "bearer");
        await instance.GrantRoleAsync(user, "user_admin");
        var token = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json.Text("access_token")!;
        var bearer = instance.WithBearer(token);

        var read = await bearer.GetAsync($"/api/now/table/sys_user/{user.SysId}");
        var created = await bearer.PostAsync("/api/now/table/sys_user", new { user_name = instance.NewScope() + "made.by.bearer" });

        Assert.Equal(user.UserName, read.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
        Assert.Equal(user.UserName, created.ShouldBe(HttpStatusCode.Created).Result.Text("sys_created_by"));
    }

    [BackendFact]
    public async Task refresh_token_grant_issues_a_new_working_access_token()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "refresher");
        var first = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json;

        var refreshed = await TokenAsync(("grant_type", "refresh_token"), ("client_id", client.ClientId),
            ("client_secret", client.ClientSecret), ("refresh_token", first.Text("refresh_token")!));

        var token = refreshed.ShouldBe(HttpStatusCode.OK).Json;
        Assert.NotEqual(first.Text("access_token"), token.Text("access_token"));
        Assert.Equal("Bearer", token.Text("token_type"));
        Assert.Equal(1799, token.GetProperty("expires_in").GetInt32());
        (await instance.WithBearer(token.Text("access_token")!).GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task refresh_token_is_refused_to_another_client_and_as_an_access_token()
    {
        var client = await RegisterClientAsync();
        var other = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "stolen");
        var refresh = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json.Text("refresh_token")!;

        var elsewhere = await TokenAsync(("grant_type", "refresh_token"), ("client_id", other.ClientId),
            ("client_secret", other.ClientSecret), ("refresh_token", refresh));
        var asBearer = await instance.WithBearer(refresh).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        Assert.Equal(AccessDenied, elsewhere.ShouldBe(HttpStatusCode.Unauthorized).Body);
        asBearer.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated");
    }

    [BackendFact]
    public async Task wrong_secret_password_or_client_is_refused_with_access_denied()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "guesser");

        var replies = new[]
        {
            await PasswordGrantAsync(client with { ClientSecret = "wrong" }, user.UserName, user.Password),
            await PasswordGrantAsync(client, user.UserName, "wrong"),
            await PasswordGrantAsync(client, instance.NewScope() + "nobody", user.Password),
            await PasswordGrantAsync(client with { ClientId = "0123456789abcdef0123456789abcdef" }, user.UserName, user.Password),
            await TokenAsync(("grant_type", "refresh_token"), ("client_id", client.ClientId), ("client_secret", client.ClientSecret),
                ("refresh_token", "never-issued-refresh-token-value")),
        };

        Assert.All(replies, reply => Assert.Equal(AccessDenied, reply.ShouldBe(HttpStatusCode.Unauthorized).Body));
    }

    [BackendFact]
    public async Task inactive_client_is_refused()
    {
        var client = await RegisterClientAsync(new { active = "false" });
        var user = await instance.CreateUserAsync(instance.NewScope() + "inactive.client");

        var reply = await PasswordGrantAsync(client, user.UserName, user.Password);

        Assert.Equal(AccessDenied, reply.ShouldBe(HttpStatusCode.Unauthorized).Body);
    }

    [BackendFact]
    public async Task token_endpoint_refuses_other_methods_grants_and_media_types()
    {
        var client = await RegisterClientAsync();

        var get = await instance.Anonymous.GetAsync("/oauth_token.do");
        var grant = await TokenAsync(("grant_type", "authorization_code"), ("client_id", client.ClientId), ("client_secret", client.ClientSecret));
        var json = await instance.Anonymous.PostAsync("/oauth_token.do", new { grant_type = "password" });

        get.ShouldBe(HttpStatusCode.MethodNotAllowed);
        Assert.Equal("invalid_request", get.Json.Text("error"));
        Assert.Equal("unsupported_grant_type", grant.ShouldBe(HttpStatusCode.BadRequest).Json.Text("error"));
        Assert.Equal("invalid_request", json.ShouldBe(HttpStatusCode.BadRequest).Json.Text("error"));
    }

    [BackendFact]
    public async Task client_credentials_needs_the_property_then_an_application_user()
    {
        var client = await RegisterClientAsync();
        var integration = await instance.CreateUserAsync(instance.NewScope() + "integration.user");

        var disabled = await ClientCredentialsGrantAsync(client);
        await instance.SetPropertyAsync("glide.oauth.inbound.client.credential.grant_type.enabled", "true");
        try
        {
            var withoutUser = await ClientCredentialsGrantAsync(client);
            (await instance.Admin.PatchAsync($"/api/now/table/oauth_entity/{client.SysId}", new { oauth_application_user = integration.SysId }))
                .ShouldBe(HttpStatusCode.OK);
            var granted = await ClientCredentialsGrantAsync(client);
            var wrongSecret = await ClientCredentialsGrantAsync(client with { ClientSecret = "wrong" });

            Assert.Equal(AccessDenied, disabled.ShouldBe(HttpStatusCode.Unauthorized).Body);
            Assert.Equal("""{"error_description":"integration user is not configured","error":"unauthorized_client"}""",
                withoutUser.ShouldBe(HttpStatusCode.Unauthorized).Body);
            var token = granted.ShouldBe(HttpStatusCode.OK).Json;
            Assert.Equal("Bearer", token.Text("token_type"));
            Assert.Equal("useraccount", token.Text("scope"));
            Assert.Equal(1799, token.GetProperty("expires_in").GetInt32());
            Assert.False(token.TryGetProperty("refresh_token", out _));
            var me = await instance.WithBearer(token.Text("access_token")!).GetAsync($"/api/now/table/sys_user/{integration.SysId}");
            Assert.Equal(integration.UserName, me.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
            Assert.Equal(AccessDenied, wrongSecret.ShouldBe(HttpStatusCode.Unauthorized).Body);
        }
        finally
        {
            await instance.SetPropertyAsync("glide.oauth.inbound.client.credential.grant_type.enabled", "false");
        }
    }

    [BackendFact]
    public async Task access_token_expires_after_its_lifespan()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "expiring");
        var token = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json;
        var bearer = instance.WithBearer(token.Text("access_token")!);
        var path = $"/api/now/table/sys_user/{user.SysId}";

        (await bearer.GetAsync(path)).ShouldBe(HttpStatusCode.OK);
        instance.Clock.Advance(TimeSpan.FromSeconds(1799));
        var lastSecond = await bearer.GetAsync(path);
        instance.Clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await bearer.GetAsync(path);
        var refreshed = await TokenAsync(("grant_type", "refresh_token"), ("client_id", client.ClientId),
            ("client_secret", client.ClientSecret), ("refresh_token", token.Text("refresh_token")!));

        lastSecond.ShouldBe(HttpStatusCode.OK);
        expired.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
        Assert.Equal("Basic realm=\"Service-now\"", expired.Header("WWW-Authenticate"));
        var fresh = refreshed.ShouldBe(HttpStatusCode.OK).Json.Text("access_token")!;
        (await instance.WithBearer(fresh).GetAsync(path)).ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task access_token_lifespan_follows_the_client_setting()
    {
        var client = await RegisterClientAsync(new { access_token_lifespan = "600" });
        var user = await instance.CreateUserAsync(instance.NewScope() + "short.lived");

        var token = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json;
        instance.Clock.Advance(TimeSpan.FromSeconds(600));
        var expired = await instance.WithBearer(token.Text("access_token")!).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        Assert.Equal(599, token.GetProperty("expires_in").GetInt32());
        expired.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [BackendFact]
    public async Task token_of_a_deactivated_user_stops_working()
    {
        var client = await RegisterClientAsync();
        var user = await instance.CreateUserAsync(instance.NewScope() + "deactivated");
        var token = (await PasswordGrantAsync(client, user.UserName, user.Password)).ShouldBe(HttpStatusCode.OK).Json;
        var bearer = instance.WithBearer(token.Text("access_token")!);
        (await bearer.GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);

        (await instance.Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { active = "false" })).ShouldBe(HttpStatusCode.OK);
        var afterwards = await bearer.GetAsync($"/api/now/table/sys_user/{user.SysId}");
        var refresh = await TokenAsync(("grant_type", "refresh_token"), ("client_id", client.ClientId),
            ("client_secret", client.ClientSecret), ("refresh_token", token.Text("refresh_token")!));

        afterwards.ShouldBe(HttpStatusCode.Unauthorized);
        Assert.Equal(AccessDenied, refresh.ShouldBe(HttpStatusCode.Unauthorized).Body);
    }
}

public sealed class OAuthTestsOnSqlite(SqliteInstance instance) : OAuthTests(instance), IClassFixture<SqliteInstance>;

public sealed class OAuthTestsOnPostgres(PostgresInstance instance) : OAuthTests(instance), IClassFixture<PostgresInstance>;
