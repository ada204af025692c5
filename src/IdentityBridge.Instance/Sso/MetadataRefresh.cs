using System.Collections.Concurrent;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

public enum MetadataRefreshStatus
{
    /// <summary>The metadata was read and matched the record.</summary>
    Unchanged,
    /// <summary>The metadata was read and the record or its certificates changed.</summary>
    Updated,
    /// <summary>The metadata could not be read or used; the record was left as it was.</summary>
    Failed,
}

/// <summary>What one refresh of one record did: the changes as the syslog row lists them, or the problem.</summary>
public sealed record MetadataRefreshOutcome(string RecordId, string RecordName, MetadataRefreshStatus Status,
    IReadOnlyList<string> Changes, string? Problem);

/// <summary>
/// ServiceNow's scheduled job "Refresh MultiSSO IDP Metadata" (spec/servicenow.md 5.2): every record with a Metadata
/// URL is read again once per interval, so that an identity provider's certificate rollover is picked up without
/// anyone touching the record. Certificates the metadata newly lists are added and linked first; only then are the
/// linked ones it no longer lists deactivated, so during a rollover (both listed, spec/saml.md 1.8) responses signed
/// with either are accepted, and at no point is the record left without an active certificate.
/// </summary>
public sealed class MetadataRefresh(Store store, SystemProperties properties, SystemLog log, MetadataSource source,
    MetadataCertificates certificates, TimeProvider time) : IDisposable
{
    public const string JobName = "Refresh MultiSSO IDP Metadata";
    private const string Actor = "system";

    /// <summary>
    /// How soon a record whose fetch failed is tried again (or the interval, when shorter): the housekeeping runs every
    /// few minutes, and a provider that is down should not fill the log with a warning per run.
    /// </summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim running = new(1, 1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> failedAt = new(StringComparer.Ordinal);

    /// <summary>
    /// Refreshes every record whose last refresh (<c>metadata_refreshed_on</c>) is older than the interval property
    /// <see cref="SystemProperties.MetadataRefreshHours"/>. The time is kept on the record, so a node that restarts, or
    /// a second node, does not fetch everything again.
    /// </summary>
    public async Task<IReadOnlyList<MetadataRefreshOutcome>> RefreshDueAsync(CancellationToken cancellationToken)
    {
        var hours = await properties.GetIntegerAsync(SystemProperties.MetadataRefreshHours, 24, cancellationToken);
        if (hours <= 0) return [];
        // At most ten years: beyond that a TimeSpan added to a date overflows, and the refresh is off in all but name.
        var interval = TimeSpan.FromHours(Math.Min(hours, 87_600));
        // One pass at a time on a node: the housekeeping and a direct call must not both add the same certificate.
        await running.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var outcomes = new List<MetadataRefreshOutcome>();
            foreach (var row in await WithMetadataUrlAsync(cancellationToken))
                if (IsDue(row, interval, now))
                    outcomes.Add(await RefreshRowAsync(row, cancellationToken));
            return outcomes;
        }
        finally
        {
            running.Release();
        }
    }

    private async Task<IReadOnlyList<RecordRow>> WithMetadataUrlAsync(CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = SamlTable,
            Query = EncodedQuery.Parse($"{MetadataImport.UrlField}ISNOTEMPTY^ORDERBY{MetadataImport.RefreshedOnField}"),
            Limit = 10_000,
        }, cancellationToken)).Rows;

    private bool IsDue(RecordRow row, TimeSpan interval, DateTimeOffset now)
    {
        if (GlideDateTimes.TryParse(row[MetadataImport.RefreshedOnField], out var refreshed) && refreshed + interval > now) return false;
        var retry = interval < RetryAfterFailure ? interval : RetryAfterFailure;
        return !(failedAt.TryGetValue(row.SysId, out var failed) && failed + retry > now);
    }

    private async Task<MetadataRefreshOutcome> RefreshRowAsync(RecordRow row, CancellationToken cancellationToken)
    {
        var record = IdentityProviderRecord.From(row);
        var url = row[MetadataImport.UrlField]!.Trim();
        var label = $"identity provider '{record.Name}' ({record.SysId}) from {url}";
        try
        {
            return await RefreshRecordAsync(record, url, label, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One broken record must not stop the others; the next run tries it again.
            failedAt[record.SysId] = time.GetUtcNow();
            await log.WriteAsync(SyslogLevel.Error, SsoLog.Source, $"{JobName}: {label} failed: {e.Message}", cancellationToken);
            return new MetadataRefreshOutcome(record.SysId, record.Name, MetadataRefreshStatus.Failed, [], e.Message);
        }
    }

    private async Task<MetadataRefreshOutcome> RefreshRecordAsync(IdentityProviderRecord record, string url, string label,
        CancellationToken cancellationToken)
    {
        // The record's entity id: metadata that has become another provider's is a failure, not a change to follow.
        var result = await source.FetchAsync(url, record.Text("idp"), cancellationToken);
        if (result.Problem is { } problem)
            return await FailedAsync(record, label, problem.Message, cancellationToken);
        var metadata = result.Metadata!;
        var now = time.GetUtcNow();

        // 1. Every certificate the metadata lists is stored, active, and linked, before anything is retired.
        var linkedIds = record.CertificateIds;
        var linkedRows = await certificates.GetAsync(linkedIds, cancellationToken);
        var changes = new List<string>();
        var listed = new List<MetadataCertificate>();
        foreach (var certificate in metadata.SigningCertificates)
        {
            var kept = await certificates.EnsureAsync(certificate, MetadataCertificates.NameFor(record.Name, certificate),
                $"Signing certificate of {metadata.EntityId}, added by {JobName} from {url}. SHA-256 {MetadataCertificates.Fingerprint(certificate)}.",
                Actor, cancellationToken);
            listed.Add(kept);
            if (!linkedIds.Contains(kept.SysId)) changes.Add($"added certificate '{kept.Name}'");
            else if (kept.Reactivated) changes.Add($"reactivated certificate '{kept.Name}', which the metadata lists again");
        }

        var update = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [MetadataImport.RefreshedOnField] = GlideDateTimes.Format(now),
        };
        var allIds = linkedIds.Concat(listed.Select(c => c.SysId)).Distinct(StringComparer.Ordinal).ToList();
        if (!allIds.SequenceEqual(linkedIds)) update["x509_cert"] = string.Join(",", allIds);
        Endpoint("idp_authnrequest_url", "idp_authnrequest_binding", "AuthnRequest URL",
            metadata.SingleSignOn(record.Text("idp_authnrequest_binding")));
        Endpoint("idp_logout_url", "idp_logout_binding", "SingleLogoutRequest URL",
            metadata.SingleLogout(record.Text("idp_logout_binding")));

        var written = await store.UpdateAsync(SamlTable, record.SysId, update, new WriteOptions(Actor), cancellationToken);
        if (written.Error is not null || written.Row is null)
        {
            foreach (var certificate in listed) await certificates.UndoAsync(certificate, Actor, cancellationToken);
            return await FailedAsync(record, label, $"the record could not be updated ({written.Error?.Message ?? "it is gone"})", cancellationToken);
        }
        failedAt.TryRemove(record.SysId, out _);

        // 2. Only now retire what the provider dropped, and only if something it lists can take over.
        var listedIds = listed.Select(c => c.SysId).ToHashSet(StringComparer.Ordinal);
        var successorValid = metadata.SigningCertificates.Any(c => CertificateText.Unusable(c, now) is null);
        foreach (var row in linkedRows.Where(r => !listedIds.Contains(r.SysId) && r["active"] == "true"))
        {
            if (!successorValid)
                changes.Add($"kept certificate '{row["name"]}' active although the metadata no longer lists it, because no certificate it lists is valid now");
            else if (await OtherUserAsync(row.SysId, record.SysId, cancellationToken) is { } other)
                changes.Add($"kept certificate '{row["name"]}' active although the metadata no longer lists it, because identity provider '{other}' also uses it");
            else
            {
                await certificates.SetActiveAsync(row.SysId, false, Actor, cancellationToken);
                changes.Add($"deactivated certificate '{row["name"]}', which the metadata no longer lists");
            }
        }

        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"{JobName}: {label}: {(changes.Count == 0 ? "no changes" : string.Join("; ", changes))}", cancellationToken);
        return new MetadataRefreshOutcome(record.SysId, record.Name,
            changes.Count == 0 ? MetadataRefreshStatus.Unchanged : MetadataRefreshStatus.Updated, changes, null);

        void Endpoint(string urlField, string bindingField, string what, Saml.Metadata.Endpoint? endpoint)
        {
            // A provider that stops listing an endpoint leaves the record's as the admin set it.
            if (endpoint is null) return;
            if (endpoint.Location != (record.Text(urlField) ?? ""))
            {
                update[urlField] = endpoint.Location;
                changes.Add($"{what} changed from '{record.Text(urlField)}' to '{endpoint.Location}'");
            }
            if (endpoint.Binding != (record.Text(bindingField) ?? "")) update[bindingField] = endpoint.Binding;
        }
    }

    private async Task<MetadataRefreshOutcome> FailedAsync(IdentityProviderRecord record, string label, string problem,
        CancellationToken cancellationToken)
    {
        failedAt[record.SysId] = time.GetUtcNow();
        await log.WriteAsync(SyslogLevel.Warning, SsoLog.Source,
            $"{JobName}: {label} could not be refreshed; the record and its certificates are unchanged. {problem}", cancellationToken);
        return new MetadataRefreshOutcome(record.SysId, record.Name, MetadataRefreshStatus.Failed, [], problem);
    }

    /// <summary>The name of another identity provider that links the certificate, or null.</summary>
    private async Task<string?> OtherUserAsync(string certificateId, string recordId, CancellationToken cancellationToken)
    {
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = SamlTable,
            Query = EncodedQuery.Where("x509_cert", certificateId, QueryOperator.Like),
            Limit = 50,
        }, cancellationToken);
        return rows.Rows.FirstOrDefault(r => r.SysId != recordId && IdentityProviderRecord.SplitIds(r["x509_cert"]).Contains(certificateId))?["name"];
    }

    private TableDefinition SamlTable => store.Tables.Find(SsoTables.Saml)!;

    public void Dispose() => running.Dispose();
}
