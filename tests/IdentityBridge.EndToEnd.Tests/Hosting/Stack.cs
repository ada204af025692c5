using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.EndToEnd.Tests.Hosting;

/// <summary>A tenant user a test created, with the password they sign in with.</summary>
public sealed record TenantUser(string Id, string UserPrincipalName, string Password, string DisplayName, string GivenName, string Surname);

/// <summary>An enterprise app (service principal) of the tenant, set up for SAML sign-in to <see cref="Instance"/>.</summary>
public sealed record EnterpriseApp(string Id, string AppId, string DisplayName, StackInstance Instance)
{
    /// <summary>The sys_id of the service principal row, which the tenant's own services take.</summary>
    public string SysId => GraphIds.TryToSysId(Id, out var sysId) ? sysId : throw new InvalidOperationException($"'{Id}' is not a Graph id.");

    /// <summary>The app's Identifier (Entity ID): the instance's entity id, its URL.</summary>
    public string Identifier => Instance.Url;
}

/// <summary>
/// The whole product on this machine, as a browser meets it: a real tenant over HTTPS (its own self-signed
/// certificate) and real instances over HTTP, all on 127.0.0.1 with free ports, on SQLite files of their own and on
/// the real clock (browsers stamp and check real time). Set-up goes through the products' own APIs as an
/// administrator does (Graph for the tenant, the Table API for an instance).
/// <para>
/// One tenant serves the whole run; users get unique names. An instance finds its identity provider record by the
/// Issuer, which is the same for every app of a tenant, and a tenant's app Identifiers are unique: so each SSO test
/// starts an instance of its own (<see cref="StartInstanceAsync"/>, quick on SQLite) for its app, as each real
/// ServiceNow instance has one Entra app. <see cref="Instance"/> is a shared one for tests without SSO.
/// </para>
/// </summary>
public sealed class Stack : IAsyncLifetime
{
    public const string TenantDomain = "contoso.onmicrosoft.com";

    private readonly StackGraphTokens _graphTokens = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "idbridge-e2e", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentBag<StackInstance> _instances = [];
    private TenantCertificate? _tenantHttps;
    private TenantApp? _tenant;
    private StackInstance? _instance;
    private HttpClient? _tenantHttp;
    private int _scopes;
    private int _users;

    public TenantApp Tenant => _tenant ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>The instance shared by tests that need no identity provider record of their own.</summary>
    public StackInstance Instance => _instance ?? throw new InvalidOperationException("The stack has not started.");

    /// <summary>The tenant's base URL, such as <c>https://127.0.0.1:41234</c>.</summary>
    public string TenantUrl { get; private set; } = "";

    public string TenantId => Tenant.TenantId;

    /// <summary>The SAML issuer of the tenant (Entra's form, whatever host serves it).</summary>
    public string TenantIssuer => $"https://sts.windows.net/{TenantId}/";

    /// <summary>The tenant's SAML endpoint (sign-on and logout, both bindings).</summary>
    public string TenantSamlUrl => $"{TenantUrl}/{TenantId}/saml2";

    /// <summary>The tenant's My Apps portal.</summary>
    public string MyAppsUrl => $"{TenantUrl}/myapps";

    /// <summary>The certificate the tenant serves HTTPS with (self-signed: browser contexts ignore HTTPS errors).</summary>
    public X509Certificate2 TenantHttpsCertificate => (_tenantHttps ?? throw new InvalidOperationException("The stack has not started.")).Certificate;

    public async Task InitializeAsync()
    {
        var tenantData = Path.Combine(_root, "tenant");
        _tenantHttps = TenantCertificate.LoadOrCreate(tenantData);
        _tenant = await TenantApp.StartAsync(new TenantOptions
        {
            Urls = "https://127.0.0.1:0",
            Certificate = _tenantHttps.Certificate,
            DataDirectory = tenantData,
            DefaultDomain = TenantDomain,
            OrganizationName = "Contoso",
            PasswordIterations = TestStores.PasswordIterations,
            TokenValidator = _graphTokens,
        }, logging => { });
        _graphTokens.TenantId = _tenant.TenantId;
        TenantUrl = _tenant.Addresses.Single().TrimEnd('/');
        var pinned = _tenantHttps.Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        _tenantHttp = new HttpClient(new HttpClientHandler
        {
            // Only the tenant's own certificate is accepted: it is self-signed, and nothing else should answer.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == pinned,
        }) { BaseAddress = new Uri(TenantUrl), Timeout = TimeSpan.FromSeconds(60) };
        _instance = await StartInstanceAsync();
    }

