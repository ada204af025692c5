using System.Text;
using IdentityBridge.Saml.Bindings;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>Whatever arrives at <c>/{tid}/saml2</c>, the answer is Entra's error page, never a 500.</summary>
public sealed class BadInputTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    [Fact]
    public async Task a_request_without_a_saml_message_is_refused_with_aadsts750054()
    {
        using var browser = _world.NewBrowser();

        (await browser.GetAsync(_world.SsoPath)).ShouldBeAadsts(750054);
        (await browser.PostFormAsync(_world.SsoPath, new Dictionary<string, string> { ["RelayState"] = "x" })).ShouldBeAadsts(750054);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("PGh0bWw+PC9odG1sPg==")]
    public async Task garbage_is_refused_with_aadsts75005(string samlRequest)
    {
        using var browser = _world.NewBrowser();

        (await browser.GetAsync(_world.SsoPath + "?SAMLRequest=" + Uri.EscapeDataString(samlRequest))).ShouldBeAadsts(75005);
        (await browser.PostFormAsync(_world.SsoPath, new Dictionary<string, string> { ["SAMLRequest"] = samlRequest })).ShouldBeAadsts(75005);
    }

    [Fact]
    public async Task a_doctype_an_oversized_message_and_a_response_are_refused_with_aadsts75005()
    {
        var app = await _world.CreateAppAsync();
        using var browser = _world.NewBrowser();
        var xml = _world.Request(app).ToXml();

        var doctype = "<!DOCTYPE x [<!ENTITY e \"boom\">]>" + xml;
        Assert.Contains("DOCTYPE", (await browser.GetAsync(_world.RedirectUrl(doctype))).ShouldBeAadsts(75005));
        Assert.Contains("DOCTYPE", (await browser.PostFormAsync(_world.SsoPath, new Dictionary<string, string>
        {
            ["SAMLRequest"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(doctype)),
        })).ShouldBeAadsts(75005));

        var random = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20_000));
        (await browser.GetAsync(_world.SsoPath + "?SAMLRequest=" + Uri.EscapeDataString(random))).ShouldBeAadsts(75005);

        var response = new HttpRedirectBinding().BuildUrl(_world.SsoPath, SamlMessageKind.Response, xml);
        (await browser.GetAsync(response)).ShouldBeAadsts(75005);

        var notARequest = "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_1\" Version=\"2.0\" IssueInstant=\"2025-06-02T10:15:00Z\"/>";
        (await browser.GetAsync(_world.RedirectUrl(notARequest))).ShouldBeAadsts(75005);
        (await browser.GetAsync(_world.RedirectUrl(xml.Replace("Version=\"2.0\"", "Version=\"1.1\"")))).ShouldBeAadsts(75005);
    }

    [Fact]
    public async Task a_post_without_a_form_other_methods_and_other_tenants_get_clear_answers()
    {
        using var browser = _world.NewBrowser();

        (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, _world.SsoPath) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }))
            .ShouldBeAadsts(750054);
        var put = (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Put, _world.SsoPath) { Content = new StringContent("") }))
            .ShouldBe(HttpStatusCode.MethodNotAllowed);
        Assert.Equal("GET, POST", put.Headers["Allow"]);
        (await browser.GetAsync($"/{Guid.NewGuid()}/saml2")).ShouldBeAadsts(90002, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task unknown_continue_handles_and_oversized_relay_state_get_error_pages()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "bad");
        using var browser = await _world.SignedInBrowserAsync(user);

        Assert.Contains("expired", (await browser.GetAsync($"/{_world.TenantId}/saml2/continue/not-a-handle")).ShouldBeAadsts(50000));
        (await browser.GetAsync($"/{_world.TenantId}/saml2/continue/{new string('a', 32)}")).ShouldBeAadsts(50000);
        (await browser.GetAsync($"/{_world.TenantId}/saml2/launch")).ShouldBeAadsts(700016);

        using var anonymous = _world.NewBrowser();
        var text = (await anonymous.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml(), new string('r', 1025)))).ShouldBeAadsts(75005);
        Assert.Contains("RelayState", text);
    }
}
