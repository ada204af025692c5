using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Tests.Interop;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.EndToEnd.Tests.Interop;

/// <summary>
/// What the tenant itself sends when a user signs in, read by service providers built on libraries we did not write
/// (node-saml, python3-saml, pysaml2), each trusting the tenant through the app's federation metadata as the tenant
/// serves it over HTTPS: the response of a My Apps tile under each signing option, the answer to an AuthnRequest the
/// service provider sent (checked against its request id), and, after the app's certificate is rolled to one the
/// service provider has not imported, a refusal of the signature.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TenantResponsesInIndependentSpsTests(Stack stack)
{
    public static TheoryData<IndependentServiceProvider> Providers() => new(Enum.GetValues<IndependentServiceProvider>());

    /// <summary>An app for a service provider at a fresh instance's URLs, a user assigned to it and signed in to the tenant.</summary>
    private async Task<(EnterpriseApp App, TenantUser User, TenantBrowser Browser)> SignedInAsync(SamlSettings? settings = null)
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "Service provider", instance,
            settings is null ? null : new SamlApplicationUpdate { Settings = settings });
        var user = await stack.CreateTenantUserAsync("Megan", "Bowen");
        await stack.AssignAsync(app, user);
        var browser = new TenantBrowser(stack);
        await browser.SignInAsync(user);
        return (app, user, browser);
    }

    /// <summary>The app's federation metadata, downloaded from the tenant as an admin does to import it.</summary>
    private async Task<IdpTrust> MetadataTrustAsync(EnterpriseApp app) =>
        IdpTrust.FromMetadata(stack.TenantIssuer, await stack.TenantGetStringAsync(stack.FederationMetadataUrl(app.AppId)));

    private static SpSettings ServiceProvider(EnterpriseApp app, SigningOption option = SigningOption.Assertion) =>
        new(app.Identifier, app.Instance.NavpageUrl)
        {
            // A service provider that insists on the signature the app is set to give.
            WantAssertionsSigned = option != SigningOption.Response,
            WantResponseSigned = option != SigningOption.Assertion,
        };

    private static void ShouldHaveSignedIn(SpVerdict verdict, TenantUser user, string what)
    {
        Assert.True(verdict.Ok, $"{what}: {verdict}");
        Assert.Equal(user.UserPrincipalName, verdict.NameId);
        Assert.Equal(user.DisplayName, verdict.Claim(SamlClaimTypes.DisplayName));
        Assert.Equal(user.UserPrincipalName, verdict.Claim(SamlClaimTypes.EmailAddress));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task tile_sign_on_under_each_signing_option_is_accepted_and_its_claims_read(IndependentServiceProvider provider)
    {
        var (app, user, browser) = await SignedInAsync(new SamlSettings { RelayState = "/incident_list.do" });
        using var _ = browser;
        var trust = await MetadataTrustAsync(app);

        foreach (var option in Enum.GetValues<SigningOption>())
        {
            await stack.ConfigureSamlAsync(app, new SamlApplicationUpdate { Settings = new SamlSettings { RelayState = "/incident_list.do", SigningOption = option } });

            var posted = await browser.LaunchAsync(app);
            var verdict = await IndependentServiceProviders.JudgeAsync(provider, posted.SamlResponse!, trust, ServiceProvider(app, option));

            Assert.Equal(app.Instance.NavpageUrl, posted.Url);
            Assert.Equal("/incident_list.do", posted.RelayState);
            ShouldHaveSignedIn(verdict, user, $"{provider} refused the tile's response signed on the {option}");
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task answer_to_the_service_providers_own_authn_request_is_accepted_against_its_request_id(IndependentServiceProvider provider)
    {
        var (app, user, browser) = await SignedInAsync();
        using var _ = browser;
        var trust = await MetadataTrustAsync(app);
        var request = TenantBrowser.AuthnRequestFrom(app.Identifier, app.Instance.NavpageUrl, stack.TenantSamlUrl);

        var posted = await browser.SendAuthnRequestAsync(request, relayState: "state-" + request.Id);
        var verdict = await IndependentServiceProviders.JudgeAsync(provider, posted.SamlResponse!, trust,
            ServiceProvider(app) with { RequestId = request.Id });

        Assert.Equal(app.Instance.NavpageUrl, posted.Url);
        Assert.Equal("state-" + request.Id, posted.RelayState);
        ShouldHaveSignedIn(verdict, user, $"{provider} refused the answer to its AuthnRequest {request.Id}");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task response_signed_after_a_rollover_to_a_certificate_the_sp_never_imported_is_refused(IndependentServiceProvider provider)
    {
        var (app, user, browser) = await SignedInAsync();
        using var _ = browser;
        var importedBefore = await MetadataTrustAsync(app);
        var next = await stack.AddSigningCertificateAsync(app);
        await stack.ActivateSigningCertificateAsync(app, next);

        var posted = await browser.LaunchAsync(app);
        var refused = await IndependentServiceProviders.JudgeAsync(provider, posted.SamlResponse!, importedBefore, ServiceProvider(app));
        // The control: the same response, once the service provider reads the metadata again (which lists both).
        var accepted = await IndependentServiceProviders.JudgeAsync(provider, posted.SamlResponse!, await MetadataTrustAsync(app), ServiceProvider(app));

        Assert.False(refused.Ok, $"{provider} accepted a response signed with a certificate it never imported: {refused}");
        Assert.True(new[] { "signature", "certificate" }.Any(word => refused.Error?.Contains(word, StringComparison.OrdinalIgnoreCase) == true),
            $"{provider} refused for another reason than the signature: {refused}");
        ShouldHaveSignedIn(accepted, user, $"{provider} refused the response once it had the new certificate");
    }
}
