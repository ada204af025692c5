using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Instance.Sso;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso.Metadata;

/// <summary>
/// "Refresh MultiSSO IDP Metadata" (spec/servicenow.md 5.2): records with a Metadata URL are read again once per
/// interval, so that an identity provider's certificate rollover (spec/saml.md 1.8) is picked up without downtime:
/// the new certificate is trusted alongside the old one, and the old one is retired only when the provider drops it.
/// </summary>
public abstract class MetadataRefreshTests(RunningInstance instance)
{
    private const string Table = "/api/now/table/saml2_update1_properties";
    private const string IntervalProperty = "glide.authenticate.multisso.metadata.refresh_interval_hours";

    private MetadataRefresh Refresh => instance.Services.GetRequiredService<MetadataRefresh>();

    private static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData));

    private async Task<JsonElement> RecordAsync(string sysId) =>
        (await instance.Admin.GetAsync($"{Table}/{sysId}")).ShouldBe(HttpStatusCode.OK).Result;

    /// <summary>The record's certificates as fingerprint → active.</summary>
    private async Task<Dictionary<string, string?>> CertificatesAsync(JsonElement record)
    {
        var certificates = new Dictionary<string, string?>();
        foreach (var id in (record.Text("x509_cert") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var row = (await instance.Admin.GetAsync($"/api/now/table/sys_certificate/{id}")).ShouldBe(HttpStatusCode.OK).Result;
            certificates[row.Text("sha256_fingerprint")!] = row.Text("active");
        }
        return certificates;
    }

    /// <summary>The fingerprints of the certificates sign-in would check a response from the provider with.</summary>
    private async Task<IReadOnlyList<string>> TrustedAsync(string entityId)
    {
        var trust = await instance.Services.GetRequiredService<IdentityProviderDirectory>().FindByIssuerAsync(entityId, default);
        return Assert.IsType<IdentityBridge.Saml.Validation.IdentityProviderTrust>(trust).SigningCertificates.Select(Fingerprint).Order().ToList();
    }

    private async Task<MetadataRefreshOutcome?> RefreshDueAsync(JsonElement record) =>
        (await Refresh.RefreshDueAsync(default)).SingleOrDefault(o => o.RecordId == record.SysId());

    private async Task<JsonElement> ImportAsync(MetadataServer idp) =>
        await instance.CreateAsync("saml2_update1_properties", new { name = instance.NewScope() + "entra", idp_metadata_url = idp.Url });

    [BackendFact]
    public async Task refresh_after_the_provider_adds_a_certificate_links_it_and_both_are_trusted()
    {
        await using var idp = MetadataServer.Start();
        using var old = TestCertificates.Current("rollover-old");
        using var next = TestCertificates.Current("rollover-new");
        idp.ServeIdentityProvider(old);
        var record = await ImportAsync(idp);
        idp.ServeIdentityProvider(old, next);
        instance.Clock.Advance(TimeSpan.FromHours(25));

        var outcome = await RefreshDueAsync(record);

        Assert.Equal(MetadataRefreshStatus.Updated, outcome?.Status);
        var certificates = await CertificatesAsync(await RecordAsync(record.SysId()));
        Assert.Equal(new Dictionary<string, string?> { [Fingerprint(old)] = "true", [Fingerprint(next)] = "true" }, certificates);
        Assert.Equal(new[] { Fingerprint(old), Fingerprint(next) }.Order(), await TrustedAsync(idp.EntityId));
        var log = await instance.SyslogAsync($"source=SAML2^messageLIKE{record.SysId()}^messageLIKEadded certificate");
        Assert.Single(log);
    }

    [BackendFact]
    public async Task refresh_after_the_provider_drops_the_old_certificate_deactivates_it_and_keeps_the_new_one()
    {
        await using var idp = MetadataServer.Start();
        using var old = TestCertificates.Current("retired-old");
        using var next = TestCertificates.Current("retired-new");
        idp.ServeIdentityProvider(old, next);
        var record = await ImportAsync(idp);
        idp.ServeIdentityProvider(next);
        instance.Clock.Advance(TimeSpan.FromHours(25));

        var outcome = await RefreshDueAsync(record);

        Assert.Equal(MetadataRefreshStatus.Updated, outcome?.Status);
        var certificates = await CertificatesAsync(await RecordAsync(record.SysId()));
        Assert.Equal(new Dictionary<string, string?> { [Fingerprint(old)] = "false", [Fingerprint(next)] = "true" }, certificates);
        Assert.Equal([Fingerprint(next)], await TrustedAsync(idp.EntityId));
        Assert.Single(await instance.SyslogAsync($"source=SAML2^messageLIKE{record.SysId()}^messageLIKEdeactivated certificate"));
    }

    [BackendFact]
    public async Task a_certificate_is_not_retired_while_no_certificate_the_metadata_lists_is_valid()
    {
        await using var idp = MetadataServer.Start();
        using var current = TestCertificates.Current("kept-current");
        using var expired = TestCertificates.Expired("kept-expired");
        idp.ServeIdentityProvider(current);
        var record = await ImportAsync(idp);
        idp.ServeIdentityProvider(expired);
        instance.Clock.Advance(TimeSpan.FromHours(25));

        await RefreshDueAsync(record);

        Assert.Equal([Fingerprint(current)], await TrustedAsync(idp.EntityId));
        Assert.Single(await instance.SyslogAsync($"source=SAML2^messageLIKE{record.SysId()}^messageLIKEkept certificate"));
    }

    [BackendFact]
    public async Task refresh_follows_a_moved_sign_on_url()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("moved-url");
        idp.ServeIdentityProvider(signing);
        var record = await ImportAsync(idp);
        idp.Serve(HttpStatusCode.OK, "application/xml",
            idp.IdentityProviderMetadata(signing).Replace(idp.SignOnUrl, "https://login.example.net/moved/saml2", StringComparison.Ordinal));
        instance.Clock.Advance(TimeSpan.FromHours(25));

        await RefreshDueAsync(record);

        var refreshed = await RecordAsync(record.SysId());
        Assert.Equal("https://login.example.net/moved/saml2", refreshed.Text("idp_authnrequest_url"));
        Assert.Equal("https://login.example.net/moved/saml2", refreshed.Text("idp_logout_url"));
    }

    [BackendFact]
    public async Task a_failed_refresh_changes_nothing_and_logs_a_warning()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("failed-refresh");
        idp.ServeIdentityProvider(signing);
        var record = await ImportAsync(idp);
        var before = await RecordAsync(record.SysId());
        idp.Serve(HttpStatusCode.ServiceUnavailable, "text/plain", "down for maintenance");
        instance.Clock.Advance(TimeSpan.FromHours(25));

        var outcome = await RefreshDueAsync(record);

        Assert.Equal(MetadataRefreshStatus.Failed, outcome?.Status);
        var after = await RecordAsync(record.SysId());
        Assert.Equal(before.GetRawText(), after.GetRawText());
        Assert.Equal(new Dictionary<string, string?> { [Fingerprint(signing)] = "true" }, await CertificatesAsync(after));
        var warning = Assert.Single(await instance.SyslogAsync($"source=SAML2^level=1^messageLIKE{record.SysId()}"));
        Assert.Contains(idp.Url, warning.Text("message"));
        Assert.Contains("HTTP 503", warning.Text("message"));
    }

    [BackendFact]
    public async Task a_record_is_not_fetched_again_before_its_interval_has_passed()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("interval");
        idp.ServeIdentityProvider(signing);
        var record = await ImportAsync(idp);

        instance.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Null(await RefreshDueAsync(record));
        Assert.Equal(1, idp.Requests);

        instance.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(MetadataRefreshStatus.Unchanged, (await RefreshDueAsync(record))?.Status);
        Assert.Equal(2, idp.Requests);

        // The refresh time is kept on the record: the next pass, on this node or another, waits a full interval again.
        instance.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(await RefreshDueAsync(record));
        Assert.Equal(2, idp.Requests);
    }

    [BackendFact]
    public async Task the_interval_is_taken_from_its_property()
    {
        await using var idp = MetadataServer.Start();
        using var signing = TestCertificates.Current("interval-property");
        idp.ServeIdentityProvider(signing);
        var record = await ImportAsync(idp);
        await instance.SetPropertyAsync(IntervalProperty, "2");
        try
        {
            instance.Clock.Advance(TimeSpan.FromHours(2));

            Assert.Equal(MetadataRefreshStatus.Unchanged, (await RefreshDueAsync(record))?.Status);
            Assert.Equal(2, idp.Requests);
        }
        finally
        {
            await instance.SetPropertyAsync(IntervalProperty, "24");
        }
    }
}

public sealed class MetadataRefreshTestsOnSqlite(SqliteInstance instance) : MetadataRefreshTests(instance), IClassFixture<SqliteInstance>;

public sealed class MetadataRefreshTestsOnPostgres(PostgresInstance instance) : MetadataRefreshTests(instance), IClassFixture<PostgresInstance>;
