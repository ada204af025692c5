using System.Security.Cryptography;
using IdentityBridge.EndToEnd.Tests.Hosting;

namespace IdentityBridge.EndToEnd.Tests.Interop;

/// <summary>
/// An app's App Federation Metadata Url, given to the instance's Multi-Provider SSO as ServiceNow admins do it
/// ("Import Identity Provider Metadata", docs/sso.md): the instance fetches it over the tenant's HTTPS only once the
/// tenant's certificate is in its trust store, and saying so when it is not; the imported record then trusts the
/// app's signing certificate and names the tenant's issuer and endpoints, and the tenant's own response signs the
/// user in.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class InstanceMetadataImportTests(Stack stack)
{
    private static string Sha256(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.RawData));

    [Fact]
    public async Task metadata_url_over_an_untrusted_https_certificate_is_refused_with_the_certificate_to_add_to_the_trust_store()
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
        await instance.SetPropertyAsync("glide.authenticate.multisso.enabled", "true");

        var error = await instance.TableRefusalAsync(HttpMethod.Post, "saml2_update1_properties", new
        {
            name = app.DisplayName + " (Entra)",
            idp_metadata_url = stack.FederationMetadataUrl(app.AppId),
            user_field = "email",
            issuer = app.Identifier,
        }, HttpStatusCode.BadRequest);

        var message = error.GetProperty("message").GetString();
        var detail = error.GetProperty("detail").GetString() ?? "";
        Assert.StartsWith("Could not import identity provider metadata from " + stack.FederationMetadataUrl(app.AppId), message);
        Assert.Contains("HTTPS certificate", detail);
        Assert.Contains(Sha256(stack.TenantHttpsCertificate), detail);
        Assert.Contains("add the server's certificate to the trust store (sys_certificate, type trust_store", detail);
        // Nothing was half-imported: no record, and no signing certificate left behind in sys_certificate.
        Assert.Empty((await instance.TableAsync(HttpMethod.Get, "saml2_update1_properties?sysparm_query=name=" + Uri.EscapeDataString(app.DisplayName + " (Entra)"), null, HttpStatusCode.OK)).EnumerateArray());
        var signing = await stack.SigningCertificateAsync(app);
        Assert.Empty((await instance.TableAsync(HttpMethod.Get, "sys_certificate?sysparm_query=sha256_fingerprint=" + Sha256(signing), null, HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task metadata_imported_once_the_tenants_certificate_is_trusted_fills_the_record_and_the_tenants_response_signs_in()
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
        var user = await stack.CreateTenantUserAsync("Lynne", "Robbins");
        await stack.AssignAsync(app, user);
        await instance.CreateUserAsync(user);
        var signing = await stack.SigningCertificateAsync(app);
        await stack.TrustTenantHttpsAsync(instance);

        var recordId = await stack.ImportInstanceIdentityProviderAsync(app);

        var record = await instance.TableAsync(HttpMethod.Get, $"saml2_update1_properties/{recordId}", null, HttpStatusCode.OK);
        Assert.Equal(stack.TenantIssuer, record.GetProperty("idp").GetString());
        Assert.Equal(stack.TenantSamlUrl, record.GetProperty("idp_authnrequest_url").GetString());
        Assert.Equal(stack.TenantSamlUrl, record.GetProperty("idp_logout_url").GetString());
        Assert.Equal(stack.FederationMetadataUrl(app.AppId), record.GetProperty("idp_metadata_url").GetString());
        var linked = record.GetProperty("x509_cert").GetString()!.Split(',');
        var certificate = await instance.TableAsync(HttpMethod.Get, $"sys_certificate/{Assert.Single(linked)}", null, HttpStatusCode.OK);
        Assert.Equal(Sha256(signing), certificate.GetProperty("sha256_fingerprint").GetString()!.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant());
        Assert.Equal([signing.Thumbprint], await instance.TrustedThumbprintsAsync(stack.TenantIssuer));

        using var browser = new TenantBrowser(stack);
        await browser.SignInAsync(user);
        var landing = await instance.PostSamlFormAsync(await browser.LaunchAsync(app), browser.Origin);

        Assert.True(landing.Status == HttpStatusCode.Found && landing.StartedSession, $"The instance did not sign {user.UserPrincipalName} in: {landing}");
        Assert.Contains(user.DisplayName, await instance.HomePageAsync(landing));
    }

    [Fact]
    public async Task sign_on_started_at_the_instance_goes_to_the_imported_sign_on_url_and_comes_back_signed_in()
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
        var user = await stack.CreateTenantUserAsync("Isaiah", "Langer");
        await stack.AssignAsync(app, user);
        await instance.CreateUserAsync(user);
        await stack.TrustTenantHttpsAsync(instance);
        var recordId = await stack.ImportInstanceIdentityProviderAsync(app);
        using var browser = new TenantBrowser(stack);
        await browser.SignInAsync(user);

        var toTenant = await instance.StartSignOnAsync(recordId, "/incident_list.do");
        Assert.StartsWith(stack.TenantSamlUrl + "?SAMLRequest=", toTenant);
        var posted = await browser.FollowAsync(toTenant);
        var landing = await instance.PostSamlFormAsync(posted, browser.Origin);

        Assert.Equal(instance.NavpageUrl, posted.Url);
        Assert.True(landing.Status == HttpStatusCode.Found && landing.StartedSession, $"The instance did not sign {user.UserPrincipalName} in: {landing}");
        Assert.Equal("/incident_list.do", new Uri(new Uri(instance.Url), landing.Location).PathAndQuery);
        Assert.Contains(user.DisplayName, await instance.HomePageAsync(landing));
    }
}
