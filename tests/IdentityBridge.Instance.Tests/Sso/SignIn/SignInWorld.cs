using IdentityBridge.Instance.Sso;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Testing.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Setting up SAML sign-in on an instance the way an administrator does it (docs/sso.md): Multi-Provider SSO on, the
/// tenant's certificate in sys_certificate, a saml2_update1_properties record, users in sys_user.
/// </summary>
public static class SignInWorld
{
    public const string MultiSsoEnabled = "glide.authenticate.multisso.enabled";
    public const string AutoProvision = "glide.authenticate.multisso.user.autoprovision";
    public const string TestConnectionMandatory = "glide.authenticate.multisso.test.connection.mandatory";
    public const string SessionCookie = "JSESSIONID";

    public static TestIdentityProvider NewIdentityProvider(this RunningInstance instance) => new(instance.Clock);

    /// <summary>
    /// Registers the tenant as an identity provider record (user_field email, its sign-on and logout URLs, its
    /// certificate) with <paramref name="settings"/> on top, active unless asked otherwise; answers the sys_id.
    /// </summary>
    public static async Task<string> RegisterAsync(this RunningInstance instance, TestIdentityProvider idp, object? settings = null,
        bool active = true)
    {
        await instance.SetPropertyAsync(MultiSsoEnabled, "true");
        var scope = instance.NewScope();
        var certificate = await instance.CreateCertificateAsync(scope + "Entra signing", idp.Certificate);
        var values = new Dictionary<string, object?>
        {
            ["name"] = $"{scope}Entra {idp.TenantId[..8]}",
            ["idp"] = idp.EntityId,
            ["idp_authnrequest_url"] = idp.SignOnUrl,
            ["idp_logout_url"] = idp.LogoutUrl,
            ["x509_cert"] = certificate,
            ["user_field"] = "email",
        };
        Merge(values, settings);
        var record = (await instance.CreateAsync("saml2_update1_properties", values)).SysId();
        if (active) await instance.ActivateAsync(record);
        return record;
    }

    /// <summary>
    /// Activates a record the way SsoWorld does, after a passed test recorded directly: Test Connection itself is
    /// what <see cref="TestConnectionTests"/> drive.
    /// </summary>
    public static async Task ActivateAsync(this RunningInstance instance, string recordId)
    {
        await instance.Services.GetRequiredService<IdentityProviderDirectory>().RecordTestResultAsync(recordId, true, default);
        (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{recordId}", new { active = "true" }))
            .ShouldBe(HttpStatusCode.OK);
    }

    public static async Task UpdateRecordAsync(this RunningInstance instance, string recordId, object values) =>
        (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{recordId}", values)).ShouldBe(HttpStatusCode.OK);

    public static async Task<JsonElement> RecordAsync(this RunningInstance instance, string recordId) =>
        (await instance.Admin.GetAsync($"/api/now/table/saml2_update1_properties/{recordId}")).ShouldBe(HttpStatusCode.OK).Result;

    /// <summary>The tenant's user as a sys_user (user_name and email the UPN, first and last name), plus <paramref name="more"/>.</summary>
    public static Task<TestUser> CreateUserAsync(this RunningInstance instance, EntraUser user, object? more = null)
    {
        var values = new Dictionary<string, object?>
        {
            ["email"] = user.Email,
            ["first_name"] = user.GivenName,
            ["last_name"] = user.Surname,
        };
        Merge(values, more);
        return instance.CreateUserAsync(user.Upn, values);
    }

    /// <summary>The sys_user rows with this email, read through the Table API as admin.</summary>
    public static async Task<IReadOnlyList<JsonElement>> UsersWithEmailAsync(this RunningInstance instance, string email) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Uri.EscapeDataString("email=" + email)}"))
        .ShouldBe(HttpStatusCode.OK).Rows;

    public static async Task<JsonElement> UserAsync(this RunningInstance instance, string sysId) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_user/{sysId}")).ShouldBe(HttpStatusCode.OK).Result;

    private static void Merge(Dictionary<string, object?> values, object? more)
    {
        if (more is null) return;
        foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject()) values[property.Name] = property.Value;
    }
}

/// <summary>The steps of a sign-in as the browser and the identity provider take them.</summary>
public static class SignInSteps
{
    /// <summary>Posts a SAMLResponse as the identity provider's self-submitting form does: a cross-site form post.</summary>
    public static Task<BrowserPage> PostResponseAsync(this SsoBrowser browser, string samlResponse, string? relayState = null,
        string acsPath = "/navpage.do")
    {
        var fields = new Dictionary<string, string> { ["SAMLResponse"] = samlResponse };
        if (relayState is not null) fields["RelayState"] = relayState;
        return browser.PostFormAsync(acsPath, fields, from: TestIdentityProvider.Origin);
    }

    /// <summary>Opens login_with_sso.do and answers the AuthnRequest the identity provider received.</summary>
    public static async Task<Received<AuthnRequest>> StartSignInAsync(this SsoBrowser browser, TestIdentityProvider idp, string recordId,
        string? goTo = null)
    {
        var page = await browser.GetAsync($"/login_with_sso.do?glide_sso_id={recordId}" +
                                          (goTo is null ? "" : "&sysparm_goto_url=" + Uri.EscapeDataString(goTo)));
        Assert.True(page.Status == HttpStatusCode.Found, $"Expected a redirect to the identity provider, got {(int)page.Status}: {page.Body}");
        return idp.ReadAuthnRequest(page.Location);
    }

