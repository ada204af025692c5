using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>
/// A real instance on a free loopback port and a SQLite file of its own, shared by the tests of one class. The
/// connector reaches it only over HTTP; the helpers here act as the instance's admin does, through the Table API.
/// Tests name what they create with <see cref="NewScope"/> so that they never see each other's records.
/// </summary>
public sealed class InstanceServer : IAsyncLifetime
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Admin-Passw0rd-for-tests";

    private const string ClientCredentialsProperty = "glide.oauth.inbound.client.credential.grant_type.enabled";

    private readonly Dictionary<string, string> _roleIds = new(StringComparer.Ordinal);
    private InstanceApp? _app;
    private HttpClient? _http;
    private string? _dataDirectory;
    private int _scopes;

    /// <summary>The address the instance bound, such as <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    public TargetCredentials.Basic AdminCredentials { get; } = new(AdminUserName, AdminPassword);

    private HttpClient Http => _http ?? throw new InvalidOperationException("The instance has not started.");

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-provisioning-tests", Guid.NewGuid().ToString("n"));
        _app = await InstanceApp.StartAsync(new InstanceOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = _dataDirectory,
            AdminPassword = AdminPassword,
            PasswordIterations = TestStores.PasswordIterations,
        }, logging => { });
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        _http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(AdminUserName + ":" + AdminPassword)));
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>A prefix no other test of this instance uses (<c>s7.</c>), for the names of the records a test creates.</summary>
    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}.";

    /// <summary>A connector to this instance, or to <paramref name="through"/> (a <see cref="FaultyProxy"/> before it).</summary>
    public ServiceNowConnector ConnectorFor(TargetCredentials credentials, string? through = null,
        Func<TargetSettings, TargetSettings>? configure = null, int? pageSize = null, TimeProvider? time = null)
    {
        var settings = new TargetSettings
        {
            InstanceUrl = new Uri(through ?? BaseUrl),
            Credentials = credentials,
            Timeout = TimeSpan.FromSeconds(30),
        };
        settings = configure?.Invoke(settings) ?? settings;
        return pageSize is { } size ? new ServiceNowConnector(settings, time) { PageSize = size } : new ServiceNowConnector(settings, time);
    }

    /// <summary>An active account with a password and the given roles (sys_user and sys_user_has_role, as admin).</summary>
    public async Task<TargetCredentials.Basic> CreateAccountAsync(string userName, params string[] roles)
    {
        var password = "Pw-" + Guid.NewGuid().ToString("n")[..12];
        var user = await CreateAsync("sys_user", new Dictionary<string, string?>
        {
            ["user_name"] = userName,
            ["first_name"] = "Account",
            ["last_name"] = userName,
            ["user_password"] = password,
        });
        foreach (var role in roles)
            await CreateAsync("sys_user_has_role", new Dictionary<string, string?>
            {
                ["user"] = user.GetProperty("sys_id").GetString(),
                ["role"] = await RoleIdAsync(role),
            });
        return new TargetCredentials.Basic(userName, password);
    }

    /// <summary>
    /// An OAuth client (oauth_entity) whose client credentials grant runs as <paramref name="applicationUser"/>; the
    /// grant is switched on for the whole instance, as its system property does on ServiceNow.
    /// </summary>
    public async Task<TargetCredentials.OAuth> CreateOAuthClientAsync(string name, string applicationUser)
    {
        var user = (await ListAsync("sys_user", "user_name=" + applicationUser)).Single();
        var client = await CreateAsync("oauth_entity", new Dictionary<string, string?> { ["name"] = name });
        await PatchAsync("oauth_entity", client.GetProperty("sys_id").GetString()!,
            new Dictionary<string, string?> { ["oauth_application_user"] = user.GetProperty("sys_id").GetString() });
        var property = (await ListAsync("sys_properties", "name=" + ClientCredentialsProperty)).Single();
        await PatchAsync("sys_properties", property.GetProperty("sys_id").GetString()!,
            new Dictionary<string, string?> { ["value"] = "true" });
        return new TargetCredentials.OAuth(client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
    }

    /// <summary>Inserts a record as admin and answers it as the instance did (raw values).</summary>
    public async Task<JsonElement> CreateAsync(string table, IReadOnlyDictionary<string, string?> values)
    {
        using var response = await Http.PostAsJsonAsync($"/api/now/table/{table}?sysparm_exclude_reference_link=true", values);
        return (await ResultAsync(response, HttpStatusCode.Created)).GetProperty("result");
    }

    public async Task<JsonElement> PatchAsync(string table, string sysId, IReadOnlyDictionary<string, string?> values)
    {
        using var response = await Http.PatchAsJsonAsync($"/api/now/table/{table}/{sysId}?sysparm_exclude_reference_link=true", values);
        return (await ResultAsync(response, HttpStatusCode.OK)).GetProperty("result");
    }

    public async Task DeleteAsync(string table, string sysId)
    {
        using var response = await Http.DeleteAsync($"/api/now/table/{table}/{sysId}");
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"DELETE {table}/{sysId} answered {(int)response.StatusCode}");
    }

    /// <summary>The records an encoded query finds, as admin reads them (all fields, raw values).</summary>
    public async Task<IReadOnlyList<JsonElement>> ListAsync(string table, string query)
    {
        using var response = await Http.GetAsync(
            $"/api/now/table/{table}?sysparm_exclude_reference_link=true&sysparm_query={Uri.EscapeDataString(query)}");
        return (await ResultAsync(response, HttpStatusCode.OK)).GetProperty("result").EnumerateArray().ToList();
    }

    public async Task<string> RoleIdAsync(string roleName)
    {
        lock (_roleIds)
            if (_roleIds.TryGetValue(roleName, out var known)) return known;
        var id = (await ListAsync("sys_user_role", "name=" + roleName)).Single().GetProperty("sys_id").GetString()!;
        lock (_roleIds) _roleIds[roleName] = id;
        return id;
    }

    private static async Task<JsonElement> ResultAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
