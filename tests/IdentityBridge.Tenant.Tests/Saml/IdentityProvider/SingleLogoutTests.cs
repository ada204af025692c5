using System.Text;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>Single logout started by an app at <c>/{tid}/saml2</c>.</summary>
public sealed class SingleLogoutTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private async Task<(TestApp App, IdpBrowser Browser, IdentityBridge.Saml.Validation.ValidatedAssertion Assertion)> SignedOnAsync(string name,
        bool logoutUrl = true)
    {
        var app = await _world.CreateAppAsync(u => logoutUrl ? u with { LogoutUrl = "https://" + new Uri(u.ReplyUrls![0].Uri).Host + "/logout_success.do" } : u);
        var user = await _world.CreateUserAsync(tenant.NewScope() + name);
        var browser = await _world.SignedInBrowserAsync(user);
        var form = (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).ShouldBe(HttpStatusCode.OK).Form();
        var result = await _world.ValidateAsync(app, form);
        Assert.True(result.IsValid);
        return (app, browser, result.Assertion!);
    }

    private LogoutRequest Request(TestApp app, string nameId, params string[] sessionIndexes) => new()
    {
        Id = "SNC" + Guid.NewGuid().ToString("N"),
        IssueInstant = tenant.Clock.GetUtcNow(),
        Destination = tenant.BaseUrl + _world.SsoPath,
        Issuer = app.EntityId,
        NameId = new NameIdentifier { Value = nameId, Format = SamlNames.NameIdEmail },
        SessionIndexes = sessionIndexes,
    };

    private async Task<(LogoutResponse Response, RedirectMessage Message)> ReadLogoutResponseAsync(TestApp app, IdpPage redirect)
    {
        redirect.ShouldBe(HttpStatusCode.Found);
        var location = new Uri(redirect.Location!);
        Assert.Equal("/logout_success.do", location.AbsolutePath);
        var binding = new HttpRedirectBinding();
        var decoded = binding.Decode(location.Query);
        Assert.True(decoded.Succeeded, decoded.Error?.Message);
        Assert.Equal(SamlMessageKind.Response, decoded.Value!.Kind);
        var verified = binding.VerifySignature(decoded.Value, await _world.MetadataCertificatesAsync(app), allowSha1: false);
        Assert.True(verified.Succeeded, verified.Error?.Message);
        return (LogoutResponse.Parse(Encoding.UTF8.GetString(decoded.Value.Xml)), decoded.Value);
    }

    [Fact]
    public async Task a_logout_request_ends_the_session_and_answers_a_signed_success_to_the_logout_url()
    {
        var (app, browser, assertion) = await SignedOnAsync("slo");
        using var _ = browser;
        var request = Request(app, assertion.NameId, assertion.SessionIndex!);

        var redirect = await browser.GetAsync(_world.RedirectUrl(request.ToXml(), "back-to-42"));

        var (response, message) = await ReadLogoutResponseAsync(app, redirect);
        Assert.True(response.Status.IsSuccess);
        Assert.Equal(request.Id, response.InResponseTo);
        Assert.Equal(_world.Issuer, response.Issuer);
        Assert.Equal("back-to-42", message.RelayState);
        Assert.Null(browser.SessionCookie);
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);
    }

    [Fact]
    public async Task a_logout_request_by_session_index_ends_that_session_even_without_the_cookie()
    {
        var (app, browser, assertion) = await SignedOnAsync("slo-index");
        using var _ = browser;
        using var other = _world.NewBrowser();

        var (response, _) = await ReadLogoutResponseAsync(app,
            await other.PostFormAsync(_world.SsoPath, new Dictionary<string, string>
            {
                ["SAMLRequest"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Request(app, assertion.NameId, assertion.SessionIndex!).ToXml())),
            }));

        Assert.True(response.Status.IsSuccess);
        // The cookie is still in the first browser, but its session has ended.
        Assert.NotNull(browser.SessionCookie);
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);
    }

    [Fact]
    public async Task a_logout_request_for_another_name_id_is_answered_requester_and_the_session_lives_on()
    {
        var (app, browser, _) = await SignedOnAsync("slo-wrong");
        using var __ = browser;

        var (response, _) = await ReadLogoutResponseAsync(app,
            await browser.GetAsync(_world.RedirectUrl(Request(app, "someone.else@contoso.example").ToXml())));

        Assert.Equal(SamlNames.StatusRequester, response.Status.Code);
        Assert.NotNull(response.Status.Message);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);
    }

    [Fact]
    public async Task without_a_logout_url_the_browser_sees_the_signed_out_page()
    {
        var (app, browser, assertion) = await SignedOnAsync("slo-page", logoutUrl: false);
        using var _ = browser;

        var page = (await browser.GetAsync(_world.RedirectUrl(Request(app, assertion.NameId).ToXml()))).ShouldBe(HttpStatusCode.OK);

        Assert.Contains("You signed out of your account", page.Body);
        Assert.Null(browser.SessionCookie);
    }

    [Fact]
    public async Task a_logout_request_from_an_unknown_issuer_is_refused_with_aadsts700016()
    {
        var (app, browser, assertion) = await SignedOnAsync("slo-unknown");
        using var _ = browser;

        (await browser.GetAsync(_world.RedirectUrl((Request(app, assertion.NameId) with { Issuer = "https://nobody.example" }).ToXml())))
            .ShouldBeAadsts(700016);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);
    }
}
