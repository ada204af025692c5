using System.Net.Http.Headers;
using System.Text;
using IdentityBridge.Provisioning.Http;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>
/// A real tenant for the provisioning engine to read: HTTPS on a free loopback port with a self-signed certificate of
/// its own (pinned by <see cref="CertificateSha256"/>), its real token endpoint and token validation, and an app
/// registration with what Entra's provisioning service is granted (User.Read.All, Group.Read.All,
/// Application.Read.All). The helpers write the directory through Graph as an admin app, so every write is
/// recorded for delta rounds as any other client's would be. Share one per test class (<c>IClassFixture</c>) and
/// name objects with <see cref="NewScope"/>, so that tests find their own objects among the others. The tenant's
/// clock is <see cref="Clock"/>: it starts at the real time and moves only when a test moves it (to expire tokens,
/// or to pass the 30 days after which deleted users are purged).
/// </summary>
public class TenantServer : IAsyncLifetime
{
    public const string Domain = "contoso.onmicrosoft.com";

    /// <summary>What the provisioning app is granted, as in Entra's gallery setup.</summary>
    public static readonly string[] ReaderPermissions = ["User.Read.All", "Group.Read.All", "Application.Read.All"];

    private static readonly string[] AdminPermissions =
        ["Directory.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All", "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"];

    private TenantApp? _app;
    private TenantCertificate? _certificate;
    private HttpClient? _http;
    private string? _dataDirectory;
    private string? _adminToken;
    private DateTimeOffset _adminTokenRenewal;
    private string _adminId = "", _adminSecret = "";
    private int _scopes;

    public TenantApp App => _app ?? throw new InvalidOperationException("The tenant has not started.");

    /// <summary>The tenant's clock (tokens, secrets, deleted-items retention, throttling windows).</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The tenant's address, such as <c>https://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Graph's base URL on the tenant: <see cref="BaseUrl"/><c>/v1.0</c>.</summary>
    public Uri GraphUrl => new(BaseUrl + "/v1.0");

    public string TenantId => App.TenantId;

    /// <summary>The SHA-256 thumbprint of the tenant's HTTPS certificate (uppercase hex), for <see cref="SourceSettings.CertificateSha256"/>.</summary>
    public string CertificateSha256 { get; private set; } = "";

    /// <summary>The provisioning app's client id.</summary>
    public string ClientId { get; private set; } = "";

    /// <summary>The provisioning app's client secret.</summary>
    public string ClientSecret { get; private set; } = "";

    /// <summary>Settings that read this tenant as the provisioning app, pinned to its certificate.</summary>
    public SourceSettings Settings => new()
    {
        GraphBaseUrl = GraphUrl,
        TenantId = TenantId,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        CertificateSha256 = CertificateSha256,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-provisioning-tests", Guid.NewGuid().ToString("n"));
        _certificate = TenantCertificate.LoadOrCreate(_dataDirectory);
        CertificateSha256 = _certificate.Sha256Thumbprint;
        // TokenValidator stays unset: the tenant validates the tokens its own endpoint issued, as in production.
        _app = await TenantApp.StartAsync(Adjust(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            DataDirectory = _dataDirectory,
            Certificate = _certificate.Certificate,
            DefaultDomain = Domain,
            PasswordIterations = TestStores.PasswordIterations,
            Time = Clock,
        }), logging => { });
        BaseUrl = _app.Addresses.Single().TrimEnd('/');
        _http = OutboundHttp.CreateClient(TimeSpan.FromSeconds(60), CertificateSha256);

