using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

public abstract class ErrorTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task requests_without_a_valid_token_are_refused_with_invalid_authentication_token()
    {
        (await tenant.As(null).GetAsync("/v1.0/users")).ShouldBeError(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        (await tenant.As("forged").GetAsync("/v1.0/users")).ShouldBeError(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        (await tenant.As(TestTokens.OtherTenant).GetAsync("/v1.0/users")).ShouldBeError(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
    }

    [BackendFact]
    public async Task a_caller_without_the_permission_is_denied()
    {
        var none = tenant.As(TestTokens.NoPermissions);
        foreach (var path in new[] { "/v1.0/users", "/v1.0/groups", "/v1.0/users/delta", "/v1.0/servicePrincipals", "/v1.0/organization" })
        {
            var message = (await none.GetAsync(path)).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
            Assert.Equal("Insufficient privileges to complete the operation.", message);
        }
        (await tenant.Reader.PostAsync("/v1.0/users", new { displayName = "x" })).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        (await tenant.Reader.PostAsync("/v1.0/groups", new { displayName = "x" })).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }

    [BackendFact]
    public async Task missing_objects_are_resource_not_found()
    {
        var message = (await tenant.Reader.GetAsync($"/v1.0/users/{Guid.NewGuid()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        Assert.Contains("does not exist", message);
        (await tenant.Reader.GetAsync("/v1.0/users/nobody@contoso.onmicrosoft.com")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await tenant.Reader.GetAsync($"/v1.0/groups/{Guid.NewGuid()}/members")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [BackendFact]
    public async Task bad_query_options_are_bad_requests_with_graphs_message()
    {
        var cases = new Dictionary<string, string>
        {
            ["/v1.0/users?$filter=shoeSize eq 44"] = "Property 'shoeSize' does not exist",
            ["/v1.0/users?$filter=displayName eq"] = "Invalid filter clause",
            ["/v1.0/users?$filter=displayName eq 'x"] = "Invalid filter clause",
            ["/v1.0/users?$filter=(displayName eq 'x'"] = "Invalid filter clause",
            ["/v1.0/users?$filter=accountEnabled eq 'yes'"] = "Invalid filter clause",
            ["/v1.0/users?$filter=displayName eq 'a' and"] = "Invalid filter clause",
            ["/v1.0/users?$top=1000"] = "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
            ["/v1.0/users?$top=0"] = "Invalid page size",
            ["/v1.0/users?$top=-5"] = "Invalid page size",
            ["/v1.0/users?$top=99999999999999999999"] = "Invalid page size",
            ["/v1.0/users?$select=shoeSize"] = "Could not find a property named 'shoeSize'",
            ["/v1.0/users?$count=true"] = "ConsistencyLevel",
            ["/v1.0/users?$orderby=jobTitle"] = "Sorting not supported",
            ["/v1.0/users?$skiptoken=garbage"] = "$skiptoken",
            ["/v1.0/users?$wat=1"] = "Query option '$wat' is not allowed",
            ["/v1.0/nothing"] = "Resource not found for the segment 'nothing'",
        };
        foreach (var (path, expected) in cases)
        {
            var message = (await tenant.Reader.GetAsync(path)).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
            Assert.Contains(expected, message);
        }
    }

    [BackendFact]
    public async Task hostile_input_never_yields_a_server_error()
    {
        var deep = string.Concat(Enumerable.Repeat("(", 5000)) + "displayName eq 'x'" + string.Concat(Enumerable.Repeat(")", 5000));
        var wide = string.Join(" or ", Enumerable.Range(0, 300).Select(i => $"(displayName eq '{i}' or mail eq '{i}')"));
        var explosive = string.Join(" and ", Enumerable.Range(0, 12).Select(i => $"(displayName eq '{i}' or mail eq '{i}')"));
        var paths = new[]
        {
            "/v1.0/users?$filter=" + Uri.EscapeDataString(deep),
            "/v1.0/users?$filter=" + Uri.EscapeDataString(wide),
            "/v1.0/users?$filter=" + Uri.EscapeDataString(explosive),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("displayName eq '\0'"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("displayName eq 'x'' OR 1=1 --'"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("id eq 'not-a-guid'"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("not not not startswith(displayName,'a')"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("otherMails/any(m:m eq 'x')"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("displayName gt 'a'"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("displayName in ()"),
            "/v1.0/users?$filter=" + Uri.EscapeDataString("endswith(mail,'x')"),
            "/v1.0/users?$filter=%FF%FE",
            "/v1.0/users?$select=" + new string('a', 5000),
            "/v1.0/users?$orderby=displayName%20sideways",
            "/v1.0/users?$skiptoken=" + Convert.ToBase64String("k|../../etc"u8.ToArray()),
            "/v1.0/users/" + new string('x', 3000) + "@" + RunningTenant.Domain,
            "/v1.0/users/delta?$skiptoken=aXwxfG5vdC1hLWtleQ",
            "/v1.0/groups/" + Guid.NewGuid() + "/transitiveMembers?$skiptoken=x",
            "/v1.0/directory/deletedItems/nope",
        };
        foreach (var path in paths)
        {
            var reply = await tenant.Reader.GetAsync(path);
            Assert.True((int)reply.Status is >= 400 and < 500 or 200, $"{path} -> {(int)reply.Status} {reply.Text}");
            if ((int)reply.Status >= 400) Assert.True(reply.Json?.TryGetProperty("error", out _) == true, $"{path} -> {(int)reply.Status} {reply.Text}");
        }
        // Kestrel itself refuses a NUL in the path, before any middleware, with a bare 400.
        Assert.Equal(HttpStatusCode.BadRequest, (await tenant.Reader.GetAsync("/v1.0/users/%00")).Status);
        var bodies = new[] { "not json", "[1,2]", "{\"displayName\": {\"a\": 1}}", "{\"accountEnabled\": \"yes\"}", "", "{" + new string('[', 100) };
        foreach (var body in bodies)
        {
            var reply = await tenant.Admin.SendRawAsync(HttpMethod.Post, "/v1.0/users", body);
            reply.ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        }
        var put = await tenant.Admin.SendRawAsync(HttpMethod.Put, "/v1.0/users", "{}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.Status);
    }

    [BackendFact]
    public async Task request_ids_are_given_and_the_clients_id_is_echoed()
    {
        var reply = (await tenant.Reader.GetAsync("/v1.0/domains", ("client-request-id", "abc-123"))).ShouldBe(HttpStatusCode.OK);
        Assert.Equal("abc-123", reply.Headers["client-request-id"]);
        Assert.True(Guid.TryParse(reply.Headers["request-id"], out _));
        var error = await tenant.Reader.GetAsync($"/v1.0/users/{Guid.NewGuid()}", ("client-request-id", "def-456"));
        error.ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        Assert.Equal("def-456", error.Body.GetProperty("error").GetProperty("innerError").GetProperty("client-request-id").GetString());
    }

    [BackendFact]
    public async Task a_client_over_its_budget_is_throttled_with_retry_after()
    {
        await using var app = await TenantApp.StartAsync(tenant.Options with { RequestBudget = 3, RequestBudgetWindow = TimeSpan.FromSeconds(30) }, _ => { });
        var tokens = (TestTokens)tenant.Options.TokenValidator!;
        Assert.Equal(tokens.TenantId, app.TenantId);
        using var http = new HttpClient { BaseAddress = new Uri(app.Addresses.Single()) };
        var client = new GraphClient(http, TestTokens.Reader);
        for (var i = 0; i < 3; i++) (await client.GetAsync("/v1.0/domains")).ShouldBe(HttpStatusCode.OK);
        var throttled = await client.GetAsync("/v1.0/domains");
        throttled.ShouldBeError(HttpStatusCode.TooManyRequests, "TooManyRequests");
        Assert.Equal("30", throttled.Headers["Retry-After"]);
        tenant.Clock.Advance(TimeSpan.FromSeconds(31));
        (await client.GetAsync("/v1.0/domains")).ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class ErrorTestsOnSqlite(SqliteTenant tenant) : ErrorTests(tenant), IClassFixture<SqliteTenant>;

public sealed class ErrorTestsOnPostgres(PostgresTenant tenant) : ErrorTests(tenant), IClassFixture<PostgresTenant>;
