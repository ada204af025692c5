using System.Net.Http.Headers;
using System.Text;
using IdentityBridge.Tenant.Tokens;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary><c>POST /{tenant}/oauth2/v2.0/token</c> over HTTP, answered as Entra answers.</summary>
public sealed class TokenEndpointTests : IAsyncLifetime
{
    private const string GraphDefault = "https://graph.microsoft.com/.default";

    private TokenWorld _world = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _world = await TokenWorld.CreateAsync(isTenantDomain: (name, _) =>
            ValueTask.FromResult(string.Equals(name, "contoso.onmicrosoft.com", StringComparison.OrdinalIgnoreCase)));
        _http = await _world.StartHostAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _world.DisposeAsync();
    }

    private string TokenPath => $"/{_world.TenantId}/oauth2/v2.0/token";

    private async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path,
        params (string Name, string Value)[] form)
    {
        var response = await _http.PostAsync(path,
            new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));
        return (response, await BodyAsync(response));
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<(HttpResponseMessage Response, JsonElement Body)> ClientCredentialsAsync(TokenWorld.Client client,
        string? secret = null, string scope = GraphDefault) =>
        PostAsync(TokenPath, ("grant_type", "client_credentials"), ("client_id", client.App.AppId),
            ("client_secret", secret ?? client.Secret), ("scope", scope));

    private static void AssertEntraError(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string error, int code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal([code], body.GetProperty("error_codes").EnumerateArray().Select(c => c.GetInt32()));
        var description = body.GetProperty("error_description").GetString()!;
        Assert.StartsWith($"AADSTS{code}: ", description, StringComparison.Ordinal);
        var traceId = body.GetProperty("trace_id").GetString()!;
        var correlationId = body.GetProperty("correlation_id").GetString()!;
        var timestamp = body.GetProperty("timestamp").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", timestamp);
        Assert.EndsWith($"\r\nTrace ID: {traceId}\r\nCorrelation ID: {correlationId}\r\nTimestamp: {timestamp}", description, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(traceId, out _));
        Assert.True(Guid.TryParse(correlationId, out _));
    }

    [Fact]
    public async Task client_credentials_grant_issues_an_entra_token_response()
    {
        var client = await _world.RegisterClientAsync("User.Read.All", "Group.Read.All");

        var (response, body) = await ClientCredentialsAsync(client);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal(["access_token", "expires_in", "ext_expires_in", "token_type"], body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3599, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(3599, body.GetProperty("ext_expires_in").GetInt32());
        var caller = await _world.Authority.Validator.ValidateAsync(body.GetProperty("access_token").GetString()!, CancellationToken.None);
        Assert.NotNull(caller);
        Assert.Equal(client.App.AppId, caller.AppId);
        Assert.Equal(["Group.Read.All", "User.Read.All"], caller.Roles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task client_credentials_in_a_basic_header_are_accepted()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", GraphDefault)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(client.App.AppId)}:{Uri.EscapeDataString(client.Secret)}")));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/.default")]
    [InlineData("https://graph.microsoft.com//.default")]
    [InlineData("00000003-0000-0000-c000-000000000000/.default")]
    [InlineData("https://graph.microsoft.com/.default openid offline_access")]
    public async Task graph_default_scope_is_accepted_in_the_forms_entra_takes(string scope)
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, _) = await ClientCredentialsAsync(client, scope: scope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task tenant_may_be_named_by_its_domain()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, _) = await PostAsync("/contoso.onmicrosoft.com/oauth2/v2.0/token", ("grant_type", "client_credentials"),
            ("client_id", client.App.AppId), ("client_secret", client.Secret), ("scope", GraphDefault));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task unknown_application_is_AADSTS700016()
    {
        var unknown = Guid.NewGuid().ToString();
        var (response, body) = await PostAsync(TokenPath, ("grant_type", "client_credentials"), ("client_id", unknown),
            ("client_secret", "whatever"), ("scope", GraphDefault));

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "unauthorized_client", 700016);
        Assert.Contains($"Application with identifier '{unknown}' was not found in the directory", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task wrong_secret_is_AADSTS7000215()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, body) = await ClientCredentialsAsync(client, secret: client.Secret + "x");

        AssertEntraError(response, body, HttpStatusCode.Unauthorized, "invalid_client", 7000215);
        Assert.Contains("Invalid client secret provided.", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task expired_secret_is_AADSTS7000222()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        _world.Clock.Advance(AppRegistrations.DefaultSecretLifetime);

        var (response, body) = await ClientCredentialsAsync(client);

        AssertEntraError(response, body, HttpStatusCode.Unauthorized, "invalid_client", 7000222);
        Assert.Contains($"The provided client secret keys for app '{client.App.AppId}' are expired.", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task missing_secret_is_AADSTS7000218()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, body) = await PostAsync(TokenPath, ("grant_type", "client_credentials"), ("client_id", client.App.AppId),
            ("scope", GraphDefault));

        AssertEntraError(response, body, HttpStatusCode.Unauthorized, "invalid_client", 7000218);
    }

    [Theory]
    [InlineData("0e3a5e9a-0000-4000-8000-000000000000")]
    [InlineData("common")]
    [InlineData("fabrikam.onmicrosoft.com")]
    public async Task unknown_tenant_is_AADSTS90002(string tenant)
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, body) = await PostAsync($"/{tenant}/oauth2/v2.0/token", ("grant_type", "client_credentials"),
            ("client_id", client.App.AppId), ("client_secret", client.Secret), ("scope", GraphDefault));

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "invalid_request", 90002);
        Assert.Contains($"Tenant '{tenant}' not found.", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/User.Read")]
    [InlineData("https://management.azure.com/.default")]
    [InlineData("https://graph.microsoft.com/.default https://outlook.office.com/.default")]
    [InlineData("openid")]
    public async Task scope_other_than_graph_default_is_AADSTS70011(string scope)
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var (response, body) = await ClientCredentialsAsync(client, scope: scope);

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "invalid_scope", 70011);
    }

    [Theory]
    [InlineData("grant_type")]
    [InlineData("client_id")]
    [InlineData("scope")]
    public async Task missing_parameter_is_AADSTS900144(string missing)
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        var form = new[]
        {
            ("grant_type", "client_credentials"), ("client_id", client.App.AppId), ("client_secret", client.Secret), ("scope", GraphDefault),
        }.Where(p => p.Item1 != missing).ToArray();

        var (response, body) = await PostAsync(TokenPath, form);

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "invalid_request", 900144);
        Assert.Contains($"The request body must contain the following parameter: '{missing}'.", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("authorization_code")]
    [InlineData("urn:ietf:params:oauth:grant-type:jwt-bearer")]
    public async Task unsupported_grant_is_AADSTS70003(string grant)
    {
        var (response, body) = await PostAsync(TokenPath, ("grant_type", grant), ("client_id", Guid.NewGuid().ToString()));

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "unsupported_grant_type", 70003);
    }

    [Fact]
    public async Task get_is_AADSTS900561()
    {
        using var response = await _http.GetAsync(TokenPath);

        AssertEntraError(response, await BodyAsync(response), HttpStatusCode.BadRequest, "invalid_request", 900561);
    }

    [Fact]
    public async Task correlation_id_echoes_the_clients_request_id()
    {
        var correlation = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath) { Content = new FormUrlEncodedContent([]) };
        request.Headers.Add("client-request-id", correlation);

        using var response = await _http.SendAsync(request);

        var body = await BodyAsync(response);
        Assert.Equal(correlation, body.GetProperty("correlation_id").GetString());
        Assert.Equal(correlation, response.Headers.GetValues("client-request-id").Single());
    }

    public static TheoryData<string, string> HostileBodies => new()
    {
        { "application/json", """{"grant_type":"client_credentials"}""" },
        { "application/x-www-form-urlencoded", "grant_type=client_credentials&grant_type=password" },
        { "application/x-www-form-urlencoded", "%%%&&&===" },
        { "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=%00%ff&client_secret=x&scope=" + Uri.EscapeDataString(GraphDefault) },
        { "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + new string('a', 100_000) },
        { "multipart/form-data; boundary=x", "--x\r\nbroken" },
        { "text/plain", "\u0000\u0001binary" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task hostile_body_gets_an_entra_error_never_a_500(string contentType, string body)
    {
        using var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await _http.PostAsync(TokenPath, content);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.True((await BodyAsync(response)).TryGetProperty("error_codes", out _));
    }

    [Theory]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic Og==")]
    [InlineData("Basic OnNlY3JldA==")]
    [InlineData("Bearer abc")]
    public async Task malformed_authorization_header_gets_an_entra_error(string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", GraphDefault)]),
        };
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await _http.SendAsync(request);

        AssertEntraError(response, await BodyAsync(response), HttpStatusCode.BadRequest, "invalid_request", 900144);
    }

    [Fact]
    public async Task client_id_that_is_not_a_guid_is_an_unknown_application()
    {
        var (response, body) = await PostAsync(TokenPath, ("grant_type", "client_credentials"), ("client_id", "'; DROP TABLE x; --"),
            ("client_secret", "s"), ("scope", GraphDefault));

        AssertEntraError(response, body, HttpStatusCode.BadRequest, "unauthorized_client", 700016);
    }

    [Fact]
    public async Task failure_inside_the_service_is_answered_in_entras_shape_and_can_be_retried()
    {
        await using var broken = await TokenWorld.CreateAsync(isTenantDomain: (_, _) => throw new InvalidOperationException("database down"));
        using var http = await broken.StartHostAsync();

        using var response = await http.PostAsync("/contoso.example/oauth2/v2.0/token", new FormUrlEncodedContent([]));

        AssertEntraError(response, await BodyAsync(response), HttpStatusCode.InternalServerError, "server_error", 90033);
        Assert.DoesNotContain("database down", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
