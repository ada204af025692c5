using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Saml;

/// <summary>Moves its tenant's clock, so it has a tenant of its own.</summary>
public sealed class ExpiredCertificateTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    [Fact]
    public async Task an_expired_active_certificate_gives_way_to_a_newer_valid_one_and_leaves_the_metadata()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        var soonExpired = await tenant.AddCertificateAsync(app.Id(), new { displayName = "CN=Old", endDateTime = RunningTenant.Start.AddDays(30) });
        tenant.Clock.Advance(TimeSpan.FromDays(1));
        var newer = await tenant.AddCertificateAsync(app.Id());
        using var newerCertificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(newer.Text("key")!));

        tenant.Clock.Advance(TimeSpan.FromDays(60));
        var xml = await tenant.Http.GetStringAsync(tenant.MetadataPath(app.Text("appId")));

        var listed = new MetadataReader(tenant.Clock).Read(xml).RequireIdentityProvider().SigningCertificates;
        Assert.Equal(newerCertificate.Thumbprint, Assert.Single(listed).Thumbprint);
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(xml);
        var signed = new SignedXml(document.DocumentElement!);
        signed.LoadXml((XmlElement)document.DocumentElement!.FirstChild!);
        Assert.True(signed.CheckSignature(newerCertificate, true));
        // Graph still names the certificate an administrator made active; only the signing falls back.
        Assert.Equal(soonExpired.Text("thumbprint"),
            (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{app.Id()}")).ShouldBe(HttpStatusCode.OK).Body.Text("preferredTokenSigningKeyThumbprint"));
    }
}
