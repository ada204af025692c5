using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Tenant.Tests.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>An enterprise app set up for SAML in the test tenant, as a service provider knows it.</summary>
public sealed record TestApp(string Id, string SysId, string AppId, string EntityId, string ReplyUrl, string DisplayName);

/// <summary>A user of the test tenant.</summary>
public sealed record TestUser(string Id, string SysId, string Upn);

/// <summary>
/// The world of the identity provider tests, on a real tenant over HTTPS: apps set up through the tenant's own
/// services, users and groups through Graph, browsers that keep cookies, and a service provider's view of every
/// response (our <see cref="ResponseValidator"/>, trusting the certificate the app's federation metadata lists).
/// </summary>
public sealed class IdentityProviderWorld(HttpsTenant tenant)
{
    public HttpsTenant Tenant => tenant;
    public string TenantId => tenant.App.TenantId;
    public string Issuer => $"https://sts.windows.net/{TenantId}/";
    public string SsoPath => $"/{TenantId}/saml2";
    public SamlApplications Applications => tenant.App.Services.GetRequiredService<SamlApplications>();

    /// <summary>Creates a SAML app with one Identifier, one Reply URL and an active signing certificate, then applies <paramref name="configure"/>.</summary>
    public async Task<TestApp> CreateAppAsync(Func<SamlApplicationUpdate, SamlApplicationUpdate>? configure = null, object[]? appRoles = null,
        bool certificate = true)
    {
        var scope = tenant.NewScope().TrimEnd('-');
        var name = "ServiceNow " + scope;
        var created = (await tenant.Admin.PostAsync("/v1.0/servicePrincipals", appRoles is null
            ? new { appId = Guid.NewGuid(), displayName = name }
            : new { appId = Guid.NewGuid(), displayName = name, appRoles }))
            .ShouldBe(HttpStatusCode.Created).Body;
        var app = new TestApp(created.Id(), created.Id().Replace("-", ""), created.Text("appId")!, $"https://{scope}.service-now.example",
            $"https://{scope}.service-now.example/navpage.do", name);
        if (certificate) await tenant.AddCertificateAsync(app.Id);
        var update = new SamlApplicationUpdate
        {
            PreferredSingleSignOnMode = "saml",
            Identifiers = [app.EntityId],
            ReplyUrls = [new ReplyUrl(app.ReplyUrl, 0, true)],
        };
        await UpdateAsync(app, configure?.Invoke(update) ?? update);
        return app;
    }

    public async Task UpdateAsync(TestApp app, SamlApplicationUpdate update)
    {
        var (_, problem) = await Applications.UpdateAsync(app.SysId, update, "test", CancellationToken.None);
        Assert.Null(problem);
    }

    public async Task<TestUser> CreateUserAsync(string name, object? more = null)
    {
        var values = new Dictionary<string, object?>
        {
            ["accountEnabled"] = true,
            ["displayName"] = name,
            ["mailNickname"] = name.Replace(".", ""),
            ["userPrincipalName"] = RunningTenant.Upn(name),
            ["passwordProfile"] = new { password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
        };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
                values[property.Name] = property.Value;
        var user = (await tenant.Admin.PostAsync("/v1.0/users", values)).ShouldBe(HttpStatusCode.Created).Body;
        return new TestUser(user.Id(), user.Id().Replace("-", ""), user.Text("userPrincipalName")!);
    }

    public async Task<string> CreateGroupAsync(string name, bool securityEnabled = true) =>
        (await tenant.Admin.PostAsync("/v1.0/groups", new
        {
            displayName = name,
            mailEnabled = !securityEnabled,
            mailNickname = name.Replace(".", ""),
            securityEnabled,
        })).ShouldBe(HttpStatusCode.Created).Body.Id();

    public async Task AddMemberAsync(string groupId, string memberId) =>
        (await tenant.Admin.PostAsync($"/v1.0/groups/{groupId}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{memberId}" }))
        .ShouldBe(HttpStatusCode.NoContent);

