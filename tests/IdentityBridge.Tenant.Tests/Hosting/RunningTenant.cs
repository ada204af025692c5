using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Postgres;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Tenant.Tests.Hosting;

/// <summary>
/// A real tenant listening on a free loopback port over HTTP, on a database of its own, shared by the tests of one
/// class. Its clock is pinned (<see cref="Clock"/>). Tests name their objects with <see cref="NewScope"/> so that
/// they never see each other's, and filter lists by that prefix.
/// </summary>
public abstract class RunningTenant : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 10, 15, 0, TimeSpan.Zero);
    public const string Domain = "contoso.onmicrosoft.com";

    private TenantApp? _app;
    private HttpClient? _http;
    private string? _dataDirectory;
    private int _scopes;

    public abstract Backend Backend { get; }

    public FakeTimeProvider Clock { get; } = new(Start);

    public TestTokens Tokens { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public TenantApp App => _app ?? throw new InvalidOperationException("The tenant has not started.");

    private HttpClient Http => _http ?? throw new InvalidOperationException("The tenant has not started.");

    public GraphClient Admin => new(Http, TestTokens.Admin);
    public GraphClient Reader => new(Http, TestTokens.Reader);
    public GraphClient As(string? token) => new(Http, token);

    /// <summary>Options for a tenant on this fixture's database and clock (for tests that start one of their own).</summary>
    public TenantOptions Options { get; private set; } = new();

    public async Task InitializeAsync()
    {
        if (Backend == Backend.Postgres && PostgresServer.SkipReason is not null) return;
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-tests", Guid.NewGuid().ToString("n"));
        var postgres = Backend == Backend.Postgres ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync() : null;
        Options = new TenantOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = _dataDirectory,
            PostgresConnectionString = postgres,
            DefaultDomain = Domain,
            PasswordIterations = TestStores.PasswordIterations,
            Time = Clock,
            TokenValidator = Tokens,
        };
        _app = await TenantApp.StartAsync(Options, logging => { });
        Tokens.TenantId = _app.TenantId;
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        _http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_dataDirectory is not null && System.IO.Directory.Exists(_dataDirectory)) System.IO.Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>A prefix no other test uses, for the names of the objects one test creates (<c>s7-</c>).</summary>
    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}-";

    public static string Upn(string name) => $"{name}@{Domain}";

    /// <summary>Creates a user as admin and answers the created object.</summary>
    public async Task<JsonElement> CreateUserAsync(string name, object? more = null)
    {
        var values = new Dictionary<string, object?>
        {
            ["accountEnabled"] = true,
            ["displayName"] = name,
            ["mailNickname"] = name.Replace(".", ""),
            ["userPrincipalName"] = Upn(name),
            ["passwordProfile"] = new { password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
        };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
                values[property.Name] = property.Value;
        return (await Admin.PostAsync("/v1.0/users", values)).ShouldBe(HttpStatusCode.Created).Body;
    }

    public async Task<JsonElement> CreateGroupAsync(string name) =>
        (await Admin.PostAsync("/v1.0/groups", new
        {
            displayName = name,
            mailEnabled = false,
            mailNickname = name.Replace(".", ""),
            securityEnabled = true,
        })).ShouldBe(HttpStatusCode.Created).Body;

    public async Task AddMemberAsync(string groupId, string memberId) =>
        (await Admin.PostAsync($"/v1.0/groups/{groupId}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{memberId}" }))
        .ShouldBe(HttpStatusCode.NoContent);

    /// <summary>Follows @odata.nextLink to the end and answers every object and the final reply.</summary>
    public async Task<(List<JsonElement> Objects, GraphReply Last)> AllPagesAsync(GraphClient client, string path,
        params (string, string)[] headers)
    {
        var objects = new List<JsonElement>();
        var reply = (await client.GetAsync(path, headers)).ShouldBe(HttpStatusCode.OK);
        objects.AddRange(reply.Value);
        var pages = 1;
        while (reply.NextLink is { } next)
        {
            Assert.True(++pages < 1000, "paging does not end");
            reply = (await client.GetAsync(next, headers)).ShouldBe(HttpStatusCode.OK);
            objects.AddRange(reply.Value);
        }
        return (objects, reply);
    }
}

public sealed class SqliteTenant : RunningTenant
{
    public override Backend Backend => Backend.Sqlite;
}

public sealed class PostgresTenant : RunningTenant, IPostgresFixture
{
    public override Backend Backend => Backend.Postgres;
}
