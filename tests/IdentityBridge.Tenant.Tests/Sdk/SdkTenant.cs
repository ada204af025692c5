using Azure.Core.Pipeline;
using Azure.Identity;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tests.Tokens;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Postgres;
using IdentityBridge.Testing.Stores;
using Microsoft.Graph;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace IdentityBridge.Tenant.Tests.Sdk;

/// <summary>
/// A real tenant on a free loopback port over HTTPS (its own self-signed certificate, pinned by the clients), with
/// real tokens: every client is Microsoft's <see cref="GraphServiceClient"/> authenticated by Azure.Identity's
/// <see cref="ClientSecretCredential"/> against the tenant's own authority, exactly as a provisioning engine would
/// reach Entra ID. Shared by the tests of one class; tests name their objects with <see cref="NewScope"/>.
/// </summary>
public abstract class SdkTenant : IAsyncLifetime
{
    public const string Domain = "contoso.onmicrosoft.com";
    public static readonly string[] GraphScopes = ["https://graph.microsoft.com/.default"];

    private readonly List<IDisposable> _disposables = [];
    private TenantApp? _app;
    private TenantCertificate? _certificate;
    private string? _dataDirectory;
    private int _scopes;

    public abstract Backend Backend { get; }

    public TenantApp App => _app ?? throw new InvalidOperationException("The tenant has not started.");

    /// <summary>The tenant's https address, such as <c>https://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Directory.ReadWrite.All and AppRoleAssignment.ReadWrite.All: writes everything the tests create.</summary>
    public GraphServiceClient Admin { get; private set; } = null!;

    /// <summary>User.Read.All, Group.Read.All and Application.Read.All: what a provisioning engine is granted.</summary>
    public GraphServiceClient Reader { get; private set; } = null!;

    /// <summary>User.Read.All only.</summary>
    public GraphServiceClient UsersOnly { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Backend == Backend.Postgres && PostgresServer.SkipReason is not null) return;
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-sdk", Guid.NewGuid().ToString("n"));
        var postgres = Backend == Backend.Postgres ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync() : null;
        _certificate = TenantCertificate.LoadOrCreate(_dataDirectory);
        _app = await TenantApp.StartAsync(Adjust(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            DataDirectory = _dataDirectory,
            PostgresConnectionString = postgres,
            Certificate = _certificate.Certificate,
            DefaultDomain = Domain,
            PasswordIterations = TestStores.PasswordIterations,
        }), logging => { });
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        Admin = await ClientAsync("SDK admin", "Directory.ReadWrite.All", "AppRoleAssignment.ReadWrite.All");
        Reader = await ClientAsync("SDK reader", "User.Read.All", "Group.Read.All", "Application.Read.All");
        UsersOnly = await ClientAsync("SDK users only", "User.Read.All");
    }

    /// <summary>Changes the options the tenant starts with (for a fixture of a kind of its own).</summary>
    protected virtual TenantOptions Adjust(TenantOptions options) => options;

    /// <summary>Registers a client application with the permissions and answers a Graph SDK client signed in as it.</summary>
    public Task<GraphServiceClient> ClientAsync(string name, params string[] permissions) => ClientAsync(name, null, permissions);

    /// <summary>
    /// As <see cref="ClientAsync(string, string[])"/>, and records the status of every response that reaches the
    /// SDK's middleware, retries included (which the SDK's caller never sees).
    /// </summary>
    public Task<GraphServiceClient> ObservedClientAsync(string name, List<HttpStatusCode> statuses, params string[] permissions) =>
        ClientAsync(name, statuses, permissions);

    private async Task<GraphServiceClient> ClientAsync(string name, List<HttpStatusCode>? statuses, string[] permissions)
    {
        var registered = await App.Tokens.Applications.CreateClientAsync(name, permissions);
        var credential = new ClientSecretCredential(App.TenantId, registered.Application.AppId, registered.Secret.SecretText,
            new ClientSecretCredentialOptions
            {
                AuthorityHost = new Uri(BaseUrl),
                DisableInstanceDiscovery = true,
                Transport = new HttpClientTransport(PinnedHandler()),
            });
        // The SDK's own middleware (retry, redirect, compression, headers) in front of a handler that pins the
        // tenant's certificate, as GraphServiceClient builds it for graph.microsoft.com.
        HttpMessageHandler final = statuses is null ? PinnedHandler() : new Recorder(statuses) { InnerHandler = PinnedHandler() };
        var http = GraphClientFactory.Create(finalHandler: final);
        http.BaseAddress = new Uri(BaseUrl + "/v1.0");
        _disposables.Add(http);
        // The SDK sends a token only to the hosts it is told to: Graph's own by default, so the tenant's is named.
        var authentication = new Microsoft.Graph.Authentication.AzureIdentityAuthenticationProvider(credential,
            [new Uri(BaseUrl).Host], null, true, GraphScopes);
        return new GraphServiceClient(http, authentication, BaseUrl + "/v1.0");
    }

    private sealed class Recorder(List<HttpStatusCode> statuses) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (statuses) statuses.Add(response.StatusCode);
            return response;
        }
    }

    private HttpClientHandler PinnedHandler() =>
        new() { ServerCertificateCustomValidationCallback = TokenWorld.Pin(_certificate!.Certificate) };

    public async Task DisposeAsync()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _certificate?.Dispose();
        if (_dataDirectory is not null && System.IO.Directory.Exists(_dataDirectory)) System.IO.Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>A prefix no other test uses, for the names of the objects one test creates (<c>sdk7-</c>).</summary>
    public string NewScope() => $"sdk{Interlocked.Increment(ref _scopes)}-";

    public static string Upn(string name) => $"{name}@{Domain}";
}

public sealed class SqliteSdkTenant : SdkTenant
{
    public override Backend Backend => Backend.Sqlite;
}

public sealed class PostgresSdkTenant : SdkTenant, IPostgresFixture
{
    public override Backend Backend => Backend.Postgres;
}

/// <summary>A tenant that lets each application make 3 Graph requests in 2 seconds.</summary>
public sealed class ThrottledSdkTenant : SdkTenant
{
    public override Backend Backend => Backend.Sqlite;

    protected override TenantOptions Adjust(TenantOptions options) =>
        options with { RequestBudget = 3, RequestBudgetWindow = TimeSpan.FromSeconds(2) };
}