    /// <summary>Assigns a user or group to the app, with an app role or the default access role.</summary>
    public async Task AssignAsync(TestApp app, string principalId, string? appRoleId = null) =>
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{app.Id}/appRoleAssignedTo", new
        {
            principalId,
            resourceId = app.Id,
            appRoleId = appRoleId ?? "00000000-0000-0000-0000-000000000000",
        })).ShouldBe(HttpStatusCode.Created);

    public Task MakeApplicationAdministratorAsync(TestUser user) =>
        tenant.App.Services.GetRequiredService<DirectoryRoles>()
            .AssignAsync(user.SysId, DirectoryRoles.Find("Application Administrator")!, "test", CancellationToken.None);

    /// <summary>A browser with no session.</summary>
    public IdpBrowser NewBrowser() => new(tenant);

    /// <summary>A browser signed in as the user, through the tenant's own session service.</summary>
    public async Task<IdpBrowser> SignedInBrowserAsync(TestUser user)
    {
        var browser = NewBrowser();
        await browser.SignInAsync(user);
        return browser;
    }

    /// <summary>An AuthnRequest in ServiceNow's shape, from the app.</summary>
    public AuthnRequest Request(TestApp app, string? acs = null, string? nameIdFormat = null, bool forceAuthn = false, string? issuer = null) => new()
    {
        Id = "SNC" + Guid.NewGuid().ToString("N"),
        IssueInstant = tenant.Clock.GetUtcNow(),
        Destination = tenant.BaseUrl + SsoPath,
        AssertionConsumerServiceUrl = acs ?? app.ReplyUrl,
        ProviderName = acs ?? app.ReplyUrl,
        Issuer = issuer ?? app.EntityId,
        ForceAuthn = forceAuthn,
        NameIdPolicy = nameIdFormat is null ? null : new NameIdPolicy { Format = nameIdFormat, AllowCreate = true },
    };

    /// <summary>The HTTP-Redirect URL (a path of the tenant) that sends the message.</summary>
    public string RedirectUrl(string xml, string? relayState = null) =>
        new HttpRedirectBinding().BuildUrl(SsoPath, SamlMessageKind.Request, xml, relayState);

    /// <summary>The app's signing certificates, read from its federation metadata as a service provider imports them.</summary>
    public async Task<IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2>> MetadataCertificatesAsync(TestApp app)
    {
        var xml = await tenant.Http.GetStringAsync(tenant.MetadataPath(app.AppId));
        return new MetadataReader(tenant.Clock).Read(xml).RequireIdentityProvider().SigningCertificates;
    }

    /// <summary>Validates a posted response as the app would: our validator, the app's metadata certificates, its Audience and Reply URL.</summary>
    public async Task<ValidationResult> ValidateAsync(TestApp app, PostedForm form, string? requestId = null, bool allowSha1 = false,
        string? audience = null)
    {
        var trust = new IdentityProviderTrust
        {
            RecordId = "entra",
            EntityId = Issuer,
            SigningCertificates = await MetadataCertificatesAsync(app),
            Audience = audience ?? app.EntityId,
            AssertionConsumerServiceUrls = [form.Action],
            AllowSha1 = allowSha1,
        };
        var tracker = new SentRequests(tenant.Clock);
        if (requestId is not null) tracker.Sent(new SentRequest(requestId, "entra", tenant.Clock.GetUtcNow().AddMinutes(10)));
        var validator = new ResponseValidator(new OneProvider(trust), new Replays(), tracker, tenant.Clock);
        return await validator.ValidateAsync(form.Fields["SAMLResponse"], form.Action);
    }

    /// <summary>The response XML a posted form carries.</summary>
    public static XmlDocument ResponseXml(PostedForm form) =>
        SafeXml.Load(Encoding.UTF8.GetString(Convert.FromBase64String(form.Fields["SAMLResponse"])));

    /// <summary>The user's sign-in log entries for the app, newest last.</summary>
    public async Task<IReadOnlyList<IdentityBridge.Storage.Records.RecordRow>> SignInLogAsync(string appId) =>
        (await tenant.App.Store.QueryAsync(new IdentityBridge.Storage.Records.RecordQuery
        {
            Table = DirectoryTables.SignInLog,
            Query = IdentityBridge.Storage.Queries.EncodedQuery.Where("app_id", appId),
            Limit = 100,
        })).Rows;

    private sealed class OneProvider(IdentityProviderTrust trust) : IIdentityProviderResolver
    {
        public ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
            ValueTask.FromResult(issuer == trust.EntityId ? trust : null);
    }

    private sealed class Replays : IReplayCache
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

        public ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_seen.TryAdd(key, expires));
    }

    private sealed class SentRequests(TimeProvider time) : IRequestTracker
    {
        private readonly ConcurrentDictionary<string, SentRequest> _sent = new(StringComparer.Ordinal);

        public void Sent(SentRequest request) => _sent[request.RequestId] = request;

        public ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_sent.TryRemove(requestId, out var request) && request.Expires > time.GetUtcNow() ? request : null);
    }
}

