using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Tests.Interop;

namespace IdentityBridge.EndToEnd.Tests.Interop;

/// <summary>
/// An app's federation metadata, downloaded from the tenant as an admin does for a service provider that imports
/// metadata, is understood by service providers built on libraries we did not write: a response signed with the
/// app's key, posted by the browser through an auto-submitting form, is accepted and read by each of them.
/// The response is written with <see cref="ResponseWriter"/> in Entra's shape with the key the tenant holds for the
/// app; the tests of the tenant's own sign-in hand the SAMLResponse captured from it to the same service providers.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TenantMetadataInteropTests(BrowserFixture browser, Stack stack)
{
    private const string DisplayNameClaim = "http://schemas.microsoft.com/identity/claims/displayname";
    private const string EmailClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

    public static TheoryData<IndependentServiceProvider> Providers() => new(Enum.GetValues<IndependentServiceProvider>());

    [Theory]
    [MemberData(nameof(Providers))]
    public Task sp_that_imported_the_apps_metadata_from_the_tenant_accepts_a_response_signed_with_the_apps_key(IndependentServiceProvider provider) =>
        browser.RunAsync(async page =>
        {
            var instance = await stack.StartInstanceAsync();
            var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
            var user = await stack.CreateTenantUserAsync("Adele", "Vance");
            var metadata = await stack.TenantGetStringAsync(stack.FederationMetadataUrl(app.AppId));
            using var key = await stack.SigningKeyAsync(app);
            var response = ResponseWriter.WriteSigned(new ResponseDescription
            {
                Issuer = stack.TenantIssuer,
                Destination = instance.NavpageUrl,
                Audience = app.Identifier,
                NameId = user.UserPrincipalName,
                IssueInstant = DateTimeOffset.UtcNow,
                Attributes =
                [
                    new(DisplayNameClaim, [user.DisplayName]),
                    new(EmailClaim, [user.UserPrincipalName]),
                ],
            }, key);
            await page.SetContentAsync("<p>waiting</p>");

            var posted = await page.CaptureSamlPostAsync(instance.NavpageUrl, () =>
                page.SetContentAsync(new HttpPostBinding().BuildPage(instance.NavpageUrl, SamlMessageKind.Response, response.OuterXml, relayState: "/incident_list.do")));
            var verdict = await IndependentServiceProviders.JudgeAsync(provider, posted.SamlResponse!,
                IdpTrust.FromMetadata(stack.TenantIssuer, metadata), new SpSettings(app.Identifier, instance.NavpageUrl));

            Assert.Equal("/incident_list.do", posted.RelayState);
            Assert.True(verdict.Ok, $"{provider} refused the response: {verdict}");
            Assert.Equal(user.UserPrincipalName, verdict.NameId);
            Assert.Equal(user.DisplayName, verdict.Claim(DisplayNameClaim));
            Assert.Equal(user.UserPrincipalName, verdict.Claim(EmailClaim));
        }, $"{nameof(sp_that_imported_the_apps_metadata_from_the_tenant_accepts_a_response_signed_with_the_apps_key)}-{provider}");
}
