using System.Security.Cryptography;
using IdentityBridge.Saml.Metadata;

namespace IdentityBridge.Instance.Tests.Sso.Metadata;

/// <summary>
/// Import Identity Provider Metadata (spec/servicenow.md 5.2): a record written with a Metadata URL, or with metadata
/// XML, is filled from the metadata and gets its signing certificates; metadata that cannot be used refuses the write
/// with a message that says what to check, and leaves nothing behind.
/// </summary>
public abstract class MetadataImportTests(RunningInstance instance)
{
    private const string Table = "/api/now/table/saml2_update1_properties";
    private const string Redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

    private static string Fingerprint(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.RawData));

    private async Task<JsonElement> CertificateAsync(string sysId) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_certificate/{sysId}")).ShouldBe(HttpStatusCode.OK).Result;

    private static IReadOnlyList<string> Linked(JsonElement record) =>
        (record.Text("x509_cert") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    [BackendFact]
    public async Task importing_by_metadata_url_fills_the_record_and_creates_its_signing_certificate()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("entra-signing");
        idp.ServeIdentityProvider(signing);

        var record = await instance.CreateAsync("saml2_update1_properties", new { idp_metadata_url = idp.Url });

        Assert.Equal(idp.EntityId, record.Text("idp"));
        Assert.Equal(idp.EntityId, record.Text("name"));
        Assert.Equal(idp.SignOnUrl, record.Text("idp_authnrequest_url"));
        Assert.Equal(Redirect, record.Text("idp_authnrequest_binding"));
        Assert.Equal(idp.SignOnUrl, record.Text("idp_logout_url"));
        Assert.Equal(Redirect, record.Text("idp_logout_binding"));
        Assert.Equal(idp.Url, record.Text("idp_metadata_url"));
        Assert.False(string.IsNullOrEmpty(record.Text("metadata_refreshed_on")));
        var certificate = await CertificateAsync(Assert.Single(Linked(record)));
        Assert.Equal("trust_store", certificate.Text("type"));
        Assert.Equal("pem", certificate.Text("format"));
        Assert.Equal("true", certificate.Text("active"));
        Assert.Equal(Fingerprint(signing), certificate.Text("sha256_fingerprint"));
        Assert.Equal(1, idp.Requests);
    }

    [BackendFact]
    public async Task every_signing_certificate_of_a_rollover_is_imported_and_active()
    {
        await using var idp = MetadataServer.Start();
        using var current = TestCertificates.Current("entra-current");
        using var next = TestCertificates.Current("entra-next");
        idp.ServeIdentityProvider(current, next);

        var record = await instance.CreateAsync("saml2_update1_properties", new { name = instance.NewScope() + "rollover", idp_metadata_url = idp.Url });

        var certificates = await Task.WhenAll(Linked(record).Select(CertificateAsync));
        Assert.Equal([Fingerprint(current), Fingerprint(next)], certificates.Select(c => c.Text("sha256_fingerprint")));
        Assert.All(certificates, c => Assert.Equal("true", c.Text("active")));
    }

    [BackendFact]
    public async Task importing_pasted_metadata_xml_fills_the_record_and_the_xml_is_not_kept()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("pasted-signing");
        var name = instance.NewScope() + "pasted";

        var record = await instance.CreateAsync("saml2_update1_properties", new { name, metadata_xml = idp.IdentityProviderMetadata(signing) });

        Assert.Equal(name, record.Text("name"));
        Assert.Equal(idp.EntityId, record.Text("idp"));
        Assert.Equal(idp.SignOnUrl, record.Text("idp_authnrequest_url"));
        Assert.Equal(Fingerprint(signing), (await CertificateAsync(Assert.Single(Linked(record)))).Text("sha256_fingerprint"));
        Assert.False(record.TryGetProperty("metadata_xml", out _));
        var read = (await instance.Admin.GetAsync($"{Table}/{record.SysId()}")).ShouldBe(HttpStatusCode.OK).Result;
        Assert.False(read.TryGetProperty("metadata_xml", out _));
        Assert.Equal(0, idp.Requests);
    }

    [BackendFact]
    public async Task fields_given_in_the_same_write_win_over_the_metadata()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("explicit-signing");
        idp.ServeIdentityProvider(signing);
        var name = instance.NewScope() + "explicit";

        var record = await instance.CreateAsync("saml2_update1_properties", new
        {
            name,
            idp_metadata_url = idp.Url,
            idp_authnrequest_url = "https://login.example.org/custom-sign-in",
            idp_authnrequest_binding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        });

        Assert.Equal(name, record.Text("name"));
        Assert.Equal("https://login.example.org/custom-sign-in", record.Text("idp_authnrequest_url"));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", record.Text("idp_authnrequest_binding"));
        Assert.Equal(idp.EntityId, record.Text("idp"));
        Assert.Equal(idp.SignOnUrl, record.Text("idp_logout_url"));
    }

    [BackendFact]
    public async Task a_certificate_already_stored_is_linked_rather_than_stored_again()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("known-signing");
        idp.ServeIdentityProvider(signing);
        var existing = await instance.CreateCertificateAsync(instance.NewScope() + "added by hand", signing);

        var record = await instance.CreateAsync("saml2_update1_properties", new { idp_metadata_url = idp.Url });

        Assert.Equal([existing], Linked(record));
        Assert.Equal(1, await instance.CountAsync("sys_certificate", "sha256_fingerprint=" + Fingerprint(signing)));
    }

    [BackendFact]
    public async Task changing_the_metadata_url_imports_the_new_providers_metadata()
    {
        await using var first = MetadataServer.Start();
        await using var second = MetadataServer.Start();
        using var firstSigning = TestCertificates.Current("first-signing");
        using var secondSigning = TestCertificates.Current("second-signing");
        first.ServeIdentityProvider(firstSigning);
        second.ServeIdentityProvider(secondSigning);
        var record = await instance.CreateAsync("saml2_update1_properties", new { name = instance.NewScope() + "moved", idp_metadata_url = first.Url });

        var updated = (await instance.Admin.PatchAsync($"{Table}/{record.SysId()}", new { idp_metadata_url = second.Url }))
            .ShouldBe(HttpStatusCode.OK).Result;

        Assert.Equal(second.EntityId, updated.Text("idp"));
        Assert.Equal(second.SignOnUrl, updated.Text("idp_authnrequest_url"));
        Assert.Equal(Fingerprint(secondSigning), (await CertificateAsync(Assert.Single(Linked(updated)))).Text("sha256_fingerprint"));
    }

    [BackendFact]
    public async Task saving_the_record_again_with_the_same_url_does_not_fetch_again()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("same-url-signing");
        idp.ServeIdentityProvider(signing);
        var record = await instance.CreateAsync("saml2_update1_properties", new { idp_metadata_url = idp.Url });

        (await instance.Admin.PatchAsync($"{Table}/{record.SysId()}", new { idp_metadata_url = idp.Url, clock_skew = "60" }))
            .ShouldBe(HttpStatusCode.OK);

        Assert.Equal(1, idp.Requests);
    }

    [BackendFact]
    public async Task an_unreachable_metadata_url_refuses_the_write_and_creates_nothing()
    {
        var url = MetadataServer.UnreachableUrl();
        var name = instance.NewScope() + "unreachable";
        var certificates = await instance.CountAsync("sys_certificate");

        var reply = await instance.Admin.PostAsync(Table, new { name, idp_metadata_url = url });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, $"Could not import identity provider metadata from {url}");
        Assert.Contains("Could not fetch", detail);
        Assert.Contains("Check the host name", detail);
        Assert.Equal(0, await instance.CountAsync("saml2_update1_properties", "name=" + name));
        Assert.Equal(0, await instance.CountAsync("sso_properties", "name=" + name));
        Assert.Equal(certificates, await instance.CountAsync("sys_certificate"));
    }

    [BackendFact]
    public async Task a_metadata_url_answering_404_refuses_the_write_and_says_to_check_the_url()
    {
        await using var idp = MetadataServer.Start();
        idp.Serve(HttpStatusCode.NotFound, "text/plain", "not here");
        var name = instance.NewScope() + "missing";

        var reply = await instance.Admin.PostAsync(Table, new { name, idp_metadata_url = idp.Url });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, $"Could not import identity provider metadata from {idp.Url}");
        Assert.Contains("HTTP 404", detail);
        Assert.Contains("App Federation Metadata Url", detail);
        Assert.Equal(0, await instance.CountAsync("saml2_update1_properties", "name=" + name));
    }

    [BackendFact]
    public async Task a_url_answering_with_a_web_page_is_refused_as_not_metadata()
    {
        await using var idp = MetadataServer.Start();
        idp.Serve(HttpStatusCode.OK, "text/html", "<!DOCTYPE html><html><body>Sign in to your account</body></html>");
        var name = instance.NewScope() + "sign-in page";

        var reply = await instance.Admin.PostAsync(Table, new { name, idp_metadata_url = idp.Url });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, $"Could not import identity provider metadata from {idp.Url}");
        Assert.Contains("needs no sign-in", detail);
        Assert.Equal(0, await instance.CountAsync("saml2_update1_properties", "name=" + name));
    }

    [BackendFact]
    public async Task service_provider_metadata_is_refused_for_lacking_an_identity_provider_role()
    {
        await using var idp = MetadataServer.Start();
        idp.Serve(HttpStatusCode.OK, "application/xml", MetadataWriter.WriteServiceProvider(new ServiceProviderDescription
        {
            EntityId = "https://instance.example.org",
            AssertionConsumerServiceUrls = ["https://instance.example.org/navpage.do"],
        }));
        var name = instance.NewScope() + "sp metadata";

        var reply = await instance.Admin.PostAsync(Table, new { name, idp_metadata_url = idp.Url });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, $"Could not import identity provider metadata from {idp.Url}");
        Assert.Contains("no IDPSSODescriptor", detail);
        Assert.Equal(0, await instance.CountAsync("saml2_update1_properties", "name=" + name));
    }

    [BackendFact]
    public async Task a_metadata_url_that_is_not_http_is_refused_without_reading_it()
    {
        var reply = await instance.Admin.PostAsync(Table, new { name = instance.NewScope() + "file", idp_metadata_url = "file:///etc/passwd" });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, "Could not import identity provider metadata from file:///etc/passwd");
        Assert.Contains("not an absolute http or https URL", detail);
    }

    [BackendFact]
    public async Task pasted_text_that_is_not_metadata_is_refused()
    {
        var reply = await instance.Admin.PostAsync(Table, new { name = instance.NewScope() + "garbage", metadata_xml = "<html>not metadata</html>" });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, "Could not import identity provider metadata from metadata_xml");
        Assert.Contains("not a SAML 2.0 EntityDescriptor", detail);
    }

    [BackendFact]
    public async Task a_write_the_record_rules_refuse_after_the_import_leaves_no_certificate_behind()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("refused-signing");
        idp.ServeIdentityProvider(signing);
        var name = instance.NewScope() + "active at once";

        // Activation waits for a passed Test Connection, which a new record cannot have.
        var reply = await instance.Admin.PostAsync(Table, new { name, idp_metadata_url = idp.Url, active = "true" });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        Assert.Equal(0, await instance.CountAsync("sys_certificate", "sha256_fingerprint=" + Fingerprint(signing)));
        Assert.Equal(0, await instance.CountAsync("saml2_update1_properties", "name=" + name));
    }

    [BackendFact]
    public async Task a_refresh_time_sent_by_a_client_is_ignored()
    {
        var record = await instance.CreateAsync("saml2_update1_properties", new
        {
            name = instance.NewScope() + "typed time",
            metadata_refreshed_on = "2999-01-01 00:00:00",
        });

        Assert.True(string.IsNullOrEmpty(record.Text("metadata_refreshed_on")));
    }
}

public sealed class MetadataImportTestsOnSqlite(SqliteInstance instance) : MetadataImportTests(instance), IClassFixture<SqliteInstance>;

public sealed class MetadataImportTestsOnPostgres(PostgresInstance instance) : MetadataImportTests(instance), IClassFixture<PostgresInstance>;