    public async Task DisposeAsync()
    {
        _tenantHttp?.Dispose();
        foreach (var instance in _instances) await instance.DisposeAsync();
        if (_tenant is not null) await _tenant.DisposeAsync();
        _tenantHttps?.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A prefix no other test uses, for the names of what one test creates (<c>s7-</c>).</summary>
    public string NewScope() => $"s{Interlocked.Increment(ref _scopes)}-";

    /// <summary>Starts another instance, stopped with the stack: one per app a test signs in to.</summary>
    public async Task<StackInstance> StartInstanceAsync()
    {
        var instance = await StackInstance.StartAsync(Path.Combine(_root, "instance-" + Guid.NewGuid().ToString("N")));
        _instances.Add(instance);
        return instance;
    }

    // ---- tenant ---------------------------------------------------------------------------------------------

    /// <summary>The federation metadata URL of the tenant, or of one app (its signing certificate) with <paramref name="appId"/>.</summary>
    public string FederationMetadataUrl(string? appId = null) =>
        $"{TenantUrl}/{TenantId}/federationmetadata/2007-06/federationmetadata.xml" + (appId is null ? "" : "?appid=" + appId);

    /// <summary>
    /// Creates an enabled tenant user through Graph with a password. <paramref name="givenName"/> and
    /// <paramref name="surname"/> make the display name; the UPN (also the mail, which an instance matches on its
    /// email field) is <c>given.surname</c> with a number no other user of the stack has, such as
    /// <c>adele.vance3@contoso.onmicrosoft.com</c>. <paramref name="more"/> adds or overrides Graph user properties.
    /// </summary>
    public async Task<TenantUser> CreateTenantUserAsync(string givenName = "Adele", string surname = "Vance", object? more = null)
    {
        var nickname = $"{givenName}.{surname}{Interlocked.Increment(ref _users)}".ToLowerInvariant().Replace(' ', '.');
        var upn = $"{nickname}@{TenantDomain}";
        var password = "Pw-" + Guid.NewGuid().ToString("N")[..12] + "!a1";
        var values = new Dictionary<string, object?>
        {
            ["accountEnabled"] = true,
            ["displayName"] = $"{givenName} {surname}",
            ["givenName"] = givenName,
            ["surname"] = surname,
            ["mailNickname"] = nickname.Replace(".", "", StringComparison.Ordinal),
            ["userPrincipalName"] = upn,
            ["mail"] = upn,
            ["passwordProfile"] = new { password, forceChangePasswordNextSignIn = false },
        };
        JsonCalls.Merge(values, more);
        var created = await GraphAsync(HttpMethod.Post, "/v1.0/users", values, HttpStatusCode.Created);
        return new TenantUser(created.GetProperty("id").GetString()!, upn, password, $"{givenName} {surname}", givenName, surname);
    }

    /// <summary>
    /// Creates an enterprise app through Graph with a token-signing certificate, and sets it up for SAML sign-in to
    /// <paramref name="instance"/> as an admin does on the Single sign-on blade: the instance's URL as Identifier,
    /// its navpage.do as the default Reply URL and consumer.do as the second, then <paramref name="settings"/>.
    /// </summary>
    public async Task<EnterpriseApp> CreateEnterpriseAppAsync(string displayName, StackInstance instance, SamlApplicationUpdate? settings = null)
    {
        var created = await GraphAsync(HttpMethod.Post, "/v1.0/servicePrincipals",
            new { appId = Guid.NewGuid().ToString("D"), displayName }, HttpStatusCode.Created);
        var app = new EnterpriseApp(created.GetProperty("id").GetString()!, created.GetProperty("appId").GetString()!, displayName, instance);
        await GraphAsync(HttpMethod.Post, $"/v1.0/servicePrincipals/{app.Id}/addTokenSigningCertificate",
            new { displayName = TokenSigningCertificates.DefaultDisplayName }, HttpStatusCode.OK);
        await ConfigureSamlAsync(app, new SamlApplicationUpdate
        {
            PreferredSingleSignOnMode = "saml",
            Identifiers = [app.Identifier],
            ReplyUrls = [new ReplyUrl(instance.NavpageUrl, 0, true), new ReplyUrl(instance.Url + "/consumer.do", 1, false)],
        });
        if (settings is not null) await ConfigureSamlAsync(app, settings);
        return app;
    }

    /// <summary>Changes an app's SAML settings with Entra's validation; fails with the problem Entra would show.</summary>
    public async Task ConfigureSamlAsync(EnterpriseApp app, SamlApplicationUpdate update)
    {
        var (_, problem) = await Tenant.Services.GetRequiredService<SamlApplications>().UpdateAsync(app.SysId, update, "e2e-admin", default);
        if (problem is not null)
            throw new InvalidOperationException($"The tenant refused the SAML settings of {app.DisplayName}: {problem.Property}: {problem.Message}");
    }

    /// <summary>Assigns a user to an app (the default access role), as "Users and groups" → Add assignment does.</summary>
    public Task AssignAsync(EnterpriseApp app, TenantUser user) =>
        GraphAsync(HttpMethod.Post, $"/v1.0/servicePrincipals/{app.Id}/appRoleAssignedTo",
            new { principalId = user.Id, resourceId = app.Id, appRoleId = Guid.Empty.ToString("D") }, HttpStatusCode.Created);

    /// <summary>The app's active SAML signing certificate (public part), as its Certificate (Base64) download gives it.</summary>
    public async Task<X509Certificate2> SigningCertificateAsync(EnterpriseApp app)
    {
        var certificates = await Tenant.Services.GetRequiredService<TokenSigningCertificates>().ListAsync(app.SysId, default);
        return certificates.FirstOrDefault(c => c.Active)?.Certificate
               ?? throw new InvalidOperationException($"{app.DisplayName} has no active signing certificate.");
    }

    /// <summary>A GET on the tenant over its pinned HTTPS (metadata, certificates), answering the body of a 200.</summary>
    public async Task<string> TenantGetStringAsync(string url)
    {
        using var response = await _tenantHttp!.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>The app's current signer with its private key, as the tenant signs the app's SAML responses with it.</summary>
    public async Task<X509Certificate2> SigningKeyAsync(EnterpriseApp app)
    {
        var certificates = Tenant.Services.GetRequiredService<TokenSigningCertificates>();
        var (signer, problem) = await certificates.LoadSignerAsync(certificates.Signer(await certificates.ListAsync(app.SysId, default)), default);
        return signer ?? throw new InvalidOperationException($"{app.DisplayName} has no signing key: {problem ?? "no certificate"}");
    }

    /// <summary>
    /// Adds a token-signing certificate to the app through Graph (addTokenSigningCertificate), as the admin's "New
    /// Certificate" does: inactive while another one is active. Answers its public part.
    /// </summary>
    public async Task<X509Certificate2> AddSigningCertificateAsync(EnterpriseApp app)
    {
        var created = await GraphAsync(HttpMethod.Post, $"/v1.0/servicePrincipals/{app.Id}/addTokenSigningCertificate",
            new { displayName = TokenSigningCertificates.DefaultDisplayName }, HttpStatusCode.OK);
        return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(created.GetProperty("key").GetString()!));
    }

    /// <summary>Makes the certificate the app's active one ("Make certificate active"): Graph PATCH of preferredTokenSigningKeyThumbprint.</summary>
    public Task ActivateSigningCertificateAsync(EnterpriseApp app, X509Certificate2 certificate) =>
        GraphAsync(HttpMethod.Patch, $"/v1.0/servicePrincipals/{app.Id}",
            new { preferredTokenSigningKeyThumbprint = certificate.Thumbprint }, HttpStatusCode.NoContent);

    /// <summary>A handler that speaks only to the tenant's own HTTPS certificate, for clients of a test's own (with cookies, say).</summary>
    public HttpClientHandler PinnedTenantHandler()
    {
        var pinned = TenantHttpsCertificate.GetCertHashString(HashAlgorithmName.SHA256);
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == pinned,
        };
    }

