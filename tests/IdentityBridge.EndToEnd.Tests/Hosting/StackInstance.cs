using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.EndToEnd.Tests.Hosting;

/// <summary>What the instance answered a posted SAML form: 302 with a JSESSIONID cookie when it signed the user in.</summary>
public sealed record SignInLanding(HttpStatusCode Status, string? Location, IReadOnlyList<string> SetCookies, string Body)
{
    /// <summary>Whether the instance set a session cookie (JSESSIONID, ServiceNow's name).</summary>
    public bool StartedSession => SetCookies.Any(c => c.StartsWith("JSESSIONID=", StringComparison.Ordinal) && !c.StartsWith("JSESSIONID=;", StringComparison.Ordinal));

    public override string ToString() => $"{(int)Status} (Location: {Location}; cookies: {string.Join(" | ", SetCookies.Select(c => c.Split(';')[0].Split('=')[0]))}): {Body}";
}

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

    /// <summary>A Table API call as admin that must be refused with <paramref name="expected"/>; answers the <c>error</c> object (message, detail).</summary>
    public async Task<JsonElement> TableRefusalAsync(HttpMethod method, string tableAndQuery, object? body, HttpStatusCode expected)
    {
        var reply = await JsonCalls.SendAsync(_http, method, $"/api/now/table/{tableAndQuery}", body, JsonCalls.Basic(AdminUserName, AdminPassword), expected);
        return reply.GetProperty("error");
    }

    /// <summary>
    /// Runs "Refresh MultiSSO IDP Metadata" for the record as the scheduled job does once its interval has passed:
    /// the record's last refresh is moved a day back (the instance runs on the real clock, which a test cannot
    /// advance), then the job's due pass runs. Answers what the job did to the record.
    /// </summary>
    public async Task<MetadataRefreshOutcome> RefreshMetadataAsync(string recordSysId)
    {
        var store = App.Services.GetRequiredService<Store>();
        var table = store.Tables.Find(SsoTables.Saml)!;
        var dayAgo = GlideDateTimes.Format(DateTimeOffset.UtcNow.AddDays(-1).AddHours(-1));
        var written = await store.UpdateAsync(table, recordSysId,
            new Dictionary<string, string?> { [MetadataImport.RefreshedOnField] = dayAgo }, new WriteOptions("e2e-clock"), default);
        if (!written.Succeeded) throw new InvalidOperationException($"The record {recordSysId} could not be made due: {written.Error?.Detail}");
        var outcomes = await App.Services.GetRequiredService<MetadataRefresh>().RefreshDueAsync(default);
        return outcomes.SingleOrDefault(o => o.RecordId == recordSysId)
               ?? throw new InvalidOperationException($"The metadata refresh did not run for {recordSysId}.");
    }

    /// <summary>
    /// The certificates a response from <paramref name="issuer"/> is checked with at sign-in (the active ones the
    /// record links), as upper-case SHA-1 thumbprints, which is how Entra names them.
    /// </summary>
    public async Task<IReadOnlyList<string>> TrustedThumbprintsAsync(string issuer)
    {
        var trust = await App.Services.GetRequiredService<IdentityProviderDirectory>().FindByIssuerAsync(issuer, default)
                    ?? throw new InvalidOperationException($"The instance has no identity provider record for {issuer}.");
        return trust.SigningCertificates.Select(c => c.Thumbprint.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Posts what a tenant's auto-submitting form carries to its action on this instance, as the browser does from
    /// the tenant's page (a cross-site form post: an Origin header, no instance cookies). Redirects are not followed.
    /// </summary>
    public async Task<SignInLanding> PostSamlFormAsync(CapturedSamlPost post, string fromOrigin)
    {
        if (!post.Url.StartsWith(Url + "/", StringComparison.Ordinal))
            throw new InvalidOperationException($"The form posts to {post.Url}, not to this instance ({Url}).");
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var fields = new Dictionary<string, string>();
        if (post.SamlResponse is not null) fields["SAMLResponse"] = post.SamlResponse;
        if (post.SamlRequest is not null) fields["SAMLRequest"] = post.SamlRequest;
        if (post.RelayState is not null) fields["RelayState"] = post.RelayState;
        using var request = new HttpRequestMessage(HttpMethod.Post, post.Url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.TryAddWithoutValidation("Origin", fromOrigin);
        using var response = await http.SendAsync(request);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        return new SignInLanding(response.StatusCode, response.Headers.Location?.ToString(), cookies, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Opens "Log in with" the record (<c>/login_with_sso.do?glide_sso_id=</c>): SP-initiated sign-on. Answers where
    /// the instance sends the browser, its identity provider's sign-on URL with the AuthnRequest.
    /// </summary>
    public async Task<string> StartSignOnAsync(string recordSysId, string? gotoPath = null)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var url = $"{Url}/login_with_sso.do?glide_sso_id={Uri.EscapeDataString(recordSysId)}" +
                  (gotoPath is null ? "" : "&sysparm_goto_url=" + Uri.EscapeDataString(gotoPath));
        using var response = await http.GetAsync(url);
        if (response.StatusCode != HttpStatusCode.Found || response.Headers.Location is null)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location.ToString();
    }

    /// <summary>The home page (navpage.do) in the session a sign-in started, which greets the signed-in user.</summary>
    public async Task<string> HomePageAsync(SignInLanding signedIn)
    {
        var session = signedIn.SetCookies.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith("JSESSIONID=", StringComparison.Ordinal))
                      ?? throw new InvalidOperationException($"The sign-in started no session: {signedIn}");
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, NavpageUrl);
        request.Headers.Add("Cookie", session);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"The home page answered {(int)response.StatusCode} (Location: {response.Headers.Location}): {body}");
        return body;
    }

    /// <summary>The instance's syslog rows matching an encoded query, such as <c>source=SAML2^messageLIKEsignature</c>.</summary>
    public async Task<IReadOnlyList<string>> SyslogMessagesAsync(string query)
    {
        var rows = await TableAsync(HttpMethod.Get, $"syslog?sysparm_query={Uri.EscapeDataString(query)}&sysparm_fields=message", null, HttpStatusCode.OK);
        return rows.EnumerateArray().Select(r => r.GetProperty("message").GetString() ?? "").ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await App.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}
