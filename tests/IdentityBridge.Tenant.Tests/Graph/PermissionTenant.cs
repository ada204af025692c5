using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>
/// A real tenant over HTTP on a SQLite file of its own, whose Graph accepts one fixed token per application
/// permission (the token is the permission's name, such as <c>AuditLog.Read.All</c>), so a test shows exactly which
/// permission an endpoint takes. The clock is pinned.
/// </summary>
public sealed class PermissionTenant : IAsyncLifetime, IGraphTokenValidator
{
    private TenantApp? _app;
    private HttpClient? _http;
    private string? _dataDirectory;
    private int _scopes;

    public FakeTimeProvider Clock { get; } = new(RunningTenant.Start);
    public TenantApp App => _app ?? throw new InvalidOperationException("The tenant has not started.");

    /// <summary>A client presenting a token that grants exactly these permissions.</summary>
    public GraphClient With(params string[] permissions) =>
        new(_http ?? throw new InvalidOperationException("The tenant has not started."), string.Join(' ', permissions));

    public ValueTask<GraphCaller?> ValidateAsync(string bearerToken, CancellationToken ct) =>
        ValueTask.FromResult<GraphCaller?>(new GraphCaller("44444444-4444-4444-4444-444444444444", App.TenantId,
            bearerToken.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet()));

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-tests", Guid.NewGuid().ToString("n"));
        _app = await TenantApp.StartAsync(new TenantOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = _dataDirectory,
            DefaultDomain = RunningTenant.Domain,
            PasswordIterations = TestStores.PasswordIterations,
            Time = Clock,
            TokenValidator = this,
        }, logging => { });
        _http = new HttpClient { BaseAddress = new Uri(_app.Addresses.Single()), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_dataDirectory is not null && System.IO.Directory.Exists(_dataDirectory)) System.IO.Directory.Delete(_dataDirectory, recursive: true);
    }

    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}-";

    /// <summary>Creates a user through Graph and answers it.</summary>
    public async Task<JsonElement> CreateUserAsync(string name) =>
        (await With("User.ReadWrite.All").PostAsync("/v1.0/users", new
        {
            accountEnabled = true,
            displayName = name,
            mailNickname = name.Replace(".", "", StringComparison.Ordinal),
            userPrincipalName = RunningTenant.Upn(name),
            passwordProfile = new { password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
        })).ShouldBe(HttpStatusCode.Created).Body;
}