/// <summary>An auto-submitting form a page carries: where it posts and its fields, decoded.</summary>
public sealed record PostedForm(string Action, IReadOnlyDictionary<string, string> Fields);

/// <summary>A page as the browser received it.</summary>
public sealed record IdpPage(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Location => Headers.GetValueOrDefault("Location");

    public IdpPage ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Location} {Body}");
        return this;
    }

    /// <summary>Asserts Entra's error page with this AADSTS code, and answers its text.</summary>
    public string ShouldBeAadsts(int code, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        ShouldBe(status);
        Assert.Contains($"<strong>AADSTS{code}:</strong>", Body);
        Assert.StartsWith("text/html", Headers["Content-Type"]);
        return WebUtility.HtmlDecode(Body);
    }

    /// <summary>The first form of the page, which must post to an absolute URL.</summary>
    public PostedForm Form()
    {
        var action = Regex.Match(Body, "<form method=\"post\" action=\"([^\"]*)\"");
        Assert.True(action.Success, "The page has no posting form: " + Body);
        var fields = Regex.Matches(Body, "<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        return new PostedForm(WebUtility.HtmlDecode(action.Groups[1].Value), fields);
    }
}

/// <summary>
/// A browser of the tenant: cookies kept, redirects not followed (each test looks at them), the tenant's HTTPS
/// certificate pinned. A service provider's side of a redirect (the Reply or Logout URL) is read, never visited.
/// </summary>
public sealed class IdpBrowser : IDisposable
{
    private readonly HttpsTenant _tenant;
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();
    private readonly TenantCertificate _certificate;

    public IdpBrowser(HttpsTenant tenant)
    {
        _tenant = tenant;
        _certificate = TenantCertificate.LoadOrCreate(tenant.DataDirectory);
        _http = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = _cookies,
            UseCookies = true,
            ServerCertificateCustomValidationCallback = TokenWorld.Pin(_certificate.Certificate),
        })
        { BaseAddress = new Uri(tenant.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The session cookie the browser holds, or null.</summary>
    public string? SessionCookie => _cookies.GetCookies(new Uri(_tenant.BaseUrl))[TenantSessions.CookieName]?.Value;

    /// <summary>
    /// Signs the user in through the tenant's session service (what the sign-in page does once the password is
    /// right) and keeps the cookie it sets.
    /// </summary>
    public async Task<TenantSession> SignInAsync(TestUser user)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "https";
        var row = await _tenant.App.Store.GetAsync(DirectoryTables.User, user.SysId) ?? throw new InvalidOperationException("No user " + user.Upn);
        var session = await _tenant.App.Services.GetRequiredService<TenantSessions>().StartAsync(context, row, CancellationToken.None);
        var setCookie = context.Response.Headers.SetCookie.ToString();
        var pair = setCookie.Split(';')[0];
        Assert.StartsWith(TenantSessions.CookieName + "=", pair);
        _cookies.Add(new Uri(_tenant.BaseUrl), new Cookie(TenantSessions.CookieName, pair[(TenantSessions.CookieName.Length + 1)..], "/"));
        return session;
    }

    public Task<IdpPage> GetAsync(string pathAndQuery) => SendAsync(new HttpRequestMessage(HttpMethod.Get, pathAndQuery));

    public Task<IdpPage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) });

    /// <summary>Follows a redirect that stays on the tenant.</summary>
    public Task<IdpPage> FollowAsync(IdpPage redirect)
    {
        Assert.True(redirect.Status is HttpStatusCode.Found or HttpStatusCode.SeeOther, $"Expected a redirect, got {(int)redirect.Status}: {redirect.Body}");
        Assert.StartsWith("/", redirect.Location);
        return GetAsync(redirect.Location!);
    }

    /// <summary>Sends any request (another method, another content type) and reads the answer.</summary>
    public async Task<IdpPage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            using var response = await _http.SendAsync(request);
            var headers = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            return new IdpPage(response.StatusCode, headers, await response.Content.ReadAsStringAsync());
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _certificate.Dispose();
    }
}
