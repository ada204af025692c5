using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Saml;

public sealed class TokenSigningCertificateTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private static X509Certificate2 Certificate(JsonElement selfSigned) =>
        X509CertificateLoader.LoadCertificate(Convert.FromBase64String(selfSigned.Text("key")!));

    private async Task<JsonElement> GetAppAsync(string id) =>
        (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{id}")).ShouldBe(HttpStatusCode.OK).Body;

    [Fact]
    public async Task an_added_certificate_is_listed_in_key_credentials_with_no_private_key_anywhere()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");

        var added = await tenant.AddCertificateAsync(app.Id());

        Assert.Equal("AsymmetricX509Cert", added.Text("type"));
        Assert.Equal("Verify", added.Text("usage"));
        Assert.Equal("CN=Microsoft Azure Federated SSO Certificate", added.Text("displayName"));
        Assert.True(Guid.TryParse(added.Text("keyId"), out _));
        using var certificate = Certificate(added);
        Assert.False(certificate.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint.ToUpperInvariant(), added.Text("thumbprint"));
        Assert.Equal("CN=Microsoft Azure Federated SSO Certificate", certificate.Subject);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal("sha256RSA", certificate.SignatureAlgorithm.FriendlyName);
        Assert.Equal(RunningTenant.Start.AddYears(3), DateTimeOffset.Parse(added.Text("endDateTime")!, System.Globalization.CultureInfo.InvariantCulture));

        var reply = await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{app.Id()}");
        var read = reply.ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal(added.Text("thumbprint"), read.Text("preferredTokenSigningKeyThumbprint"));
        var credentials = read.GetProperty("keyCredentials").EnumerateArray().ToList();
        Assert.All(credentials, c => Assert.Equal(added.Text("keyId"), c.Text("keyId")));
        Assert.Equal(added.Text("key"), Assert.Single(credentials, c => c.Text("usage") == "Verify").Text("key"));
        Assert.Null(Assert.Single(credentials, c => c.Text("usage") == "Sign").Text("key"));
        Assert.DoesNotContain("PRIVATE KEY", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("idbp1:", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task patching_the_preferred_thumbprint_rolls_over_to_another_certificate()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        var first = await tenant.AddCertificateAsync(app.Id());
        var second = await tenant.AddCertificateAsync(app.Id(), new { displayName = "CN=Microsoft Azure Federated SSO Certificate", endDateTime = "2027-06-01T00:00:00Z" });
        Assert.Equal(first.Text("thumbprint"), (await GetAppAsync(app.Id())).Text("preferredTokenSigningKeyThumbprint"));

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { preferredTokenSigningKeyThumbprint = second.Text("thumbprint") })).ShouldBe(HttpStatusCode.NoContent);

        var read = await GetAppAsync(app.Id());
        Assert.Equal(second.Text("thumbprint"), read.Text("preferredTokenSigningKeyThumbprint"));
        Assert.Equal(4, read.GetProperty("keyCredentials").GetArrayLength());
        Assert.Equal("2027-06-01T00:00:00Z", read.GetProperty("keyCredentials").EnumerateArray()
            .First(c => c.Text("keyId") == second.Text("keyId")).Text("endDateTime"));
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { preferredTokenSigningKeyThumbprint = "00112233445566778899AABBCCDDEEFF00112233" }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Equal(second.Text("thumbprint"), (await GetAppAsync(app.Id())).Text("preferredTokenSigningKeyThumbprint"));
    }

    [Fact]
    public async Task bad_requests_to_add_a_certificate_are_refused_with_graphs_error()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        var path = $"/v1.0/servicePrincipals/{app.Id()}/addTokenSigningCertificate";

        var message = (await tenant.Admin.PostAsync(path, new { displayName = "CN=Too long", endDateTime = RunningTenant.Start.AddYears(3).AddDays(1) }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Contains("3 years", message);
        (await tenant.Admin.PostAsync(path, new { endDateTime = "next spring" })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync(path, new { endDateTime = RunningTenant.Start.AddDays(-1) })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync(path, new { displayName = "Not a subject" })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync(path, new { displayName = "CN=\"unterminated" })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync(path, new { displayName = 42 })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{Guid.NewGuid()}/addTokenSigningCertificate", new { displayName = "CN=x" }))
            .ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await tenant.Reader.PostAsync(path, new { displayName = "CN=x" })).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        Assert.Equal(0, (await GetAppAsync(app.Id())).GetProperty("keyCredentials").GetArrayLength());
    }

    [Fact]
    public async Task private_keys_in_the_store_are_encrypted_not_readable_pem()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        await tenant.AddCertificateAsync(app.Id());

        var rows = (await tenant.App.Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.TokenSigningCertificate,
            Query = Storage.Queries.EncodedQuery.Where("service_principal", app.Id().Replace("-", "")),
        })).Rows;

        var stored = Assert.Single(rows)["private_key"];
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain("PRIVATE KEY", stored);
        Assert.DoesNotContain("MII", stored![..Math.Min(stored.Length, 40)]);
        Assert.Throws<ArgumentException>(() => System.Security.Cryptography.RSA.Create().ImportFromPem(stored));
    }
}

