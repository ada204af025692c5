using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>
/// Entra's "Verification certificates" at <c>/{tid}/saml2</c>: signed AuthnRequests and LogoutRequests checked against
/// the app's certificates on both bindings, unsigned ones refused when the app requires signing, RSA-SHA1 only when
/// allowed, and every refusal Entra's error page plus a sign-in log entry naming the Issuer and certificates.
/// </summary>
public sealed class VerificationCertificateTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    /// <summary>A self-signed RSA certificate with its private key, valid around the tenant's clock.</summary>
    private X509Certificate2 NewCertificate(string name, int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest("CN=" + name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = tenant.Clock.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private static string Key(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);

    private Task<TestApp> AppAsync(X509Certificate2? verification, bool require, bool allowSha1 = false, bool logoutUrl = false) =>
        _world.CreateAppAsync(u => u with
        {
            LogoutUrl = logoutUrl ? "https://" + new Uri(u.ReplyUrls![0].Uri).Host + "/logout_success.do" : null,
            Settings = new SamlSettings
            {
                VerificationCertificates = verification is null ? [] : [Key(verification)],
                RequireVerificationCertificates = require,
                AllowSha1RequestSignatures = allowSha1,
            },
        });

    private string SignedRedirect(string xml, X509Certificate2 certificate, string algorithm = SamlNames.RsaSha256, string? relayState = null) =>
        new HttpRedirectBinding().BuildUrl(_world.SsoPath, SamlMessageKind.Request, xml, relayState,
            new RedirectSigning { Certificate = certificate, Algorithm = algorithm });

    private static string SignedXml(System.Xml.XmlDocument document, X509Certificate2 certificate, string algorithm = SamlNames.RsaSha256,
        bool keyInfo = true)
    {
        XmlSigner.Sign(document.DocumentElement!, certificate, algorithm, keyInfo);
        return document.OuterXml;
    }

    private static Dictionary<string, string> Form(string xml) => new() { ["SAMLRequest"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(xml)) };

    private Task<IdpPage> PostAsync(IdpBrowser browser, string xml) => browser.PostFormAsync(_world.SsoPath, Form(xml));

    private async Task<(TestUser User, IdpBrowser Browser)> SignedInAsync(TestApp app, string name)
    {
        var user = await _world.CreateUserAsync(tenant.NewScope() + name);
        return (user, await _world.SignedInBrowserAsync(user));
    }

    private static void SignedOn(IdpPage page, TestApp app) => Assert.Equal(app.ReplyUrl, page.ShouldBe(HttpStatusCode.OK).Form().Action);

    [Fact]
    public async Task requests_signed_with_a_verification_certificate_sign_the_user_in_on_both_bindings()
    {
        using var certificate = NewCertificate("contoso-sp");
        var app = await AppAsync(certificate, require: true);
        var (_, browser) = await SignedInAsync(app, "signed");
        using var _ = browser;

        SignedOn(await browser.GetAsync(SignedRedirect(_world.Request(app).ToXml(), certificate, relayState: "/incident.do")), app);
        SignedOn(await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), certificate)), app);
        // Without the certificate in KeyInfo the app's own certificate is still the one used.
        SignedOn(await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), certificate, keyInfo: false)), app);
    }

    [Fact]
    public async Task a_request_signed_with_another_key_is_refused_even_when_signing_is_optional_and_the_log_says_why()
    {
        using var certificate = NewCertificate("contoso-sp");
        using var stranger = NewCertificate("mallory");
        var app = await AppAsync(certificate, require: false);
        var (user, browser) = await SignedInAsync(app, "forged");
        using var _ = browser;

        var redirect = (await browser.GetAsync(SignedRedirect(_world.Request(app).ToXml(), stranger))).ShouldBeAadsts(75005);
        Assert.Contains("does not verify with any of its verification certificates", redirect);
        var keyInfo = (await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), stranger))).ShouldBeAadsts(75005);
        Assert.Contains("is not signed with a trusted certificate", keyInfo);
        var bare = (await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), stranger, keyInfo: false))).ShouldBeAadsts(75005);
        Assert.Contains("does not verify", bare);

        var log = await _world.SignInLogAsync(app.AppId);
        Assert.Equal(3, log.Count(r => r["error_code"] == "75005"));
        Assert.All(log, entry =>
        {
            Assert.Equal(user.Upn, entry["user_principal_name"]);
            Assert.Contains("Issuer: " + app.EntityId, entry["detail"]);
            Assert.Contains(certificate.Thumbprint, entry["detail"]);
        });
    }

    [Fact]
    public async Task a_request_changed_after_it_was_signed_is_refused()
    {
        using var certificate = NewCertificate("contoso-sp");
        var app = await AppAsync(certificate, require: false);
        var (_, browser) = await SignedInAsync(app, "tampered");
        using var _ = browser;

        // The RelayState is covered by the query signature: pointing it elsewhere breaks it.
        var url = SignedRedirect(_world.Request(app).ToXml(), certificate, relayState: "/incident.do");
        Assert.Contains("RelayState=%2Fincident.do", url);
        (await browser.GetAsync(url.Replace("RelayState=%2Fincident.do", "RelayState=%2Fevil.do"))).ShouldBeAadsts(75005);

        // Asking for a fresh sign-in after signing changes the digest of the signed request.
        var signed = SignedXml(_world.Request(app).ToXmlDocument(), certificate);
        Assert.Contains("ForceAuthn=\"false\"", signed);
        var page = (await PostAsync(browser, signed.Replace("ForceAuthn=\"false\"", "ForceAuthn=\"true\""))).ShouldBeAadsts(75005);
        Assert.Contains("changed after it was signed", page);
    }

    [Fact]
    public async Task an_unsigned_request_is_refused_when_signing_is_required_and_accepted_once_it_is_not()
    {
        using var certificate = NewCertificate("contoso-sp");
        var app = await AppAsync(certificate, require: true);
        var (_, browser) = await SignedInAsync(app, "unsigned");
        using var _ = browser;

        var page = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml()))).ShouldBeAadsts(76021);
        Assert.Contains("The request sent by client is not signed while the application requires signed requests", page);
        (await PostAsync(browser, _world.Request(app).ToXml())).ShouldBeAadsts(76021);
        // An XML signature on the Redirect binding is in the wrong place: Entra looks for it in the query.
        var misplaced = (await browser.GetAsync(_world.RedirectUrl(SignedXml(_world.Request(app).ToXmlDocument(), certificate)))).ShouldBeAadsts(76021);
        Assert.Contains("belongs in the query", misplaced);
        Assert.Contains(await _world.SignInLogAsync(app.AppId), r => r["error_code"] == "76021" && r["detail"]!.Contains("unsigned"));

        var current = (await _world.Applications.GetAsync(app.SysId, default))!;
        await _world.UpdateAsync(app, new SamlApplicationUpdate { Settings = current.Settings with { RequireVerificationCertificates = false } });
        SignedOn(await browser.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml())), app);
        SignedOn(await PostAsync(browser, _world.Request(app).ToXml()), app);
    }

    [Fact]
    public async Task rsa_sha1_signatures_are_refused_unless_the_app_allows_them()
    {
        using var certificate = NewCertificate("legacy-sp");
        var app = await AppAsync(certificate, require: true);
        var (_, browser) = await SignedInAsync(app, "sha1");
        using var _ = browser;

        var page = (await browser.GetAsync(SignedRedirect(_world.Request(app).ToXml(), certificate, SamlNames.RsaSha1))).ShouldBeAadsts(75005);
        Assert.Contains("signed with RSA-SHA1", page);
        Assert.Contains("Allow requests signed with RSA-SHA1", page);
        (await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), certificate, SamlNames.RsaSha1))).ShouldBeAadsts(75005);

        var current = (await _world.Applications.GetAsync(app.SysId, default))!;
        await _world.UpdateAsync(app, new SamlApplicationUpdate { Settings = current.Settings with { AllowSha1RequestSignatures = true } });
        SignedOn(await browser.GetAsync(SignedRedirect(_world.Request(app).ToXml(), certificate, SamlNames.RsaSha1)), app);
        SignedOn(await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), certificate, SamlNames.RsaSha1)), app);
    }

    [Fact]
    public async Task a_signed_request_is_accepted_unchecked_while_the_app_has_no_verification_certificate()
    {
        using var certificate = NewCertificate("contoso-sp");
        var app = await AppAsync(null, require: false);
        var (_, browser) = await SignedInAsync(app, "nocerts");
        using var _ = browser;

        SignedOn(await browser.GetAsync(SignedRedirect(_world.Request(app).ToXml(), certificate)), app);
        SignedOn(await PostAsync(browser, SignedXml(_world.Request(app).ToXmlDocument(), certificate)), app);
    }

    [Fact]
    public async Task a_logout_request_with_a_bad_signature_is_refused_and_the_session_kept()
    {
        using var certificate = NewCertificate("contoso-sp");
        using var stranger = NewCertificate("mallory");
        var app = await AppAsync(certificate, require: false, logoutUrl: true);
        var (_, browser) = await SignedInAsync(app, "slo");
        using var _ = browser;
        var launched = (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).ShouldBe(HttpStatusCode.OK).Form();
        var assertion = (await _world.ValidateAsync(app, launched)).Assertion!;
        LogoutRequest Request() => new()
        {
            Id = "SNC" + Guid.NewGuid().ToString("N"),
            IssueInstant = tenant.Clock.GetUtcNow(),
            Destination = tenant.BaseUrl + _world.SsoPath,
            Issuer = app.EntityId,
            NameId = new NameIdentifier { Value = assertion.NameId, Format = SamlNames.NameIdEmail },
            SessionIndexes = [assertion.SessionIndex!],
        };

        (await browser.GetAsync(SignedRedirect(Request().ToXml(), stranger))).ShouldBeAadsts(75005);
        (await PostAsync(browser, SignedXml(Request().ToXmlDocument(), stranger))).ShouldBeAadsts(75005);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);

        var signedOut = await browser.GetAsync(SignedRedirect(Request().ToXml(), certificate));
        Assert.Equal(HttpStatusCode.Found, signedOut.Status);
        Assert.StartsWith(app.ReplyUrl.Replace("/navpage.do", "/logout_success.do"), signedOut.Location);
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync($"/{_world.TenantId}/saml2/launch?appid={app.AppId}")).Status);
    }
}
