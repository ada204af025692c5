using System.Security.Cryptography;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// sys_certificate: the PEM an admin pastes is parsed on every write and describes itself (validity, subject,
/// issuer, serial, fingerprints); text that is not exactly one certificate is refused with ServiceNow's message.
/// </summary>
public abstract class CertificateTests(RunningInstance instance)
{
    [BackendFact]
    public async Task inserted_certificate_is_described_by_fields_derived_from_its_pem()
    {
        using var certificate = TestCertificates.Create("idp.example.org", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2027, 1, 1, 12, 30, 0, TimeSpan.Zero));

        var created = await instance.CreateAsync("sys_certificate", new
        {
            name = instance.NewScope() + "Entra signing",
            pem_certificate = TestCertificates.Pem(certificate),
            subject = "CN=typed by hand",
        });

        Assert.Equal("pem", created.Text("format"));
        Assert.Equal("trust_store", created.Text("type"));
        Assert.Equal("true", created.Text("active"));
        Assert.Equal("2025-01-01 00:00:00", created.Text("valid_from"));
        Assert.Equal("2027-01-01 12:30:00", created.Text("expires"));
        Assert.Equal("CN=idp.example.org", created.Text("subject"));
        Assert.Equal("CN=idp.example.org", created.Text("issuer"));
        Assert.Equal(certificate.SerialNumber, created.Text("serial_number"));
        Assert.Equal(Convert.ToHexString(SHA1.HashData(certificate.RawData)), created.Text("sha1_fingerprint"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), created.Text("sha256_fingerprint"));
    }

    [BackendFact]
    public async Task bare_base64_is_accepted_and_stored_as_pem()
    {
        using var certificate = TestCertificates.Current("base64.example.org");

        var created = await instance.CreateAsync("sys_certificate", new
        {
            name = instance.NewScope() + "pasted",
            pem_certificate = Convert.ToBase64String(certificate.RawData),
        });

        Assert.StartsWith("-----BEGIN CERTIFICATE-----", created.Text("pem_certificate"));
        Assert.Equal("CN=base64.example.org", created.Text("subject"));
    }

    [BackendFact]
    public async Task replacing_the_pem_replaces_the_derived_fields()
    {
        using var first = TestCertificates.Current("old.example.org");
        using var second = TestCertificates.Current("new.example.org");
        var id = await instance.CreateCertificateAsync(instance.NewScope() + "rolled", first);

        var updated = await instance.Admin.PatchAsync($"/api/now/table/sys_certificate/{id}", new { pem_certificate = TestCertificates.Pem(second) });

        Assert.Equal("CN=new.example.org", updated.ShouldBe(HttpStatusCode.OK).Result.Text("subject"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(second.RawData)), updated.Result.Text("sha256_fingerprint"));
    }

    [BackendFact]
    public async Task text_that_is_not_a_certificate_is_refused()
    {
        var reply = await instance.Admin.PostAsync("/api/now/table/sys_certificate",
            new { name = instance.NewScope() + "garbage", pem_certificate = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----" });

        var message = reply.ShouldBe(HttpStatusCode.BadRequest).Json.GetProperty("error").Text("message");
        var detail = reply.Json.GetProperty("error").Text("detail");
        Assert.StartsWith("Could not parse certificate: the data is not an X.509 certificate", message);
        Assert.Contains("one X.509 certificate", detail);
    }

    [BackendFact]
    public async Task two_certificates_in_one_record_are_refused()
    {
        using var first = TestCertificates.Current("one.example.org");
        using var second = TestCertificates.Current("two.example.org");

        var reply = await instance.Admin.PostAsync("/api/now/table/sys_certificate",
            new { name = instance.NewScope() + "bundle", pem_certificate = TestCertificates.Pem(first) + "\n" + TestCertificates.Pem(second) });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Could not parse certificate: the text holds 2 certificates; add each as its own record");
    }

    [BackendFact]
    public async Task a_private_key_is_refused()
    {
        using var key = RSA.Create(2048);

        var reply = await instance.Admin.PostAsync("/api/now/table/sys_certificate",
            new { name = instance.NewScope() + "key", pem_certificate = key.ExportPkcs8PrivateKeyPem() });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Could not parse certificate: the text holds a PRIVATE KEY block; paste one certificate and nothing else");
    }

    [BackendFact]
    public async Task a_certificate_without_pem_is_refused()
    {
        var reply = await instance.Admin.PostAsync("/api/now/table/sys_certificate", new { name = instance.NewScope() + "empty" });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Could not parse certificate: the PEM certificate is empty");
    }
}

public sealed class CertificateTestsOnSqlite(SqliteInstance instance) : CertificateTests(instance), IClassFixture<SqliteInstance>;

public sealed class CertificateTestsOnPostgres(PostgresInstance instance) : CertificateTests(instance), IClassFixture<PostgresInstance>;