        var reader = await App.Tokens.Applications.CreateClientAsync("Provisioning", ReaderPermissions);
        ClientId = reader.Application.AppId;
        ClientSecret = reader.Secret.SecretText;
        var admin = await App.Tokens.Applications.CreateClientAsync("Provisioning tests admin", AdminPermissions);
        (_adminId, _adminSecret) = (admin.Application.AppId, admin.Secret.SecretText);
    }

    /// <summary>Changes the options the tenant starts with (a subclass for throttling, for instance).</summary>
    protected virtual TenantOptions Adjust(TenantOptions options) => options;

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _certificate?.Dispose();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>A source on this tenant: the provisioning app's settings unless others are given; small pages to exercise paging.</summary>
    public GraphSource NewSource(SourceSettings? settings = null, int pageSize = 999) =>
        new(settings ?? Settings) { PageSize = pageSize, RetryCap = TimeSpan.Zero };

    /// <summary>Registers another app with the given permissions and answers settings that read as it.</summary>
    public async Task<SourceSettings> AppSettingsAsync(string name, params string[] permissions)
    {
        var client = await App.Tokens.Applications.CreateClientAsync(name, permissions);
        return Settings with { ClientId = client.Application.AppId, ClientSecret = client.Secret.SecretText };
    }

    /// <summary>A prefix no other test of this fixture uses (<c>s7-</c>), for the names of the objects one test creates.</summary>
    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}-";

    public static string Upn(string name) => $"{name}@{Domain}";

    // ---- users ----------------------------------------------------------------------------------------------

    /// <summary>Creates an enabled member user named <paramref name="name"/> (its UPN is name@contoso) and answers its id.</summary>
    public async Task<string> CreateUserAsync(string name, object? more = null, string? userPrincipalName = null)
    {
        var values = new Dictionary<string, object?>
        {
            ["accountEnabled"] = true,
            ["displayName"] = name,
            ["mailNickname"] = new string(name.Where(char.IsAsciiLetterOrDigit).ToArray()),
            ["userPrincipalName"] = userPrincipalName ?? Upn(name),
            ["passwordProfile"] = new { password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
        };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
                values[property.Name] = property.Value;
        return Id(await SendAsync(HttpMethod.Post, "/users", values, HttpStatusCode.Created));
    }

    /// <summary>Creates a B2B guest as Entra names one: alias_theirdomain#EXT#@contoso, userType Guest.</summary>
    public Task<string> CreateGuestAsync(string alias, string homeDomain) =>
        CreateUserAsync(alias, new { userType = "Guest", mail = $"{alias}@{homeDomain}" },
            $"{alias}_{homeDomain}#EXT#@{Domain}");

    public Task UpdateUserAsync(string id, object values) => SendAsync(HttpMethod.Patch, $"/users/{id}", values, HttpStatusCode.NoContent);

    public Task SetManagerAsync(string userId, string managerId) =>
        SendAsync(HttpMethod.Put, $"/users/{userId}/manager/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/users/{managerId}" }, HttpStatusCode.NoContent);

    public Task RemoveManagerAsync(string userId) => SendAsync(HttpMethod.Delete, $"/users/{userId}/manager/$ref", null, HttpStatusCode.NoContent);

    /// <summary>Moves the user to deleted items (restorable).</summary>
    public Task SoftDeleteUserAsync(string id) => SendAsync(HttpMethod.Delete, $"/users/{id}", null, HttpStatusCode.NoContent);

    public Task RestoreUserAsync(string id) => SendAsync(HttpMethod.Post, $"/directory/deletedItems/{id}/restore", null, HttpStatusCode.OK);

    /// <summary>Soft-deletes the user if it is not already, then deletes it for good.</summary>
    public async Task PurgeUserAsync(string id)
    {
        using (var probe = await RawAsync(HttpMethod.Get, $"/users/{id}", null))
            if (probe.IsSuccessStatusCode) await SoftDeleteUserAsync(id);
        await SendAsync(HttpMethod.Delete, $"/directory/deletedItems/{id}", null, HttpStatusCode.NoContent);
    }

    // ---- groups ---------------------------------------------------------------------------------------------

    /// <summary>Creates a security group and answers its id.</summary>
    public async Task<string> CreateGroupAsync(string name, string? description = null) =>
        Id(await SendAsync(HttpMethod.Post, "/groups", new
        {
            displayName = name,
            description,
            mailEnabled = false,
            mailNickname = new string(name.Where(char.IsAsciiLetterOrDigit).ToArray()),
            securityEnabled = true,
        }, HttpStatusCode.Created));

    /// <summary>Adds a user or a group as a direct member.</summary>
    public Task AddMemberAsync(string groupId, string memberId) =>
        SendAsync(HttpMethod.Post, $"/groups/{groupId}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{memberId}" },
            HttpStatusCode.NoContent);

    public Task RemoveMemberAsync(string groupId, string memberId) =>
        SendAsync(HttpMethod.Delete, $"/groups/{groupId}/members/{memberId}/$ref", null, HttpStatusCode.NoContent);

    public Task DeleteGroupAsync(string id) => SendAsync(HttpMethod.Delete, $"/groups/{id}", null, HttpStatusCode.NoContent);

    // ---- enterprise apps ------------------------------------------------------------------------------------

    /// <summary>Creates a service principal (an enterprise app) with the given app role ids, and answers its id and appId.</summary>
    public async Task<(string Id, string AppId)> CreateServicePrincipalAsync(string name, params string[] appRoleIds)
    {
        var appId = Guid.NewGuid().ToString("D");
        var body = await SendAsync(HttpMethod.Post, "/servicePrincipals", new
        {
            appId,
            displayName = name,
            appRoles = appRoleIds.Select(id => new
            {
                id,
                value = "role-" + id[..8],
                displayName = "Role " + id[..8],
                allowedMemberTypes = new[] { "User" },
                isEnabled = true,
            }).ToArray(),
        }, HttpStatusCode.Created);
        return (Id(body), appId);
    }

    /// <summary>Assigns a user or a group to the app (the default access role unless one is given).</summary>
    public Task AssignAsync(string servicePrincipalId, string principalId, string appRoleId = "00000000-0000-0000-0000-000000000000") =>
        SendAsync(HttpMethod.Post, $"/servicePrincipals/{servicePrincipalId}/appRoleAssignedTo",
            new { principalId, resourceId = servicePrincipalId, appRoleId }, HttpStatusCode.Created);

    // ---- plumbing -------------------------------------------------------------------------------------------

    private static string Id(JsonElement body) => body.GetProperty("id").GetString()!;

    private async Task<string> TokenAsync(string clientId, string secret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "https://graph.microsoft.com/.default",
        });
        using var response = await _http!.PostAsync($"{BaseUrl}/{TenantId}/oauth2/v2.0/token", form);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The admin app got no token: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<HttpResponseMessage> RawAsync(HttpMethod method, string path, object? body)
    {
        // A test may have moved the clock past the admin's token: it gets a new one, as any client would.
        if (_adminToken is null || Clock.GetUtcNow() >= _adminTokenRenewal)
        {
            _adminToken = await TokenAsync(_adminId, _adminSecret);
            _adminTokenRenewal = Clock.GetUtcNow() + TimeSpan.FromMinutes(30);
        }
        using var request = new HttpRequestMessage(method, BaseUrl + "/v1.0" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        return await _http!.SendAsync(request);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await RawAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
