using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Tenant.Tests.Tokens;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Tenant.Tests.Saml;

/// <summary>
/// A real tenant over HTTPS on a free loopback port, on a SQLite file of its own, with a pinned clock: what a
/// ServiceNow instance reads federation metadata from. Tests name their apps with <see cref="NewScope"/>.
/// </summary>
public sealed class HttpsTenant : IAsyncLifetime
{
    private TenantApp? _app;
    private TenantCertificate? _https;
    private HttpClient? _http;
    private string? _dataDirectory;
    private int _scopes;

    public FakeTimeProvider Clock { get; } = new(RunningTenant.Start);
    public TestTokens Tokens { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public TenantApp App => _app ?? throw new InvalidOperationException("The tenant has not started.");
    public string DataDirectory => _dataDirectory ?? throw new InvalidOperationException("The tenant has not started.");
    public HttpClient Http => _http ?? throw new InvalidOperationException("The tenant has not started.");
    public GraphClient Admin => new(Http, TestTokens.Admin);
    public GraphClient Reader => new(Http, TestTokens.Reader);

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-tests", Guid.NewGuid().ToString("n"));
        _https = TenantCertificate.LoadOrCreate(_dataDirectory);
        _app = await TenantApp.StartAsync(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            Certificate = _https.Certificate,
            DataDirectory = _dataDirectory,
            DefaultDomain = RunningTenant.Domain,
            PasswordIterations = TestStores.PasswordIterations,
            Time = Clock,
            TokenValidator = Tokens,
        }, logging => { });
        Tokens.TenantId = _app.TenantId;
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = TokenWorld.Pin(_https.Certificate) };
        _http = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _https?.Dispose();
        if (_dataDirectory is not null && System.IO.Directory.Exists(_dataDirectory)) System.IO.Directory.Delete(_dataDirectory, recursive: true);
    }

    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}-";

    /// <summary>Creates an enterprise app (service principal) as admin and answers it.</summary>
    public async Task<JsonElement> CreateAppAsync(string name) =>
        (await Admin.PostAsync("/v1.0/servicePrincipals", new { appId = Guid.NewGuid(), displayName = name }))
        .ShouldBe(HttpStatusCode.Created).Body;

    public async Task<JsonElement> AddCertificateAsync(string servicePrincipalId, object? body = null) =>
        (await Admin.PostAsync($"/v1.0/servicePrincipals/{servicePrincipalId}/addTokenSigningCertificate",
            body ?? new { displayName = "CN=Microsoft Azure Federated SSO Certificate" }))
        .ShouldBe(HttpStatusCode.OK).Body;

    public string MetadataPath(string? appId = null) =>
        $"/{App.TenantId}/federationmetadata/2007-06/federationmetadata.xml" + (appId is null ? "" : "?appid=" + appId);
}
