using System.Net.Sockets;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Target;

/// <summary>What the connector reports when the instance, the account or the network fails, in Entra's codes.</summary>
public sealed class FailureTests(InstanceServer instance) : IClassFixture<InstanceServer>
{
    private const string EntraText =
        "Your ServiceNow instance name appears to be invalid. Please provide a current ServiceNow administrative user name and " +
        "password along with the name of a valid ServiceNow instance.";

    private static Dictionary<string, string?> Values(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    private static TargetSettings FastRetries(TargetSettings settings) =>
        settings with { MaxRetries = 2, MaxRetryDelay = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task a_wrong_password_is_servicenow_instance_invalid_with_entras_text()
    {
        var account = await instance.CreateAccountAsync(instance.NewScope() + "wrong.password", "admin");
        await using var connector = instance.ConnectorFor(account with { Password = "not-the-password" });

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        var error = found.Error!;
        Assert.Equal("ServiceNowInstanceInvalid", error.Code);
        Assert.True(error.JobLevel);
        Assert.Equal(401, error.HttpStatus);
        Assert.StartsWith(EntraText + " The instance answered 401 Unauthorized: User Not Authenticated", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public async Task an_account_without_roles_lacks_the_rights_to_create()
    {
        var account = await instance.CreateAccountAsync(instance.NewScope() + "no.roles");
        await using var connector = instance.ConnectorFor(account);

        var created = await connector.CreateAsync("sys_user", Values(("user_name", instance.NewScope() + "denied")), [], default);

        var error = created.Error!;
        Assert.Equal("InsufficientRights", error.Code);
        Assert.True(error.JobLevel);
        Assert.Equal(403, error.HttpStatus);
        Assert.Contains("create a record in sys_user", error.Message);
        Assert.Contains("ACL Exception Insert Failed due to security constraints", error.Message);
        Assert.Contains("user_admin", error.Message);
    }

    [Fact]
    public async Task an_invalid_value_is_unprocessable_with_servicenows_message()
    {
        await using var connector = instance.ConnectorFor(instance.AdminCredentials);

        var created = await connector.CreateAsync("no_such_table", Values(("name", "x")), [], default);

        Assert.Equal("UnprocessableEntity", created.Error?.Code);
        Assert.Equal(400, created.Error!.HttpStatus);
        Assert.Contains("Invalid table no_such_table", created.Error.Message);
    }

    [Fact]
    public async Task an_instance_that_always_fails_is_an_internal_server_error_after_the_retries()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.AlwaysAnswer(HttpStatusCode.InternalServerError);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, FastRetries);

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        var error = found.Error!;
        Assert.Equal("InternalServerError", error.Code);
        Assert.True(error.Transient);
        Assert.False(error.JobLevel);
        Assert.Equal(500, error.HttpStatus);
        Assert.Equal(3, proxy.Requests);
        Assert.Equal(2, connector.Statistics.Retries);
        Assert.True(connector.Statistics.CurrentConcurrency < 4, $"concurrency {connector.Statistics.CurrentConcurrency}");
    }

    [Fact]
    public async Task a_create_that_failed_with_500_is_not_sent_again()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.AlwaysAnswer(HttpStatusCode.InternalServerError);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, FastRetries);

        var created = await connector.CreateAsync("sys_user", Values(("user_name", instance.NewScope() + "x")), [], default);

        Assert.Equal("InternalServerError", created.Error?.Code);
        Assert.Equal(1, proxy.Requests);
    }

