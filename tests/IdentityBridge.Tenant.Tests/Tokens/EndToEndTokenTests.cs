using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>
/// The whole tenant as a real client meets it: Azure.Identity's ClientSecretCredential gets a token from the tenant's
/// authority over HTTPS (with the certificate pinned), and Graph answers it according to its granted permissions.
/// </summary>
public sealed class EndToEndTokenTests
{
    [Fact]
    public async Task azure_identity_client_reads_graph_with_its_permission_and_is_refused_without_one()
    {
        var dir = Path.Combine(Path.GetTempPath(), "idbridge-tenant-e2e", Guid.NewGuid().ToString("n"));
        try
        {
            await RunAsync(dir);
        }
        finally
        {
            if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task RunAsync(string dir)
    {
        using var cert = TenantCertificate.LoadOrCreate(dir);
        await using var app = await TenantApp.StartAsync(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            DataDirectory = dir,
            Certificate = cert.Certificate,
            PasswordIterations = TestStores.PasswordIterations,
        }, logging => { });
        var baseUrl = app.Addresses.Single().TrimEnd('/');
        var reader = await app.Tokens.Applications.CreateClientAsync("Reader", ["User.Read.All"]);
        var nobody = await app.Tokens.Applications.CreateClientAsync("Nobody", []);
        HttpClientHandler Handler() => new() { ServerCertificateCustomValidationCallback = TokenWorld.Pin(cert.Certificate) };
        async Task<string> TokenAsync(Tenant.Tokens.ClientCredentials c) => (await new ClientSecretCredential(app.TenantId,
            c.Application.AppId, c.Secret.SecretText, new ClientSecretCredentialOptions
            {
                AuthorityHost = new Uri(baseUrl), DisableInstanceDiscovery = true, Transport = new HttpClientTransport(Handler()),
            }).GetTokenAsync(new TokenRequestContext(["https://graph.microsoft.com/.default"]), default)).Token;

        using var http = new HttpClient(Handler()) { BaseAddress = new Uri(baseUrl) };
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/v1.0/users");
        ok.Headers.Authorization = new("Bearer", await TokenAsync(reader));
        using var denied = new HttpRequestMessage(HttpMethod.Get, "/v1.0/users");
        denied.Headers.Authorization = new("Bearer", await TokenAsync(nobody));
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/v1.0/users");
        forged.Headers.Authorization = new("Bearer", "eyJhbGciOiJub25lIn0.e30.");

        var okResponse = await http.SendAsync(ok);
        Assert.Equal(HttpStatusCode.OK, okResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(denied)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(forged)).StatusCode);
    }
}
