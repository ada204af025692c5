using System.Xml;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>The My Apps tile: <c>/{tid}/saml2/launch?appid=</c>.</summary>
public sealed class IdpInitiatedLaunchTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private string Launch(TestApp app) => $"/{_world.TenantId}/saml2/launch?appid={app.AppId}";

    [Fact]
    public async Task a_tile_posts_an_unsolicited_response_to_the_default_reply_url_with_the_relay_state()
    {
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { RelayState = "/nav_to.do?uri=incident_list.do" } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "tile");
        using var browser = await _world.SignedInBrowserAsync(user);

        var form = (await browser.GetAsync(Launch(app))).ShouldBe(HttpStatusCode.OK).Form();

        Assert.Equal(app.ReplyUrl, form.Action);
        Assert.Equal("/nav_to.do?uri=incident_list.do", form.Fields["RelayState"]);
        var result = await _world.ValidateAsync(app, form);
        Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => $"{p.Code}: {p.Message}")));
        Assert.Null(result.Assertion!.InResponseTo);
        var xml = IdentityProviderWorld.ResponseXml(form);
        Assert.False(xml.DocumentElement!.HasAttribute("InResponseTo"));
        Assert.All(xml.GetElementsByTagName("SubjectConfirmationData", IdentityBridge.Saml.Xml.SamlNames.Assertion).OfType<XmlElement>(),
            d => Assert.False(d.HasAttribute("InResponseTo")));
    }

    [Fact]
    public async Task without_relay_state_no_relay_state_is_posted_and_the_tenant_may_be_named_by_its_domain()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "norelay");
        using var browser = await _world.SignedInBrowserAsync(user);

        var form = (await browser.GetAsync($"/{RunningTenant.Domain}/saml2/launch?appid={app.AppId}")).ShouldBe(HttpStatusCode.OK).Form();

        Assert.False(form.Fields.ContainsKey("RelayState"));
        Assert.True((await _world.ValidateAsync(app, form)).IsValid);
    }

    [Fact]
    public async Task without_a_session_the_tile_goes_to_the_sign_in_page_and_comes_back()
    {
        var app = await _world.CreateAppAsync();
        using var browser = _world.NewBrowser();

        var redirect = (await browser.GetAsync(Launch(app))).ShouldBe(HttpStatusCode.Found);

        Assert.Equal($"/{_world.TenantId}/login?continue={Uri.EscapeDataString(Launch(app))}", redirect.Location);
    }

    [Fact]
    public async Task an_app_with_a_sign_on_url_is_started_at_the_service_provider()
    {
        var app = await _world.CreateAppAsync();
        var signOn = app.EntityId + "/login_with_sso.do?glide_sso_id=0123456789abcdef0123456789abcdef";
        await _world.UpdateAsync(app, new SamlApplicationUpdate { SignOnUrl = signOn });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "spinit");
        using var browser = await _world.SignedInBrowserAsync(user);

        var redirect = (await browser.GetAsync(Launch(app))).ShouldBe(HttpStatusCode.Found);

        Assert.Equal(signOn, redirect.Location);
    }

    [Fact]
    public async Task each_missing_piece_of_set_up_gets_a_page_that_says_what_to_configure()
    {
        var user = await _world.CreateUserAsync(tenant.NewScope() + "setup");
        using var browser = await _world.SignedInBrowserAsync(user);

        var unknown = (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={Guid.NewGuid()}")).ShouldBeAadsts(700016);
        Assert.Contains("was not found in the directory", unknown);
        Assert.Contains("not-a-guid", (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid=not-a-guid")).ShouldBeAadsts(700016));

        var noCertificate = await _world.CreateAppAsync(certificate: false);
        Assert.Contains("signing certificate", (await browser.GetAsync(Launch(noCertificate))).ShouldBeAadsts(50000));

        var noReply = await _world.CreateAppAsync(u => u with { ReplyUrls = [] });
        Assert.Contains("No reply address is registered", (await browser.GetAsync(Launch(noReply))).ShouldBeAadsts(500113));

        var noIdentifier = await _world.CreateAppAsync(u => u with { Identifiers = [] });
        Assert.Contains("Identifier (Entity ID)", (await browser.GetAsync(Launch(noIdentifier))).ShouldBeAadsts(50000));

        var notSaml = await _world.CreateAppAsync(u => u with { PreferredSingleSignOnMode = "password" });
        Assert.Contains("preferredSingleSignOnMode 'saml'", (await browser.GetAsync(Launch(notSaml))).ShouldBeAadsts(50000));
    }

    [Fact]
    public async Task an_unassigned_user_cannot_launch_an_app_that_requires_assignment()
    {
        var app = await _world.CreateAppAsync(u => u with { AssignmentRequired = true });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "nolaunch");
        using var browser = await _world.SignedInBrowserAsync(user);

        (await browser.GetAsync(Launch(app))).ShouldBeAadsts(50105);

        await _world.AssignAsync(app, user.Id);
        Assert.True((await _world.ValidateAsync(app, (await browser.GetAsync(Launch(app))).ShouldBe(HttpStatusCode.OK).Form())).IsValid);
    }
}
