using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Tenant.Tokens;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>OpenID discovery documents and the signing keys at their jwks_uri.</summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private TokenWorld _world = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _world = await TokenWorld.CreateAsync();
        _http = await _world.StartHostAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _world.DisposeAsync();
    }

    private async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task v2_configuration_names_this_tenants_endpoints()
    {
        var tenant = _world.TenantId;

        var document = await GetJsonAsync($"/{tenant}/v2.0/.well-known/openid-configuration");

        var root = $"{_world.BaseUrl}/{tenant}";
        Assert.Equal($"{root}/v2.0", document.GetProperty("issuer").GetString());
        Assert.Equal($"{root}/oauth2/v2.0/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal($"{root}/discovery/v2.0/keys", document.GetProperty("jwks_uri").GetString());
        Assert.Equal($"{root}/oauth2/v2.0/authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(["RS256"], document.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("client_secret_post", document.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("code", document.GetProperty("response_types_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["pairwise"], document.GetProperty("subject_types_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("microsoftonline.com", document.GetProperty("cloud_instance_name").GetString());
        Assert.False(string.IsNullOrEmpty(document.GetProperty("tenant_region_scope").GetString()));
    }

    [Fact]
    public async Task v1_configuration_names_the_sts_issuer_of_access_tokens()
    {
        var document = await GetJsonAsync($"/{_world.TenantId}/.well-known/openid-configuration");

        Assert.Equal($"https://sts.windows.net/{_world.TenantId}/", document.GetProperty("issuer").GetString());
        var keys = await GetJsonAsync(new Uri(document.GetProperty("jwks_uri").GetString()!).AbsolutePath);
        Assert.Single(keys.GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task keys_at_jwks_uri_verify_the_tokens_the_endpoint_issues()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        using var tokenResponse = await _http.PostAsync($"/{_world.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"), new("client_id", client.App.AppId), new("client_secret", client.Secret),
            new("scope", "https://graph.microsoft.com/.default"),
        ]));
        var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        var configuration = await GetJsonAsync($"/{_world.TenantId}/v2.0/.well-known/openid-configuration");

        var jwks = await GetJsonAsync(new Uri(configuration.GetProperty("jwks_uri").GetString()!).AbsolutePath);

        var kid = Jwt.Header(token).GetProperty("kid").GetString();
        var key = jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal(kid, key.GetProperty("x5t").GetString());
        Assert.Single(key.GetProperty("x5c").EnumerateArray());
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(key.GetProperty("n").GetString()),
            Exponent = Base64Url.DecodeFromChars(key.GetProperty("e").GetString()),
        });
        var parts = token.Split('.');
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.False(key.TryGetProperty("d", out _));
    }

    [Theory]
    [InlineData("/{0}/v2.0/.well-known/openid-configuration")]
    [InlineData("/{0}/.well-known/openid-configuration")]
    [InlineData("/{0}/discovery/v2.0/keys")]
    public async Task unknown_tenant_is_AADSTS90002_invalid_tenant(string pattern)
    {
        var tenant = Guid.NewGuid().ToString();

        var error = await GetJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, tenant), HttpStatusCode.BadRequest);

        Assert.Equal("invalid_tenant", error.GetProperty("error").GetString());
        Assert.Equal([90002], error.GetProperty("error_codes").EnumerateArray().Select(c => c.GetInt32()));
    }

    [Fact]
    public async Task middleware_dispatch_answers_the_same_paths()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost:5100");
        context.Request.Path = $"/{_world.TenantId}/v2.0/.well-known/openid-configuration";
        context.Response.Body = new MemoryStream();

        Assert.True(await TokenEndpoints.TryHandleAsync(context, _world.Authority));
        context.Request.Path = "/v1.0/users";
        Assert.False(await TokenEndpoints.TryHandleAsync(context, _world.Authority));
        context.Response.Body.Position = 0;
        var document = JsonDocument.Parse(context.Response.Body).RootElement;
        Assert.Equal($"https://localhost:5100/{_world.TenantId}/oauth2/v2.0/token", document.GetProperty("token_endpoint").GetString());
    }
}
