using System.Net.Http.Headers;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Postgres;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// A real instance listening on a free loopback port, on a database of its own, shared by the tests of one class.
/// Its clock is pinned (<see cref="Clock"/>), so token lifetimes, rate-limit windows and caches move only when a
/// test advances it. Tests name their records with <see cref="NewScope"/> so that they never see each other's.
/// </summary>
public abstract class RunningInstance : IAsyncLifetime
{
    public const string AdminPassword = "Admin-Passw0rd-for-tests";
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 10, 15, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string> _roleIds = new(StringComparer.Ordinal);
    private InstanceApp? _app;
    private HttpClient? _http;
    private string? _dataDirectory;
    private string? _postgres;
    private int _scopes;

    public abstract Backend Backend { get; }

    public FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>The address the instance bound, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The <c>admin</c> user the instance creates on first start.</summary>
    public InstanceClient Admin => As("admin", AdminPassword);

    /// <summary>A client without credentials.</summary>
    public InstanceClient Anonymous => new(Http, null);

    private HttpClient Http => _http ?? throw new InvalidOperationException("The instance has not started.");

    /// <summary>The instance's services, for the parts a test drives directly (the SAML state stores).</summary>
    public IServiceProvider Services => (_app ?? throw new InvalidOperationException("The instance has not started.")).Services;

    /// <summary>A browser of its own (cookies, no automatic redirects) on this instance.</summary>
    public Browser NewBrowser() => new(BaseUrl);

    public async Task InitializeAsync()
    {
        // Where PostgreSQL may be skipped, every test of this class is reported skipped (see BackendFactAttribute).
        if (Backend == Backend.Postgres && PostgresServer.SkipReason is not null) return;
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-instance-tests", Guid.NewGuid().ToString("n"));
        _postgres = Backend == Backend.Postgres ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync() : null;
        _app = await StartNodeAsync();
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        _http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    private Task<InstanceApp> StartNodeAsync() => InstanceApp.StartAsync(new InstanceOptions
    {
        Urls = "http://127.0.0.1:0",
        DataDirectory = _dataDirectory!,
        PostgresConnectionString = _postgres,
        AdminPassword = AdminPassword,
        PasswordIterations = TestStores.PasswordIterations,
        Time = Clock,
    }, logging => { });

    /// <summary>Another node on the same database and clock, as a second server behind a load balancer.</summary>
    public async Task<SecondNode> StartSecondNodeAsync()
    {
        var app = await StartNodeAsync();
        return new SecondNode(app, new HttpClient { BaseAddress = new Uri(app.Addresses.Single()), Timeout = TimeSpan.FromSeconds(60) });
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    public InstanceClient As(string userName, string password) =>
        new(Http, new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password))));

    public InstanceClient As(TestUser user) => As(user.UserName, user.Password);

    public InstanceClient WithBearer(string accessToken) => new(Http, new AuthenticationHeaderValue("Bearer", accessToken));

    public InstanceClient WithAuthorization(string header) =>
        new(Http, AuthenticationHeaderValue.Parse(header));

    /// <summary>A prefix no other test uses, for the names of the records one test creates (<c>s7.</c>).</summary>
    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}.";

    /// <summary>Inserts a record as admin and returns the <c>result</c> object of the 201 response.</summary>
    public async Task<JsonElement> CreateAsync(string table, object values)
    {
        var reply = await Admin.PostAsync($"/api/now/table/{table}?sysparm_exclude_reference_link=true", values);
        return reply.ShouldBe(HttpStatusCode.Created).Result;
    }

    /// <summary>An active user with a password, who can sign in with Basic authentication.</summary>
    public async Task<TestUser> CreateUserAsync(string userName, object? more = null)
    {
        var password = "Pw-" + Guid.NewGuid().ToString("n")[..12];
        var values = new Dictionary<string, object?> { ["user_name"] = userName, ["user_password"] = password };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
                values[property.Name] = property.Value;
        var created = await CreateAsync("sys_user", values);
        return new TestUser(created.SysId(), userName, password);
    }

    public async Task<string> RoleIdAsync(string roleName)
    {
        if (_roleIds.TryGetValue(roleName, out var known)) return known;
        var reply = await Admin.GetAsync($"/api/now/table/sys_user_role?name={roleName}&sysparm_fields=sys_id");
        var id = reply.ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();
        return _roleIds[roleName] = id;
    }

    /// <summary>Grants a role directly (sys_user_has_role) as admin.</summary>
    public async Task GrantRoleAsync(TestUser user, string roleName) =>
        await CreateAsync("sys_user_has_role", new { user = user.SysId, role = await RoleIdAsync(roleName) });

    /// <summary>Sets a system property the way an admin does: PATCH on its sys_properties row.</summary>
    public async Task SetPropertyAsync(string name, string value)
    {
        var row = (await Admin.GetAsync($"/api/now/table/sys_properties?name={name}&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single();
        (await Admin.PatchAsync($"/api/now/table/sys_properties/{row.SysId()}", new { value }))
            .ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>How many rows a table holds, as admin counts them through the Aggregate API.</summary>
    public async Task<long> CountAsync(string table, string query = "")
    {
        var reply = await Admin.GetAsync($"/api/now/stats/{table}?sysparm_count=true&sysparm_query={Uri.EscapeDataString(query)}");
        return long.Parse(reply.ShouldBe(HttpStatusCode.OK).Result.GetProperty("stats").Text("count")!,
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The syslog rows an encoded query finds, read as admin.</summary>
    public async Task<IReadOnlyList<JsonElement>> SyslogAsync(string query) =>
        (await Admin.GetAsync($"/api/now/table/syslog?sysparm_query={Uri.EscapeDataString(query)}"))
        .ShouldBe(HttpStatusCode.OK).Rows;
}

/// <summary>An instance on a SQLite file in a fresh temporary directory.</summary>
public sealed class SqliteInstance : RunningInstance
{
    public override Backend Backend => Backend.Sqlite;
}

/// <summary>An instance on a fresh database of the test run's PostgreSQL server.</summary>
public sealed class PostgresInstance : RunningInstance, IPostgresFixture
{
    public override Backend Backend => Backend.Postgres;
}

/// <summary>A user a test created, with the password it can sign in with.</summary>
public sealed record TestUser(string SysId, string UserName, string Password);

public sealed class SecondNode(InstanceApp app, HttpClient http) : IAsyncDisposable
{
    public InstanceClient Admin => new(http, new AuthenticationHeaderValue("Basic",
        Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + RunningInstance.AdminPassword))));

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.DisposeAsync();
    }
}