    [Fact]
    public async Task a_create_refused_with_503_is_sent_again_since_it_was_not_applied()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, FastRetries);
        proxy.AnswerNext(1, HttpStatusCode.ServiceUnavailable);

        var created = await connector.CreateAsync("sys_user", Values(("user_name", scope + "after.503")), [], default);

        Assert.True(created.Succeeded, created.Error?.Message);
        Assert.Equal(2, proxy.Count(HttpMethod.Post));
        Assert.Single(await instance.ListAsync("sys_user", "user_name=" + scope + "after.503"));
    }

    [Fact]
    public async Task throttled_requests_wait_for_retry_after_then_succeed()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        proxy.Throttle(2, retryAfterSeconds: 1);

        var created = await connector.CreateAsync("sys_user", Values(("user_name", scope + "throttled")), ["user_name"], default);

        Assert.True(created.Succeeded, created.Error?.Message);
        Assert.Equal(3, proxy.Requests);
        Assert.Equal(1, proxy.Forwarded);
        Assert.Equal(2, connector.Statistics.Throttled);
        Assert.True(connector.Statistics.CurrentConcurrency < 4, $"concurrency {connector.Statistics.CurrentConcurrency}");
        Assert.Single(await instance.ListAsync("sys_user", "user_name=" + scope + "throttled"));
    }

    [Fact]
    public async Task throttling_that_does_not_end_is_too_many_requests()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.Throttle(100, retryAfterSeconds: 0);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, FastRetries);

        var found = await connector.GetManyAsync("sys_user", ["0123456789abcdef0123456789abcdef"], [], default);

        Assert.Equal("TooManyRequests", found.Error?.Code);
        Assert.True(found.Error!.Transient);
        Assert.Equal(3, connector.Statistics.Throttled);
    }

    [Fact]
    public async Task a_create_whose_answer_was_lost_is_not_sent_again_and_reported_as_a_timeout()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        // A first request opens the connection that the create then reuses, as in a running job.
        Assert.True((await connector.FindAsync("sys_user", "user_name", [scope + "warm"], [], null, default)).Succeeded);
        proxy.DropNextAnswerTo(HttpMethod.Post);

        var created = await connector.CreateAsync("sys_user", Values(("user_name", scope + "lost.answer")), [], default);

        Assert.Equal("Timeout", created.Error?.Code);
        Assert.True(created.Error!.Transient);
        Assert.Equal(1, proxy.Count(HttpMethod.Post));
        Assert.Single(await instance.ListAsync("sys_user", "user_name=" + scope + "lost.answer"));
    }

    [Fact]
    public async Task a_read_whose_answer_was_lost_is_tried_again()
    {
        var scope = instance.NewScope();
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl, FastRetries);
        proxy.DropNextAnswerTo(HttpMethod.Get);

        var found = await connector.FindAsync("sys_user", "user_name", [scope + "x"], [], null, default);

        Assert.True(found.Succeeded, found.Error?.Message);
        Assert.Equal(2, proxy.Count(HttpMethod.Get));
        Assert.Equal(1, connector.Statistics.Retries);
    }

    [Fact]
    public async Task a_slow_instance_is_a_timeout()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.DelayAnswers(TimeSpan.FromMinutes(5));
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl,
            s => FastRetries(s) with { Timeout = TimeSpan.FromMilliseconds(200), MaxRetries = 1 });

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        Assert.Equal("Timeout", found.Error?.Code);
        Assert.True(found.Error!.Transient);
        Assert.Equal(2, proxy.Requests);
    }

    [Fact]
    public async Task no_server_at_the_address_is_servicenow_instance_invalid()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, $"http://127.0.0.1:{port}");

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        var error = found.Error!;
        Assert.Equal("ServiceNowInstanceInvalid", error.Code);
        Assert.True(error.JobLevel);
        Assert.StartsWith(EntraText + " Nothing accepted a connection at http://127.0.0.1:" + port, error.Message);
    }

    [Fact]
    public async Task a_server_that_is_not_servicenow_is_servicenow_instance_invalid()
    {
        // Below a path prefix every request misses the Table API, as at a web server that is not an instance.
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, instance.BaseUrl + "/not/servicenow/");

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        Assert.Equal("ServiceNowInstanceInvalid", found.Error?.Code);
    }

    [Fact]
    public async Task a_sign_in_page_instead_of_json_is_servicenow_instance_invalid()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.AlwaysAnswer(HttpStatusCode.OK, "<html><body>Sign in</body></html>", "text/html");
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);

        var found = await connector.FindAsync("sys_user", "user_name", ["x"], [], null, default);

        Assert.Equal("ServiceNowInstanceInvalid", found.Error?.Code);
        Assert.Contains("text/html", found.Error!.Message);
    }

    [Fact]
    public async Task cancellation_stops_a_request_that_waits_for_the_instance()
    {
        await using var proxy = await FaultyProxy.StartAsync(instance.BaseUrl);
        proxy.DelayAnswers(TimeSpan.FromMinutes(5));
        await using var connector = instance.ConnectorFor(instance.AdminCredentials, proxy.BaseUrl);
        using var cancellation = new CancellationTokenSource();

        var find = connector.FindAsync("sys_user", "user_name", ["x"], [], null, cancellation.Token);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => find);
    }
}
