using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using IdentityBridge.Tenant.Certificates;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>
/// Microsoft's own client library, unchanged, gets tokens from the tenant: Azure.Identity's ClientSecretCredential
/// (MSAL underneath) pointed at the tenant's HTTPS authority, trusting its self-signed certificate by thumbprint.
/// </summary>
public sealed class AzureIdentityTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-azid-tests", Guid.NewGuid().ToString("n"));
    private TokenWorld _world = null!;
    private TenantCertificate _certificate = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _world = await TokenWorld.CreateAsync();
        _certificate = TenantCertificate.LoadOrCreate(_directory);
        _http = await _world.StartHostAsync(_certificate.Certificate);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _world.DisposeAsync();
        _certificate.Dispose();
        if (System.IO.Directory.Exists(_directory)) System.IO.Directory.Delete(_directory, recursive: true);
    }

    private ClientSecretCredential Credential(string clientId, string secret) => new(_world.TenantId, clientId, secret,
        new ClientSecretCredentialOptions
        {
            AuthorityHost = new Uri(_world.BaseUrl),
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = TokenWorld.Pin(_certificate.Certificate),
            }),
            Retry = { MaxRetries = 0 },
        });

    [Fact]
    public async Task client_secret_credential_gets_a_graph_token()
    {
        var client = await _world.RegisterClientAsync("User.Read.All", "Group.Read.All");

        var token = await Credential(client.App.AppId, client.Secret)
            .GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), CancellationToken.None);

        var caller = await _world.Authority.Validator.ValidateAsync(token.Token, CancellationToken.None);
        Assert.NotNull(caller);
        Assert.Equal(client.App.AppId, caller.AppId);
        Assert.Equal(["Group.Read.All", "User.Read.All"], caller.Roles.Order(StringComparer.Ordinal));
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task wrong_secret_fails_with_entras_code_in_the_exception()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var failure = await Assert.ThrowsAsync<AuthenticationFailedException>(() => Credential(client.App.AppId, client.Secret + "x")
            .GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), CancellationToken.None).AsTask());

        Assert.Contains("AADSTS7000215", failure.ToString(), StringComparison.Ordinal);
    }
}
