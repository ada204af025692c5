using System.Globalization;
using System.Text;
using System.Xml;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

public sealed class SpInitiatedSignOnTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private static string Attr(XmlElement element, string name) => element.GetAttribute(name);

    private static XmlElement Child(XmlElement parent, string name) =>
        parent.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == name);

    [Fact]
    public async Task a_signed_in_user_gets_an_entra_shaped_signed_response_posted_to_the_reply_url()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "ann", new { givenName = "Ann", surname = "Lee", mail = "ann.lee@contoso.example" });
        using var browser = await _world.SignedInBrowserAsync(user);
        var request = _world.Request(app);
        var relayState = "https://" + new Uri(app.ReplyUrl).Host + "/nav_to.do?uri=%2Fincident.do";

        var page = (await browser.GetAsync(_world.RedirectUrl(request.ToXml(), relayState))).ShouldBe(HttpStatusCode.OK);

        var form = page.Form();
        Assert.Equal(app.ReplyUrl, form.Action);
        Assert.Equal(relayState, form.Fields["RelayState"]);
        Assert.Contains("no-store", page.Headers["Cache-Control"]);
        var csp = page.Headers["Content-Security-Policy"];
        Assert.Contains("form-action " + new Uri(app.ReplyUrl).GetLeftPart(UriPartial.Authority), csp);
        Assert.Contains("script-src 'nonce-", csp);

        var result = await _world.ValidateAsync(app, form, request.Id);
        Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => $"{p.Code}: {p.Message}")));
        var assertion = result.Assertion!;
        Assert.Equal(request.Id, assertion.InResponseTo);
        Assert.Equal(user.Upn, assertion.NameId);
        Assert.Equal(SamlNames.NameIdEmail, assertion.NameIdFormat);
        Assert.Equal(SamlNames.PasswordContext, assertion.AuthnContextClassRef);
        Assert.Equal(assertion.AssertionId, assertion.SessionIndex);
        Assert.Equal(tenant.Clock.GetUtcNow().ToUnixTimeSeconds(), assertion.AuthnInstant!.Value.ToUnixTimeSeconds());

        var xml = IdentityProviderWorld.ResponseXml(form).DocumentElement!;
        Assert.Equal("samlp", xml.Prefix);
        Assert.Equal(app.ReplyUrl, Attr(xml, "Destination"));
        Assert.Equal(request.Id, Attr(xml, "InResponseTo"));
        Assert.DoesNotContain(xml.ChildNodes.OfType<XmlElement>(), e => e.LocalName == "Signature");
        var issued = Child(xml, "Assertion");
        Assert.Equal("", issued.Prefix);
        Assert.Equal(SamlNames.Assertion, issued.NamespaceURI);
        var children = issued.ChildNodes.OfType<XmlElement>().Select(e => e.LocalName).ToList();
        Assert.Equal(["Issuer", "Signature", "Subject", "Conditions", "AttributeStatement", "AuthnStatement"], children);
        var signature = Child(issued, "Signature");
        Assert.Equal("", signature.Prefix);
        Assert.Equal(SamlNames.DSig, signature.NamespaceURI);
        Assert.Contains(SamlNames.RsaSha256, signature.OuterXml);
        Assert.Equal(_world.Issuer, Child(issued, "Issuer").InnerText);

        var issueInstant = DateTimeOffset.Parse(Attr(issued, "IssueInstant"), CultureInfo.InvariantCulture);
        var conditions = Child(issued, "Conditions");
        Assert.Equal(issueInstant.AddMinutes(-5), DateTimeOffset.Parse(Attr(conditions, "NotBefore"), CultureInfo.InvariantCulture));
        Assert.Equal(issueInstant.AddMinutes(60), DateTimeOffset.Parse(Attr(conditions, "NotOnOrAfter"), CultureInfo.InvariantCulture));
        Assert.Equal(app.EntityId, Child(Child(conditions, "AudienceRestriction"), "Audience").InnerText);
        var data = Child(Child(Child(issued, "Subject"), "SubjectConfirmation"), "SubjectConfirmationData");
        Assert.Equal(app.ReplyUrl, Attr(data, "Recipient"));
        Assert.Equal(request.Id, Attr(data, "InResponseTo"));

        var attributes = Child(issued, "AttributeStatement").ChildNodes.OfType<XmlElement>().ToList();
        Assert.All(attributes, a => Assert.False(a.HasAttribute("NameFormat")));
        Assert.Equal(
        [
            (SamlClaimTypes.TenantId, _world.TenantId),
            (SamlClaimTypes.ObjectId, user.Id),
            (SamlClaimTypes.DisplayName, user.Upn.Split('@')[0]),
            (SamlClaimTypes.IdentityProvider, _world.Issuer),
            (SamlClaimTypes.AuthnMethodsReferences, SamlClaimTypes.PasswordMethod),
            (SamlClaimTypes.GivenName, "Ann"),
            (SamlClaimTypes.Surname, "Lee"),
            (SamlClaimTypes.EmailAddress, "ann.lee@contoso.example"),
            (SamlClaimTypes.Name, user.Upn),
        ], attributes.Select(a => (Attr(a, "Name"), a.InnerText)).ToList());

        var logged = Assert.Single(await _world.SignInLogAsync(app.AppId));
        Assert.Equal("0", logged["error_code"]);
        Assert.Equal(user.SysId, logged["user_id"]);
    }

    [Fact]
    public async Task a_request_without_a_session_waits_for_sign_in_and_then_gets_its_response_once()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "ben");
        using var browser = _world.NewBrowser();
        var request = _world.Request(app);

        var redirect = (await browser.PostFormAsync(_world.SsoPath, new Dictionary<string, string>
        {
            ["SAMLRequest"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(request.ToXml())),
            ["RelayState"] = "state-42",
        })).ShouldBe(HttpStatusCode.Found);
        var prefix = $"/{_world.TenantId}/login?continue=";
        Assert.StartsWith(prefix, redirect.Location);
        var continuePath = Uri.UnescapeDataString(redirect.Location![prefix.Length..]);
        Assert.Matches($"^/{_world.TenantId}/saml2/continue/[0-9a-f]{{32}}$", continuePath);

        // Before signing in, the continue page sends the browser back to the sign-in page and keeps the request.
        Assert.Equal(redirect.Location, (await browser.GetAsync(continuePath)).ShouldBe(HttpStatusCode.Found).Location);

        await browser.SignInAsync(user);
        var page = (await browser.GetAsync(continuePath)).ShouldBe(HttpStatusCode.OK);
        var form = page.Form();
        Assert.Equal("state-42", form.Fields["RelayState"]);
        var result = await _world.ValidateAsync(app, form, request.Id);
        Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => p.Message)));
        Assert.Equal(user.Upn, result.Assertion!.NameId);

        var again = (await browser.GetAsync(continuePath)).ShouldBeAadsts(50000);
        Assert.Contains("expired", again);
    }

    [Fact]
    public async Task a_pending_request_expires_after_ten_minutes()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "late");
        using var browser = _world.NewBrowser();
        var redirect = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml()))).ShouldBe(HttpStatusCode.Found);
        var continuePath = Uri.UnescapeDataString(redirect.Location![(redirect.Location!.IndexOf('=') + 1)..]);
        await browser.SignInAsync(user);
        tenant.Clock.Advance(TimeSpan.FromMinutes(11));

        var text = (await browser.GetAsync(continuePath)).ShouldBeAadsts(50000);

        Assert.Contains("expired", text);
    }

    [Fact]
    public async Task force_authn_asks_for_the_password_again_even_with_a_session()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "force");
        using var browser = await _world.SignedInBrowserAsync(user);
        var request = _world.Request(app, forceAuthn: true);

        var redirect = (await browser.GetAsync(_world.RedirectUrl(request.ToXml()))).ShouldBe(HttpStatusCode.Found);

        Assert.StartsWith($"/{_world.TenantId}/login?continue=", redirect.Location);
        Assert.Null(browser.SessionCookie);
        await browser.SignInAsync(user);
        var continuePath = Uri.UnescapeDataString(redirect.Location![(redirect.Location!.IndexOf('=') + 1)..]);
        var result = await _world.ValidateAsync(app, (await browser.GetAsync(continuePath)).ShouldBe(HttpStatusCode.OK).Form(), request.Id);
        Assert.True(result.IsValid);
    }

    [Fact]
    public async Task an_unknown_issuer_is_refused_with_aadsts700016_and_logged()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "who");
        using var browser = await _world.SignedInBrowserAsync(user);

        var text = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app, issuer: "https://nobody.example").ToXml())))
            .ShouldBeAadsts(700016);

        Assert.Contains("Application with identifier 'https://nobody.example' was not found in the directory", text);
        Assert.DoesNotContain("SAMLResponse", text);
    }

    [Fact]
    public async Task an_acs_url_that_is_not_a_reply_url_is_refused_with_aadsts50011()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "acs");
        using var browser = await _world.SignedInBrowserAsync(user);

        // Entra compares exactly: a trailing slash makes another URL.
        var text = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app, acs: app.ReplyUrl + "/").ToXml()))).ShouldBeAadsts(50011);

        Assert.Contains($"The redirect URI '{app.ReplyUrl}/' specified in the request does not match", text);
        var logged = Assert.Single(await _world.SignInLogAsync(app.AppId));
        Assert.Equal("50011", logged["error_code"]);
    }

    [Fact]
    public async Task a_disabled_app_is_refused_with_aadsts7000112()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "off");
        await tenant.App.Store.UpdateAsync(DirectoryTables.ServicePrincipal, app.SysId,
            new Dictionary<string, string?> { ["account_enabled"] = "false" }, new("test"));
        using var browser = await _world.SignedInBrowserAsync(user);

        var text = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml()))).ShouldBeAadsts(7000112);

        Assert.Contains($"Application '{app.AppId}' is disabled.", text);
    }

    [Fact]
    public async Task an_unassigned_user_is_refused_with_aadsts50105_and_an_assigned_one_signs_in()
    {
        var app = await _world.CreateAppAsync(u => u with { AssignmentRequired = true });
        var outsider = await _world.CreateUserAsync(tenant.NewScope() + "out");
        var member = await _world.CreateUserAsync(tenant.NewScope() + "in");
        var group = await _world.CreateGroupAsync(tenant.NewScope() + "itil");
        await _world.AddMemberAsync(group, member.Id);
        await _world.AssignAsync(app, group);

        using var refused = await _world.SignedInBrowserAsync(outsider);
        var text = (await refused.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml()))).ShouldBeAadsts(50105);
        Assert.Contains($"The signed in user '{outsider.Upn}' is blocked", text);

        using var admitted = await _world.SignedInBrowserAsync(member);
        var request = _world.Request(app);
        var result = await _world.ValidateAsync(app, (await admitted.GetAsync(_world.RedirectUrl(request.ToXml()))).ShouldBe(HttpStatusCode.OK).Form(), request.Id);
        Assert.True(result.IsValid);
        var log = await _world.SignInLogAsync(app.AppId);
        Assert.Contains(log, l => l["error_code"] == "50105" && l["user_id"] == outsider.SysId);
        Assert.Contains(log, l => l["error_code"] == "0" && l["user_id"] == member.SysId);
    }

    [Fact]
    public async Task the_acs_index_selects_a_reply_url_and_no_acs_means_the_default()
    {
        var app = await _world.CreateAppAsync();
        var second = app.ReplyUrl.Replace("navpage.do", "consumer.do");
        await _world.UpdateAsync(app, new SamlApplicationUpdate { ReplyUrls = [new(app.ReplyUrl, 0, true), new(second, 1, false)] });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "idx");
        using var browser = await _world.SignedInBrowserAsync(user);

        var byIndex = _world.Request(app) with { AssertionConsumerServiceUrl = null };
        var xml = byIndex.ToXml().Replace(" ID=", " AssertionConsumerServiceIndex=\"1\" ID=");
        Assert.Equal(second, (await browser.GetAsync(_world.RedirectUrl(xml))).ShouldBe(HttpStatusCode.OK).Form().Action);
        Assert.Equal(app.ReplyUrl, (await browser.GetAsync(_world.RedirectUrl((_world.Request(app) with { AssertionConsumerServiceUrl = null }).ToXml())))
            .ShouldBe(HttpStatusCode.OK).Form().Action);
    }

    [Fact]
    public async Task an_issuer_that_names_the_app_by_its_application_id_gets_an_spn_audience()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "spn");
        using var browser = await _world.SignedInBrowserAsync(user);
        var request = _world.Request(app, issuer: app.AppId);

        var form = (await browser.GetAsync(_world.RedirectUrl(request.ToXml()))).ShouldBe(HttpStatusCode.OK).Form();

        var result = await _world.ValidateAsync(app, form, request.Id, audience: "spn:" + app.AppId);
        Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => $"{p.Code}: {p.Message}")));
    }
}
