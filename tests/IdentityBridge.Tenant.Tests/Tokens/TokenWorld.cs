using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Tenant.Tokens;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>
/// A token service over a real SQLite store, with a pinned clock: the world the token tests build on. It can serve
/// its endpoints on loopback (HTTP, or HTTPS with a given certificate) through a small Kestrel host of its own.
/// </summary>
public sealed class TokenWorld : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 10, 15, 0, TimeSpan.Zero);

    private WebApplication? _host;

    private TokenWorld(TestStore store, FakeTimeProvider clock, TokenAuthority authority)
    {
        TestStore = store;
        Clock = clock;
        Authority = authority;
    }

    public TestStore TestStore { get; }
    public FakeTimeProvider Clock { get; }
    public TokenAuthority Authority { get; }
    public string TenantId => Authority.TenantId;

    /// <summary>The address of the running host, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <param name="directoryTables">Tables of the directory to open beside the token tables (domains, service principals).</param>
    public static async Task<TokenWorld> CreateAsync(string? tenantId = null,
        Func<string, CancellationToken, ValueTask<bool>>? isTenantDomain = null,
        IEnumerable<Storage.Schema.TableDefinition>? directoryTables = null, Backend backend = Backend.Sqlite)
    {
        var clock = new FakeTimeProvider(Start);
        var store = await TestStores.OpenAsync(backend, [.. TokenTables.All, .. directoryTables ?? []], clock);
        var authority = await TokenAuthority.OpenAsync(store.Store, tenantId ?? Guid.NewGuid().ToString(), clock, isTenantDomain);
        return new TokenWorld(store, clock, authority);
    }

    public sealed record Client(AppRegistration App, string Secret);

    public async Task<Client> RegisterClientAsync(params string[] permissions)
    {
        var created = await Authority.Applications.CreateClientAsync("Provisioning " + Guid.NewGuid().ToString("N")[..6], permissions,
            secretDisplayName: "test");
        return new Client(created.Application, created.Secret.SecretText);
    }

    /// <summary>Starts a Kestrel host on a free loopback port with the token endpoints mapped.</summary>
    public async Task<HttpClient> StartHostAsync(X509Certificate2? https = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (https is null) kestrel.Listen(IPAddress.Loopback, 0);
            else kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https));
        });
        _host = builder.Build();
        _host.MapTokenEndpoints(Authority);
        await _host.StartAsync();
        var address = _host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUrl = address.TrimEnd('/');
        var handler = new HttpClientHandler();
        if (https is not null) handler.ServerCertificateCustomValidationCallback = Pin(https);
        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Trusts exactly the given certificate, by its SHA-256 thumbprint, as a client of the tenant pins it.</summary>
    public static Func<HttpRequestMessage, X509Certificate2?, X509Chain?, System.Net.Security.SslPolicyErrors, bool> Pin(
        X509Certificate2 expected)
    {
        var thumbprint = expected.GetCertHashString(HashAlgorithmName.SHA256);
        return (_, presented, _, _) => presented is not null &&
                                       presented.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        Authority.Dispose();
        await TestStore.DisposeAsync();
    }
}

/// <summary>Builds tokens by hand, to present the validator with what an attacker could send.</summary>
internal static class Jwt
{
    public static string Part(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string SignRs256(RSA key, object header, object payload)
    {
        var input = Part(header) + "." + Part(payload);
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    public static JsonElement Header(string token) => Decode(token.Split('.')[0]);

    public static JsonElement Payload(string token) => Decode(token.Split('.')[1]);

    private static JsonElement Decode(string part) => JsonDocument.Parse(Base64Url.DecodeFromChars(part)).RootElement.Clone();

    /// <summary>The claims the tenant's issuer writes, for the given tenant, shifted in time as a test needs.</summary>
    public static Dictionary<string, object> Claims(string tenantId, DateTimeOffset issuedAt, string appId = "11111111-2222-3333-4444-555555555555")
    {
        var iat = issuedAt.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["aud"] = EntraTokenNames.GraphResource,
            ["iss"] = EntraTokenNames.Issuer(tenantId),
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = iat + 3600,
            ["appid"] = appId,
            ["appidacr"] = "1",
            ["tid"] = tenantId,
            ["roles"] = new[] { "User.Read.All" },
            ["ver"] = "1.0",
        };
    }
}
