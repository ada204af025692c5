using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>Refusals the app hears as a SAML failure Response posted to its Reply URL.</summary>
public sealed class FailureResponseTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private static (string Code, string SubCode, string Message) Status(XmlDocument response)
    {
        var status = response.GetElementsByTagName("Status", SamlNames.Protocol).OfType<XmlElement>().Single();
        var codes = status.GetElementsByTagName("StatusCode", SamlNames.Protocol).OfType<XmlElement>().ToList();
        return (codes[0].GetAttribute("Value"), codes[1].GetAttribute("Value"),
            status.GetElementsByTagName("StatusMessage", SamlNames.Protocol).OfType<XmlElement>().Single().InnerText);
    }

    [Fact]
    public async Task a_passive_request_without_a_session_gets_a_no_passive_response_with_aadsts50058()
    {
        var app = await _world.CreateAppAsync();
        using var browser = _world.NewBrowser();
        var request = _world.Request(app) with { IsPassive = true };

        var form = (await browser.GetAsync(_world.RedirectUrl(request.ToXml(), "rs"))).ShouldBe(HttpStatusCode.OK).Form();

        Assert.Equal(app.ReplyUrl, form.Action);
        Assert.Equal("rs", form.Fields["RelayState"]);
        var response = IdentityProviderWorld.ResponseXml(form);
        Assert.Equal(request.Id, response.DocumentElement!.GetAttribute("InResponseTo"));
        Assert.Empty(response.GetElementsByTagName("Assertion", SamlNames.Assertion));
        var (code, subCode, message) = Status(response);
        Assert.Equal(SamlNames.StatusRequester, code);
        Assert.Equal(IdentityProviderFailures.NoPassive, subCode);
        Assert.StartsWith("AADSTS50058:", message);
        var result = await _world.ValidateAsync(app, form, request.Id);
        Assert.False(result.IsValid);
        Assert.Contains(await _world.SignInLogAsync(app.AppId), l => l["error_code"] == "50058");
    }

    [Fact]
    public async Task a_requested_context_a_password_sign_in_cannot_satisfy_gets_aadsts75011_and_servicenows_default_is_satisfied()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "ctx");
        using var browser = await _world.SignedInBrowserAsync(user);
        var x509 = _world.Request(app) with
        {
            RequestedAuthnContext = new RequestedAuthnContext
            {
                Comparison = AuthnContextComparison.Exact,
                ClassRefs = ["urn:oasis:names:tc:SAML:2.0:ac:classes:X509"],
            },
        };

        var refused = IdentityProviderWorld.ResponseXml((await browser.GetAsync(_world.RedirectUrl(x509.ToXml()))).ShouldBe(HttpStatusCode.OK).Form());

        var (code, subCode, message) = Status(refused);
        Assert.Equal(SamlNames.StatusRequester, code);
        Assert.Equal(IdentityProviderFailures.NoAuthnContext, subCode);
        Assert.StartsWith("AADSTS75011:", message);
        Assert.Empty(refused.GetElementsByTagName("Assertion", SamlNames.Assertion));

        var serviceNowDefault = _world.Request(app) with
        {
            RequestedAuthnContext = new RequestedAuthnContext
            {
                Comparison = AuthnContextComparison.Exact,
                ClassRefs = [SamlNames.PasswordProtectedTransport],
            },
        };
        var form = (await browser.GetAsync(_world.RedirectUrl(serviceNowDefault.ToXml()))).ShouldBe(HttpStatusCode.OK).Form();
        Assert.True((await _world.ValidateAsync(app, form, serviceNowDefault.Id)).IsValid);
    }
}