    /// <summary>A Graph call as the tenant's admin; answers the body.</summary>
    public Task<JsonElement> GraphAsync(HttpMethod method, string path, object? body, HttpStatusCode expected) =>
        JsonCalls.SendAsync(_tenantHttp!, method, path, body, new AuthenticationHeaderValue("Bearer", _graphTokens.AdminToken), expected);

    // ---- tenant on an instance ------------------------------------------------------------------------------

    /// <summary>
    /// Registers the tenant on the app's instance as docs/sso.md has the admin do it: Multi-Provider SSO on, the
    /// app's signing certificate in sys_certificate, a saml2_update1_properties record (Entra's issuer, the tenant's
    /// SAML endpoint for sign-on and logout, users matched on email, the app's Identifier as the instance's entity
    /// id) with <paramref name="settings"/> on top, then Test Connection recorded as passed and the record active
    /// unless <paramref name="active"/> is false. Answers the record's sys_id.
    /// </summary>
    public async Task<string> CreateInstanceIdentityProviderAsync(EnterpriseApp app, object? settings = null, bool active = true)
    {
        var instance = app.Instance;
        await instance.SetPropertyAsync("glide.authenticate.multisso.enabled", "true");
        var signing = await SigningCertificateAsync(app);
        var certificate = await instance.TableAsync(HttpMethod.Post, "sys_certificate",
            new { name = $"{app.DisplayName} signing", pem_certificate = signing.ExportCertificatePem() }, HttpStatusCode.Created);
        var values = new Dictionary<string, object?>
        {
            ["name"] = $"{app.DisplayName} (Entra)",
            ["idp"] = TenantIssuer,
            ["idp_authnrequest_url"] = TenantSamlUrl,
            ["idp_logout_url"] = TenantSamlUrl,
            ["x509_cert"] = certificate.GetProperty("sys_id").GetString(),
            ["user_field"] = "email",
            ["issuer"] = app.Identifier,
        };
        JsonCalls.Merge(values, settings);
        var record = (await instance.TableAsync(HttpMethod.Post, "saml2_update1_properties", values, HttpStatusCode.Created))
            .GetProperty("sys_id").GetString()!;
        if (active)
        {
            // Test Connection is a browser round trip of its own; here its passing is recorded directly.
            await instance.App.Services.GetRequiredService<IdentityProviderDirectory>().RecordTestResultAsync(record, true, default);
            await instance.TableAsync(HttpMethod.Patch, $"saml2_update1_properties/{record}", new { active = "true" }, HttpStatusCode.OK);
        }
        return record;
    }