public sealed class FederationMetadataTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private static X509Certificate2 Certificate(JsonElement selfSigned) =>
        X509CertificateLoader.LoadCertificate(Convert.FromBase64String(selfSigned.Text("key")!));

    private static bool SignatureVerifies(string xml, X509Certificate2 certificate)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(xml);
        var signature = (XmlElement)document.DocumentElement!.FirstChild!;
        Assert.Equal("Signature", signature.LocalName);
        var signed = new SignedXml(document.DocumentElement);
        signed.LoadXml(signature);
        return signed.CheckSignature(certificate, true);
    }

    [Fact]
    public async Task app_metadata_lists_both_certificates_during_a_rollover_and_is_signed_by_the_active_one()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        using var active = Certificate(await tenant.AddCertificateAsync(app.Id()));
        using var next = Certificate(await tenant.AddCertificateAsync(app.Id()));

        using var response = await tenant.Http.GetAsync(tenant.MetadataPath(app.Text("appId")));
        var xml = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metadata = new MetadataReader(tenant.Clock).Read(xml);
        Assert.Equal($"https://sts.windows.net/{tenant.App.TenantId}/", metadata.EntityId);
        var idp = metadata.RequireIdentityProvider();
        Assert.Equal([active.Thumbprint, next.Thumbprint], idp.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Equal($"{tenant.BaseUrl}/{tenant.App.TenantId}/saml2", idp.PreferredSingleSignOnService!.Location);
        Assert.True(SignatureVerifies(xml, active));
        Assert.False(SignatureVerifies(xml, next));
        var document = new XmlDocument { XmlResolver = null };
        document.LoadXml(xml);
        Assert.StartsWith("_", document.DocumentElement!.GetAttribute("ID"));

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { preferredTokenSigningKeyThumbprint = next.Thumbprint })).ShouldBe(HttpStatusCode.NoContent);
        var after = await tenant.Http.GetStringAsync(
            $"/{tenant.App.TenantId}/FederationMetadata/2007-06/FederationMetadata.xml?appid={app.Text("appId")}");
        Assert.Equal([next.Thumbprint, active.Thumbprint],
            new MetadataReader(tenant.Clock).Read(after).RequireIdentityProvider().SigningCertificates.Select(c => c.Thumbprint));
        Assert.True(SignatureVerifies(after, next));
    }

    [Fact]
    public async Task metadata_for_an_unknown_app_or_an_app_without_a_certificate_is_not_found()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");

        using var unknown = await tenant.Http.GetAsync(tenant.MetadataPath(Guid.NewGuid().ToString()));
        using var withoutCertificate = await tenant.Http.GetAsync(tenant.MetadataPath(app.Text("appId")));
        using var notAnId = await tenant.Http.GetAsync(tenant.MetadataPath("servicenow"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withoutCertificate.StatusCode);
        Assert.Contains("addTokenSigningCertificate", await withoutCertificate.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }

    [Fact]
    public async Task tenant_metadata_without_appid_is_signed_with_the_tenant_wide_key()
    {
        using var response = await tenant.Http.GetAsync(tenant.MetadataPath());
        var xml = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var idp = new MetadataReader(tenant.Clock).Read(xml).RequireIdentityProvider();
        var tenantKey = tenant.App.Tokens.Keys.Current.Certificate;
        Assert.Equal(tenantKey.Thumbprint, idp.SigningCertificates[0].Thumbprint);
        Assert.True(SignatureVerifies(xml, tenantKey));
    }
}
