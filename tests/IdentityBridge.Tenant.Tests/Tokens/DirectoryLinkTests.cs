using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>
/// Where the token service meets the directory: the tenant's domains name it in URLs, and an app's service principal
/// is the object its tokens speak for.
/// </summary>
public sealed class DirectoryLinkTests : IAsyncLifetime
{
    private TokenWorld _world = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _world = await TokenWorld.CreateAsync(directoryTables: [DirectoryTables.Domain, DirectoryTables.ServicePrincipal]);
        _http = await _world.StartHostAsync();
        await _world.TestStore.Store.InsertAsync(DirectoryTables.Domain, new Dictionary<string, string?>
        {
            ["name"] = "contoso.onmicrosoft.com",
            ["is_default"] = "true",
            ["is_initial"] = "true",
        }, new WriteOptions("test"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _world.DisposeAsync();
    }

    private Task<HttpResponseMessage> TokenAsync(string tenant, TokenWorld.Client client) =>
        _http.PostAsync($"/{tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"), new("client_id", client.App.AppId), new("client_secret", client.Secret),
            new("scope", "https://graph.microsoft.com/.default"),
        ]));

    [Fact]
    public async Task tenant_domain_in_the_directory_names_the_tenant()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        using var byDomain = await TokenAsync("Contoso.onmicrosoft.com", client);
        using var unknown = await TokenAsync("fabrikam.onmicrosoft.com", client);

        Assert.Equal(HttpStatusCode.OK, byDomain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var configuration = JsonDocument.Parse(await _http.GetStringAsync("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")).RootElement;
        Assert.Equal($"{_world.BaseUrl}/{_world.TenantId}/v2.0", configuration.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task token_speaks_for_the_apps_service_principal_in_the_directory()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        var principal = Guid.NewGuid();
        await _world.TestStore.Store.InsertAsync(DirectoryTables.ServicePrincipal, new Dictionary<string, string?>
        {
            ["sys_id"] = principal.ToString("N"),
            ["app_id"] = client.App.AppId,
            ["display_name"] = client.App.DisplayName,
        }, new WriteOptions("test"));

        using var response = await TokenAsync(_world.TenantId, client);

        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        Assert.Equal(principal.ToString(), Jwt.Payload(token).GetProperty("oid").GetString());
        Assert.Equal(principal.ToString(), Jwt.Payload(token).GetProperty("sub").GetString());
    }
}
