using System.Net.Sockets;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Provisioning.Tests.World;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Provisioning.Tests.Target;

/// <summary>Signing in (Basic and OAuth) and the connection test that Entra calls validateCredentials.</summary>
public sealed class ConnectionTests(InstanceServer instance) : IClassFixture<InstanceServer>
{
    [Fact]
    public async Task the_connection_test_passes_for_the_admin_and_leaves_nothing_behind()
    {
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);

        var checks = await connector.TestAsync(groups: true, default);

        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        Assert.Equal(
        [
            "The instance answers as ServiceNow", "The credentials are accepted", "The account can read sys_user",
            "The account can create and delete in sys_user", "The account can read sys_user_group",
            "The account can create and delete in sys_user_group", "The account can read sys_user_grmember",
        ], checks.Select(c => c.Name));
        Assert.Empty(await instance.ListAsync("sys_user", "user_nameSTARTSWITH" + ServiceNowConnector.TestRecordPrefix));
        Assert.Empty(await instance.ListAsync("sys_user_group", "nameSTARTSWITH" + ServiceNowConnector.TestRecordPrefix));
    }

    [Fact]
    public async Task the_connection_test_passes_for_a_user_admin()
    {
        var account = await instance.CreateAccountAsync(instance.NewScope() + "user.admin", "user_admin");
        await using var connector = instance.ConnectorFor(account);

        var checks = await connector.TestAsync(groups: true, default);

        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public async Task the_connection_test_names_the_rights_an_account_without_roles_lacks()
    {
        var account = await instance.CreateAccountAsync(instance.NewScope() + "roleless");
        await using var connector = instance.ConnectorFor(account);

        var checks = await connector.TestAsync(groups: true, default);

        var byName = checks.ToDictionary(c => c.Name);
        Assert.True(byName["The instance answers as ServiceNow"].Passed);
        Assert.True(byName["The credentials are accepted"].Passed);
        foreach (var name in new[]
                 {
                     "The account can read sys_user", "The account can create and delete in sys_user", "The account can read sys_user_group",
                     "The account can create and delete in sys_user_group", "The account can read sys_user_grmember",
                 })
        {
            var check = byName[name];
            Assert.False(check.Passed, name);
            Assert.Contains("admin", check.Fix);
            Assert.Contains("user_admin", check.Fix);
        }
        Assert.Contains("ACL Exception Insert Failed", byName["The account can create and delete in sys_user"].Detail);
    }

    [Fact]
    public async Task the_connection_test_stops_at_wrong_credentials_with_entras_advice()
    {
        var account = await instance.CreateAccountAsync(instance.NewScope() + "mistyped", "admin");
        await using var connector = instance.ConnectorFor(account with { Password = "mistyped" });

        var checks = await connector.TestAsync(groups: false, default);

        Assert.Equal(2, checks.Count);
        Assert.True(checks[0].Passed);
        Assert.False(checks[1].Passed);
        Assert.Contains("401", checks[1].Detail);
        Assert.Contains("Please provide a current ServiceNow administrative user name and password", checks[1].Fix);
    }

    [Fact]
    public async Task the_connection_test_stops_where_no_instance_answers()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, $"http://127.0.0.1:{port}");

        var checks = await connector.TestAsync(groups: true, default);

        var check = Assert.Single(checks);
        Assert.False(check.Passed);
        Assert.Contains("Nothing accepted a connection", check.Detail);
        Assert.Contains("instance URL", check.Fix);
    }

    [Fact]
    public async Task client_credentials_sign_in_once_and_reuse_the_token()
    {
        var scope = instance.NewScope();
        var integration = await instance.CreateAccountAsync(scope + "integration", "user_admin");
        var client = await instance.CreateOAuthClientAsync(scope + "provisioning", integration.UserName);
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(client, proxy.BaseUrl);

        var created = await connector.CreateAsync("sys_user", new Dictionary<string, string?> { ["user_name"] = scope + "via.oauth" },
            ["sys_created_by"], default);
        var found = await connector.FindAsync("sys_user", "user_name", [scope + "via.oauth"], [], null, default);

        Assert.True(created.Succeeded, created.Error?.Message);
        Assert.Equal(integration.UserName, created.Value!["sys_created_by"]);
        Assert.Single(found.Value!);
        var tokenRequest = Assert.Single(proxy.Received, r => r.PathAndQuery.StartsWith("/oauth_token.do", StringComparison.Ordinal));
        Assert.Contains("grant_type=client_credentials", tokenRequest.Body);
        Assert.All(proxy.Received.Where(r => r.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal)),
            r => Assert.DoesNotContain(client.ClientSecret, r.PathAndQuery));
    }

    [Fact]
    public async Task a_refused_token_is_renewed_once_and_then_reported()
    {
        var scope = instance.NewScope();
        var integration = await instance.CreateAccountAsync(scope + "integration", "admin");
        var client = await instance.CreateOAuthClientAsync(scope + "renewed", integration.UserName);
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(client, proxy.BaseUrl);
        Assert.True((await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default)).Succeeded);

        proxy.AnswerNext(1, HttpStatusCode.Unauthorized);
        var renewed = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);
        proxy.AnswerNext(2, HttpStatusCode.Unauthorized);
        var refused = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        Assert.True(renewed.Succeeded, renewed.Error?.Message);
        Assert.Equal("ServiceNowInstanceInvalid", refused.Error?.Code);
        Assert.Equal(401, refused.Error!.HttpStatus);
        Assert.Equal(3, proxy.Received.Count(r => r.PathAndQuery.StartsWith("/oauth_token.do", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task a_token_near_its_expiry_is_renewed_with_the_refresh_token()
    {
        var scope = instance.NewScope();
        var account = await instance.CreateAccountAsync(scope + "refreshing", "admin");
        var client = await instance.CreateOAuthClientAsync(scope + "refreshing.client", account.UserName);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(client with { UserName = account.UserName, Password = account.Password },
            proxy.BaseUrl, time: clock);

        var first = await connector.FindAsync("sys_user", "user_name", [account.UserName], [], null, default);
        clock.Advance(TimeSpan.FromMinutes(29.5));
        var second = await connector.FindAsync("sys_user", "user_name", [account.UserName], [], null, default);

        Assert.Single(first.Value!);
        Assert.Single(second.Value!);
        var grants = proxy.Received.Where(r => r.PathAndQuery.StartsWith("/oauth_token.do", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, grants.Count);
        Assert.Contains("grant_type=password", grants[0].Body);
        Assert.Contains("grant_type=refresh_token", grants[1].Body);
        Assert.DoesNotContain(account.Password, grants[1].Body);
    }

    [Fact]
    public async Task the_password_grant_signs_in_as_the_account()
    {
        var scope = instance.NewScope();
        var account = await instance.CreateAccountAsync(scope + "password.grant", "admin");
        var client = await instance.CreateOAuthClientAsync(scope + "password.client", account.UserName);
        await using var connector = instance.ConnectorFor(client with { UserName = account.UserName, Password = account.Password });

        var checks = await connector.TestAsync(groups: false, default);

        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public async Task a_wrong_client_secret_is_servicenow_instance_invalid_without_the_secret()
    {
        var scope = instance.NewScope();
        var integration = await instance.CreateAccountAsync(scope + "integration", "admin");
        var client = await instance.CreateOAuthClientAsync(scope + "wrong.secret", integration.UserName);
        await using var connector = instance.ConnectorFor(client with { ClientSecret = "wrong-secret-value" });

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        Assert.Equal("ServiceNowInstanceInvalid", found.Error?.Code);
        Assert.Contains("server_error (access_denied)", found.Error!.Message);
        Assert.DoesNotContain("wrong-secret-value", found.Error.Message);
        Assert.DoesNotContain("wrong-secret-value", client.ToString() + (client with { ClientSecret = "wrong-secret-value" }));
    }
}
