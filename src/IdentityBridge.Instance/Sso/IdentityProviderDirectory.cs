using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The identity-provider records, read from the store on every call (so every node sees a change at once), and
/// the <see cref="IdentityProviderTrust"/> each one means for SAML validation.
/// </summary>
public sealed class IdentityProviderDirectory(Store store, SystemProperties properties, SystemLog log, InstanceUrls urls,
    ServiceProviderKeys keys, TimeProvider time) : IIdentityProviderResolver
{
    private const int MaxIssuerLength = 1000;

    public async ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
        await FindRecordByIssuerAsync(issuer, cancellationToken) is { } record ? await BuildTrustAsync(record, cancellationToken) : null;

    /// <summary>The record whose <c>idp</c> equals the issuer exactly (active or not), or null.</summary>
    public async Task<IdentityProviderRecord?> FindRecordByIssuerAsync(string issuer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(issuer) || issuer.Length > MaxIssuerLength || issuer.Contains('\0')) return null;
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = EncodedQuery.Where("idp", issuer),
            Limit = 10,
            InvalidQueryReturnsNoRows = true,
        }, cancellationToken);
        // The store compares text without regard to case; an entity id is compared exactly (SAML core 8.3.6).
        var match = rows.Rows.FirstOrDefault(r => string.Equals(r["idp"], issuer, StringComparison.Ordinal));
        return match is null ? null : IdentityProviderRecord.From(match);
    }

    public async Task<IdentityProviderRecord?> GetAsync(string sysId, CancellationToken cancellationToken)
    {
        var id = sysId.Trim().ToLowerInvariant();
        if (!SysIds.IsSysId(id)) return null;
        return await store.GetAsync(Table, id, cancellationToken: cancellationToken) is { } row ? IdentityProviderRecord.From(row) : null;
    }

    /// <summary>
    /// Records the outcome of Test Connection on a record, the only way last_test_result is written: activation
    /// waits for a passed test unless glide.authenticate.multisso.test.connection.mandatory is false.
    /// </summary>
    public async Task RecordTestResultAsync(string sysId, bool passed, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(Table, sysId, new Dictionary<string, string?>
        {
            ["last_test_result"] = passed ? "passed" : "failed",
            ["last_test_on"] = GlideDateTimes.Format(time.GetUtcNow()),
        }, new WriteOptions("system"), cancellationToken);
        if (result.Error is { } error) throw new InvalidOperationException($"Could not record the test of {sysId}: {error.Detail}");
        await log.WriteAsync(passed ? SyslogLevel.Information : SyslogLevel.Warning, SsoLog.Source,
            $"Test Connection of identity provider {result.Row!["name"]} ({sysId}) {(passed ? "passed" : "failed")}", cancellationToken);
    }

    /// <summary>The active records, in name order.</summary>
    /// <summary>The steps of the last Test Connection, one per line, for its results page.</summary>
    public async Task RecordTestLogAsync(string sysId, string steps, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(Table, sysId, new Dictionary<string, string?> { ["last_test_log"] = steps },
            new WriteOptions("system"), cancellationToken);
        if (result.Error is { } error) throw new InvalidOperationException($"Could not record the test steps of {sysId}: {error.Detail}");
    }

    public async Task<IReadOnlyList<IdentityProviderRecord>> ActiveAsync(CancellationToken cancellationToken)
    {
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = EncodedQuery.Parse("active=true^ORDERBYname"),
            Limit = 200,
        }, cancellationToken);
        return rows.Rows.Select(IdentityProviderRecord.From).ToList();
    }

    /// <summary>
    /// What validation trusts of one record. Only certificates that are active, parse, and are valid now are
    /// trusted; an expired or not-yet-valid one is skipped with a syslog row, so a rollover keeps working on the
    /// other one and an admin sees why the old one stopped counting.
    /// </summary>
    public async Task<IdentityProviderTrust> BuildTrustAsync(IdentityProviderRecord record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var certificates = new List<X509Certificate2>();
        var certificateTable = store.Tables.Find(SsoTables.Certificate)!;
        foreach (var id in record.CertificateIds)
        {
            if (!SysIds.IsSysId(id)) continue;
            var row = await store.GetAsync(certificateTable, id, cancellationToken: cancellationToken);
            if (row is null || row["active"] != "true") continue;
            var (parsed, error) = Parse(row["pem_certificate"]);
            if (parsed is null)
            {
                await log.WriteAsync(SyslogLevel.Warning, SsoLog.Source,
                    $"Could not parse certificate: {row["name"]} ({id}) of identity provider {record.Name}: {error}", cancellationToken);
                continue;
            }
            if (CertificateText.Unusable(parsed.Certificate, now) is { } reason)
            {
                await log.WriteAsync(SyslogLevel.Warning, SsoLog.Source,
                    $"Certificate {row["name"]} ({id}) of identity provider {record.Name} is not used: {reason}", cancellationToken);
                continue;
            }
            certificates.Add(parsed.Certificate);
        }

        var entityId = record.Issuer ?? urls.PublicBaseUrl;
        var acs = new List<string>();
        foreach (var url in new[] { record.ServiceUrl?.Trim() }.Concat(urls.AssertionConsumerServiceUrls))
            if (!string.IsNullOrEmpty(url) && !acs.Contains(url, StringComparer.Ordinal)) acs.Add(url);
        var skew = record.ClockSkewSeconds ?? await properties.GetIntegerAsync(SystemProperties.SamlClockSkew, 180, cancellationToken);

        return new IdentityProviderTrust
        {
            RecordId = record.SysId,
            EntityId = record.EntityId,
            SigningCertificates = certificates,
            Audience = record.Audience ?? entityId,
            AssertionConsumerServiceUrls = acs,
            AllowSha1 = record.AllowSha1,
            // Encrypt Assertion: the provider encrypts to the key our SP metadata publishes for encryption.
            DecryptionCertificate = record.Text("encrypt_assertion") == "true" ? await keys.SigningCertificateAsync(cancellationToken) : null,
            ClockSkew = TimeSpan.FromSeconds(Math.Clamp(skew, 0, SsoRules.MaxClockSkewSeconds)),
        };
    }

    /// <summary>
    /// Parsed certificates by their PEM text: decoding one costs about as much as checking a signature, and every
    /// response needs the record's. The text is the key, so an edited certificate is parsed afresh.
    /// </summary>
    private (ParsedCertificate? Certificate, string? Error) Parse(string? pem)
    {
        if (pem is not null && _parsed.TryGetValue(pem, out var known)) return (known, null);
        var (parsed, error) = CertificateText.Parse(pem);
        if (parsed is null || pem is null) return (parsed, error);
        if (_parsed.Count >= 256) _parsed.Clear();
        return (_parsed.GetOrAdd(pem, parsed), null);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ParsedCertificate> _parsed = new(StringComparer.Ordinal);

    private TableDefinition Table => store.Tables.Find(SsoTables.Saml)!;
}

/// <summary>The syslog source of Multi-Provider SSO, as ServiceNow names it (spec/servicenow.md 7).</summary>
public static class SsoLog
{
    public const string Source = "SAML2";
}