    /// <summary>
    /// Puts the tenant's HTTPS certificate in the instance's trust store (an active sys_certificate of type
    /// trust_store), as an admin must before the instance fetches anything from a server with a self-signed
    /// certificate. Answers the row's sys_id.
    /// </summary>
    public async Task<string> TrustTenantHttpsAsync(StackInstance instance) =>
        (await instance.TableAsync(HttpMethod.Post, "sys_certificate", new
        {
            name = "IdentityBridge tenant HTTPS",
            type = "trust_store",
            active = "true",
            pem_certificate = TenantHttpsCertificate.ExportCertificatePem(),
        }, HttpStatusCode.Created)).GetProperty("sys_id").GetString()!;

    /// <summary>
    /// Registers the tenant on the app's instance from the app's federation metadata URL, as docs/sso.md has the admin
    /// do it with "Import Identity Provider Metadata": a saml2_update1_properties record with only the Metadata URL,
    /// users matched on email and the app's Identifier as the instance's entity id; the import fills the rest. Then
    /// Test Connection is recorded as passed and the record made active. Fails with the Table API's answer when the
    /// import is refused (the tenant's HTTPS certificate must be trusted first: <see cref="TrustTenantHttpsAsync"/>).
    /// <paramref name="settings"/> go on top. Answers the record's sys_id.
    /// </summary>
    public async Task<string> ImportInstanceIdentityProviderAsync(EnterpriseApp app, object? settings = null)
    {
        var instance = app.Instance;
        await instance.SetPropertyAsync("glide.authenticate.multisso.enabled", "true");
        var values = new Dictionary<string, object?>
        {
            ["name"] = $"{app.DisplayName} (Entra)",
            ["idp_metadata_url"] = FederationMetadataUrl(app.AppId),
            ["user_field"] = "email",
            ["issuer"] = app.Identifier,
        };
        JsonCalls.Merge(values, settings);
        var record = (await instance.TableAsync(HttpMethod.Post, "saml2_update1_properties", values, HttpStatusCode.Created))
            .GetProperty("sys_id").GetString()!;
        // Test Connection is a browser round trip of its own; here its passing is recorded directly.
        await instance.App.Services.GetRequiredService<IdentityProviderDirectory>().RecordTestResultAsync(record, true, default);
        await instance.TableAsync(HttpMethod.Patch, $"saml2_update1_properties/{record}", new { active = "true" }, HttpStatusCode.OK);
        return record;
    }
}