    /// <summary>A whole SP-initiated sign-in: login_with_sso.do, the identity provider's answer, the post to the ACS.</summary>
    public static async Task<(BrowserPage Landing, ResponseDescription Response)> SignInAsync(this SsoBrowser browser, TestIdentityProvider idp,
        string recordId, EntraUser user, string? goTo = null)
    {
        var request = await browser.StartSignInAsync(idp, recordId, goTo);
        var response = idp.Answer(request, user, browser.InstanceBase());
        return (await browser.PostResponseAsync(idp.Sign(response), request.RelayState), response);
    }

    /// <summary>A sign-in started at the identity provider (a My Apps tile): an unsolicited response.</summary>
    public static async Task<(BrowserPage Landing, ResponseDescription Response)> SignInUnsolicitedAsync(this SsoBrowser browser,
        TestIdentityProvider idp, EntraUser user, string? relayState = null)
    {
        var response = idp.Describe(user, browser.InstanceBase());
        return (await browser.PostResponseAsync(idp.Sign(response), relayState), response);
    }

    /// <summary>The instance's SP metadata for a record, read as an identity provider imports it.</summary>
    public static async Task<EntityMetadata> ServiceProviderMetadataAsync(this SsoBrowser browser, string recordId)
    {
        var page = (await browser.GetAsync($"/saml_metadata.do?glide_sso_id={recordId}")).ShouldBe(HttpStatusCode.OK);
        return new MetadataReader().Read(page.Body);
    }

    public static string InstanceBase(this SsoBrowser browser) => browser.Instance.GetLeftPart(UriPartial.Authority);

    /// <summary>A successful sign-in: a redirect to <paramref name="path"/> on the instance, with a session cookie.</summary>
    public static BrowserPage ShouldLandOn(this BrowserPage page, SsoBrowser browser, string path)
    {
        Assert.True(page.Status == HttpStatusCode.Found, $"Expected a redirect to {path} after signing in, got {(int)page.Status}: {page.Body}");
        Assert.Equal(path, browser.LocalTarget(page.Location));
        Assert.NotNull(page.SetCookie(SignInWorld.SessionCookie));
        return page;
    }

    /// <summary>A refused sign-in: 401, and no session cookie.</summary>
    public static BrowserPage ShouldBeRefused(this BrowserPage page)
    {
        Assert.True(page.Status == HttpStatusCode.Unauthorized, $"Expected the sign-in to be refused with 401, got {(int)page.Status} " +
                                                                $"(Location: {page.Location}): {page.Body}");
        Assert.Null(page.SetCookie(SignInWorld.SessionCookie));
        return page;
    }

    /// <summary>The home page names the signed-in user (display name and user name).</summary>
    public static async Task ShouldBeSignedInAsync(this SsoBrowser browser, EntraUser user)
    {
        var home = await browser.GetAsync("/navpage.do");
        Assert.True(home.Status == HttpStatusCode.OK, $"Expected the home page of a signed-in user, got {(int)home.Status} (Location: {home.Location})");
        Assert.Contains(System.Net.WebUtility.HtmlEncode(user.DisplayName), home.Body);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(user.Upn), home.Body);
    }

    /// <summary>The home page sends the browser to the login page: it has no session.</summary>
    public static async Task ShouldBeSignedOutAsync(this SsoBrowser browser)
    {
        var home = await browser.GetAsync("/navpage.do");
        Assert.True(home.Status == HttpStatusCode.Found, $"Expected a redirect to the login page, got {(int)home.Status}: {home.Body}");
        Assert.StartsWith("/login.do", browser.LocalTarget(home.Location));
    }
}

/// <summary>The SAML2 syslog rows written since the watch started (docs/sso.md: every refusal writes one).</summary>
public sealed class SyslogWatch
{
    private readonly RunningInstance _instance;
    private readonly HashSet<string> _before;

    private SyslogWatch(RunningInstance instance, HashSet<string> before) => (_instance, _before) = (instance, before);

    public static async Task<SyslogWatch> StartAsync(RunningInstance instance) =>
        new(instance, (await instance.SyslogAsync("source=SAML2")).Select(r => r.SysId()).ToHashSet(StringComparer.Ordinal));

    public async Task<IReadOnlyList<string>> NewMessagesAsync() =>
        (await _instance.SyslogAsync("source=SAML2")).Where(r => !_before.Contains(r.SysId())).Select(r => r.Text("message") ?? "").ToList();

    /// <summary>Asserts a new SAML2 row mentions one of <paramref name="anyOf"/> (ignoring case) and answers it.</summary>
    public async Task<string> ShouldHaveLoggedAsync(params string[] anyOf)
    {
        var messages = await NewMessagesAsync();
        var match = messages.FirstOrDefault(m => anyOf.Any(text => m.Contains(text, StringComparison.OrdinalIgnoreCase)));
        Assert.True(match is not null,
            $"Expected a new SAML2 syslog row mentioning {string.Join(" or ", anyOf.Select(a => $"'{a}'"))}; new rows: " +
            (messages.Count == 0 ? "none" : string.Join(" | ", messages)));
        return match!;
    }
}
