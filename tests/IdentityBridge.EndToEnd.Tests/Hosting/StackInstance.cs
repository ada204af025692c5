using IdentityBridge.Instance.Hosting;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.EndToEnd.Tests.Hosting;

/// <summary>An instance user a test created, with the password they sign in with on login.do.</summary>
public sealed record InstanceUser(string SysId, string UserName, string Password);

/// <summary>
/// A real instance of the stack over HTTP on 127.0.0.1 with a free port, on a SQLite file of its own and the real
/// clock. Its URL is also its SP entity id and the root of its ACS URLs. Set-up goes through its Table API as the
/// <c>admin</c> user, as an administrator's script does.
/// </summary>
public sealed class StackInstance : IAsyncDisposable
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "Admin-Passw0rd-for-e2e";

    private readonly HttpClient _http;
    private readonly string _dataDirectory;

    private StackInstance(InstanceApp app, string dataDirectory)
    {
        App = app;
        _dataDirectory = dataDirectory;
        Url = app.Addresses.Single().TrimEnd('/');
        _http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
    }

    public InstanceApp App { get; }

    /// <summary>The base URL, such as <c>http://127.0.0.1:41235</c>.</summary>
    public string Url { get; }

    /// <summary>The ACS URL identity providers post to by default (index 0 of its SP metadata).</summary>
    public string NavpageUrl => Url + "/navpage.do";

    public static async Task<StackInstance> StartAsync(string dataDirectory)
    {
        var app = await InstanceApp.StartAsync(new InstanceOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDirectory = dataDirectory,
            AdminPassword = AdminPassword,
            PasswordIterations = TestStores.PasswordIterations,
        }, logging => { });
        return new StackInstance(app, dataDirectory);
    }

    /// <summary>Creates an active user with a password (and <paramref name="more"/> sys_user fields).</summary>
    public async Task<InstanceUser> CreateUserAsync(string userName, object? more = null)
    {
        var password = "Pw-" + Guid.NewGuid().ToString("N")[..12];
        var values = new Dictionary<string, object?> { ["user_name"] = userName, ["user_password"] = password };
        JsonCalls.Merge(values, more);
        var created = await TableAsync(HttpMethod.Post, "sys_user", values, HttpStatusCode.Created);
        return new InstanceUser(created.GetProperty("sys_id").GetString()!, userName, password);
    }

    /// <summary>The user of a tenant user, as provisioning creates it: user name and email the UPN, first and last name.</summary>
    public Task<InstanceUser> CreateUserAsync(TenantUser user) =>
        CreateUserAsync(user.UserPrincipalName, new
        {
            email = user.UserPrincipalName,
            first_name = user.GivenName,
            last_name = user.Surname,
        });

    /// <summary>Sets a system property as an admin does: PATCH on its sys_properties row.</summary>
    public async Task SetPropertyAsync(string name, string value)
    {
        var rows = await TableAsync(HttpMethod.Get, $"sys_properties?name={Uri.EscapeDataString(name)}&sysparm_fields=sys_id", null, HttpStatusCode.OK);
        var row = rows.EnumerateArray().Single();
        await TableAsync(HttpMethod.Patch, $"sys_properties/{row.GetProperty("sys_id").GetString()}", new { value }, HttpStatusCode.OK);
    }

    /// <summary>A Table API call as admin (<c>/api/now/table/{tableAndQuery}</c>); answers the <c>result</c>.</summary>
    public async Task<JsonElement> TableAsync(HttpMethod method, string tableAndQuery, object? body, HttpStatusCode expected)
    {
        var separator = tableAndQuery.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var reply = await JsonCalls.SendAsync(_http, method, $"/api/now/table/{tableAndQuery}{separator}sysparm_exclude_reference_link=true",
            body, JsonCalls.Basic(AdminUserName, AdminPassword), expected);
        return reply.GetProperty("result");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await App.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}
