using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>
/// An app's verification certificates, "Require verification certificates" and "Allow requests signed with
/// RSA-SHA1" through Graph's <c>samlSingleSignOnSettings</c> and through the service behind
/// <c>idbridge tenant app sso --verification-cert</c>: written, read back, and refused with a message naming the fix.
/// </summary>
public sealed class VerificationCertificateGraphTests(SqliteTenant tenant) : IClassFixture<SqliteTenant>
{
    private const string Property = "samlSingleSignOnSettings.verificationCertificates";

    private X509Certificate2 NewCertificate(string name, int bits = 2048, int daysBefore = 1, int daysAfter = 365)
    {
        using var rsa = RSA.Create(bits);
        var now = tenant.Clock.GetUtcNow();
        return new CertificateRequest("CN=" + name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(now.AddDays(-daysBefore), now.AddDays(daysAfter));
    }

    private static string Key(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);

    private async Task<string> NewAppAsync(string name) =>
        (await tenant.Admin.PostAsync("/v1.0/servicePrincipals", new { appId = Guid.NewGuid(), displayName = tenant.NewScope() + name }))
        .ShouldBe(HttpStatusCode.Created).Body.Id();

    private async Task<JsonElement> SettingsAsync(string id) =>
        (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{id}")).ShouldBe(HttpStatusCode.OK).Body.GetProperty("samlSingleSignOnSettings");

    private Task<GraphReply> PatchAsync(string id, object settings) =>
        tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{id}", new { samlSingleSignOnSettings = settings });

    [Fact]
    public async Task certificates_given_as_pem_are_read_back_with_thumbprint_and_expiry_and_can_be_written_back_and_cleared()
    {
        using var first = NewCertificate("contoso-sp");
        using var second = NewCertificate("contoso-sp-next");
        var id = await NewAppAsync("ServiceNow");

        (await PatchAsync(id, new
        {
            verificationCertificates = new[] { new { key = first.ExportCertificatePem() } },
            requireVerificationCertificates = true,
            allowSha1RequestSignatures = true,
        })).ShouldBe(HttpStatusCode.NoContent);

        var settings = await SettingsAsync(id);
        Assert.True(settings.GetProperty("requireVerificationCertificates").GetBoolean());
        Assert.True(settings.GetProperty("allowSha1RequestSignatures").GetBoolean());
        var listed = settings.GetProperty("verificationCertificates").EnumerateArray().Single();
        Assert.Equal(Key(first), listed.Text("key"));
        Assert.Equal(first.Thumbprint, listed.Text("thumbprint"));
        Assert.Equal(first.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            listed.Text("endDateTime"));

        // What was read can be written back with a new one added (a rollover); other settings stay as they were.
        var rollover = settings.GetProperty("verificationCertificates").EnumerateArray()
            .Select(e => (object)JsonSerializer.Deserialize<Dictionary<string, object?>>(e.GetRawText())!)
            .Append(new { key = Key(second) }).ToArray();
        (await PatchAsync(id, new { verificationCertificates = rollover })).ShouldBe(HttpStatusCode.NoContent);
        settings = await SettingsAsync(id);
        Assert.Equal([first.Thumbprint, second.Thumbprint],
            settings.GetProperty("verificationCertificates").EnumerateArray().Select(e => e.Text("thumbprint")).ToList());
        Assert.True(settings.GetProperty("requireVerificationCertificates").GetBoolean());

        // The IdP sees what Graph wrote.
        var app = (await tenant.App.Services.GetRequiredService<SamlApplications>().GetAsync(id.Replace("-", ""), default))!;
        Assert.Equal([Key(first), Key(second)], app.Settings.VerificationCertificates);

        (await PatchAsync(id, new { verificationCertificates = (object?)null, requireVerificationCertificates = false })).ShouldBe(HttpStatusCode.NoContent);
        settings = await SettingsAsync(id);
        Assert.Empty(settings.GetProperty("verificationCertificates").EnumerateArray());
        Assert.False(settings.GetProperty("requireVerificationCertificates").GetBoolean());
    }

    [Fact]
    public async Task certificates_that_cannot_verify_requests_are_refused_naming_the_property_and_nothing_is_written()
    {
        var id = await NewAppAsync("Refusals");
        using var small = NewCertificate("small", bits: 1024);
        using var expired = NewCertificate("old", daysBefore: 400, daysAfter: -30);
        using var future = NewCertificate("future", daysBefore: -10, daysAfter: 365);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = tenant.Clock.GetUtcNow();
        using var ecCertificate = new CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var good = NewCertificate("good");

        async Task<string> Refused(object settings)
        {
            var message = (await PatchAsync(id, settings)).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
            return message;
        }

        Assert.Contains("is not an X.509 certificate", await Refused(new { verificationCertificates = new[] { new { key = "bm90IGEgY2VydA==" } } }));
        Assert.Contains(Property, await Refused(new { verificationCertificates = new[] { new { key = "not base64 at all" } } }));
        Assert.Contains("1024-bit RSA key", await Refused(new { verificationCertificates = new[] { new { key = Key(small) } } }));
        Assert.Contains("expired on", await Refused(new { verificationCertificates = new[] { new { key = Key(expired) } } }));
        Assert.Contains("is not valid before", await Refused(new { verificationCertificates = new[] { new { key = Key(future) } } }));
        Assert.Contains("has no RSA key", await Refused(new { verificationCertificates = new[] { new { key = Key(ecCertificate) } } }));
        Assert.Contains("listed twice", await Refused(new { verificationCertificates = new[] { new { key = Key(good) }, new { key = good.ExportCertificatePem() } } }));
        Assert.Contains("at most 10", await Refused(new { verificationCertificates = Enumerable.Range(0, 11).Select(_ => new { key = Key(good) }).ToArray() }));
        Assert.Contains("needs at least one", await Refused(new { requireVerificationCertificates = true }));
        Assert.Contains("requireVerificationCertificates", await Refused(new { requireVerificationCertificates = "yes" }));
        Assert.Contains("key", await Refused(new { verificationCertificates = new[] { Key(good) } }));

        var settings = await SettingsAsync(id);
        Assert.Empty(settings.GetProperty("verificationCertificates").EnumerateArray());
        Assert.False(settings.GetProperty("requireVerificationCertificates").GetBoolean());
    }

    [Fact]
    public async Task a_certificate_kept_from_before_may_expire_without_blocking_other_changes()
    {
        var id = await NewAppAsync("Aging");
        using var shortLived = NewCertificate("short");
        (await PatchAsync(id, new { verificationCertificates = new[] { new { key = Key(shortLived) } } })).ShouldBe(HttpStatusCode.NoContent);
        // Time passes: the stored certificate is now one that expired (written as the store keeps it, the clock staying put).
        using var expired = NewCertificate("short", daysBefore: 30, daysAfter: -1);
        var stored = (await tenant.App.Store.GetAsync(IdentityBridge.Tenant.Directory.DirectoryTables.ServicePrincipal, id.Replace("-", "")))!["saml_settings"]!;
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var settingsStored = JsonSerializer.Deserialize<SamlSettings>(stored, web)!;
        Assert.Equal([Key(shortLived)], settingsStored.VerificationCertificates);
        var aged = JsonSerializer.Serialize(settingsStored with { VerificationCertificates = [Key(expired)] }, web);
        await tenant.App.Store.UpdateAsync(IdentityBridge.Tenant.Directory.DirectoryTables.ServicePrincipal, id.Replace("-", ""),
            new Dictionary<string, string?> { ["saml_settings"] = aged }, new IdentityBridge.Storage.Records.WriteOptions("test"));

        (await PatchAsync(id, new { relayState = "/now/nav/ui" })).ShouldBe(HttpStatusCode.NoContent);
        var settings = await SettingsAsync(id);
        Assert.Equal("/now/nav/ui", settings.Text("relayState"));
        Assert.Equal(expired.Thumbprint, settings.GetProperty("verificationCertificates").EnumerateArray().Single().Text("thumbprint"));
    }

    [Fact]
    public async Task the_command_line_service_sets_certificates_from_pem_text_and_says_which_option_to_fix()
    {
        var services = tenant.App.Services;
        var apps = new EnterpriseApps(tenant.App.Directory, services.GetRequiredService<SamlApplications>(),
            services.GetRequiredService<TokenSigningCertificates>(), services.GetRequiredService<DirectoryRoles>(), tenant.Clock);
        var created = await apps.CreateAsync(tenant.NewScope() + "Cli", null, "test", default);
        Assert.True(created.Succeeded, created.Problem);
        using var certificate = NewCertificate("cli-sp");

        var changed = await apps.ChangeSingleSignOnAsync(created.Value!, new SingleSignOnChange
        {
            VerificationCertificates = [certificate.ExportCertificatePem()],
            RequireVerificationCertificates = true,
        }, "test", default);
        Assert.True(changed.Succeeded, changed.Problem);
        Assert.Equal([Key(certificate)], changed.Value!.Settings.VerificationCertificates);
        Assert.True(changed.Value.Settings.RequireVerificationCertificates);
        Assert.False(changed.Value.Settings.AllowSha1RequestSignatures);
        var listed = VerificationCertificates.Describe(changed.Value.Settings).Single();
        Assert.Equal(certificate.Thumbprint, listed.Thumbprint);

        var refused = await apps.ChangeSingleSignOnAsync(changed.Value, new SingleSignOnChange
        {
            VerificationCertificates = ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"],
        }, "test", default);
        Assert.False(refused.Succeeded);
        Assert.StartsWith("--verification-cert: ", refused.Problem);
        Assert.Contains("Certificate 1 is a private key", refused.Problem);
        Assert.DoesNotContain("AAAA", refused.Problem);

        var cleared = await apps.ChangeSingleSignOnAsync(changed.Value, new SingleSignOnChange { VerificationCertificates = [] }, "test", default);
        Assert.False(cleared.Succeeded);
        Assert.Contains("needs at least one", cleared.Problem);
        var off = await apps.ChangeSingleSignOnAsync(changed.Value, new SingleSignOnChange
        {
            VerificationCertificates = [],
            RequireVerificationCertificates = false,
        }, "test", default);
        Assert.True(off.Succeeded, off.Problem);
        Assert.Empty(off.Value!.Settings.VerificationCertificates);
    }
}
