using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>A sys_certificate row a signing certificate from metadata is kept in.</summary>
/// <param name="SysId">The row.</param>
/// <param name="Name">Its name, for log messages.</param>
/// <param name="Created">True when the row was inserted for this certificate.</param>
/// <param name="Reactivated">True when an existing inactive row was made active again.</param>
public sealed record MetadataCertificate(string SysId, string Name, bool Created, bool Reactivated);

/// <summary>
/// The sys_certificate rows behind metadata's signing certificates: one trust-store PEM row per certificate, found
/// again by its SHA-256 fingerprint so that an import or a refresh never stores the same certificate twice.
/// </summary>
public sealed class MetadataCertificates(Store store)
{
    /// <summary>The SHA-256 fingerprint as sys_certificate.sha256_fingerprint holds it: upper-case hex, no separators.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexString(SHA256.HashData(certificate.RawData));

    /// <summary>
    /// The active row holding <paramref name="certificate"/>: an existing one with the same fingerprint (made active
    /// again if it was not, since the provider lists it as signing now), or a new one named <paramref name="name"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store refused the row; the values are ours, so that is a bug.</exception>
    public async Task<MetadataCertificate> EnsureAsync(X509Certificate2 certificate, string name, string description, string actor,
        CancellationToken cancellationToken)
    {
        var fingerprint = Fingerprint(certificate);
        var existing = await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = EncodedQuery.Where("sha256_fingerprint", fingerprint),
            Limit = 20,
        }, cancellationToken);
        // An admin may have added the same certificate twice; an active row is the one to reuse.
        var match = existing.Rows.FirstOrDefault(r => r["active"] == "true") ?? existing.Rows.FirstOrDefault();
        if (match is not null)
        {
            if (match["active"] == "true") return new MetadataCertificate(match.SysId, match["name"] ?? "", false, false);
            await SetActiveAsync(match.SysId, true, actor, cancellationToken);
            return new MetadataCertificate(match.SysId, match["name"] ?? "", false, true);
        }

        var (parsed, error) = CertificateText.Parse(PemEncoding.WriteString("CERTIFICATE", certificate.RawData));
        if (parsed is null) throw new InvalidOperationException("A certificate read from metadata does not parse again: " + error);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["name"] = Cut(name, 100),
            ["short_description"] = Cut(description, 1000),
            ["format"] = "pem",
            ["type"] = "trust_store",
            ["active"] = "true",
        };
        using (parsed.Certificate)
            foreach (var (field, value) in parsed.DerivedFields) values[field] = value;
        var written = await store.InsertAsync(Table, values, new WriteOptions(actor), cancellationToken);
        if (written.Error is { } refused)
            throw new InvalidOperationException($"The certificate {fingerprint} could not be stored: {refused.Message} {refused.Detail}");
        return new MetadataCertificate(written.Row!.SysId, values["name"]!, true, false);
    }

    /// <summary>Undoes <see cref="EnsureAsync"/>: removes a row it created, deactivates one it reactivated.</summary>
    public async Task UndoAsync(MetadataCertificate certificate, string actor, CancellationToken cancellationToken)
    {
        if (certificate.Created) await store.DeleteAsync(Table, certificate.SysId, cancellationToken);
        else if (certificate.Reactivated) await SetActiveAsync(certificate.SysId, false, actor, cancellationToken);
    }

    /// <summary>The rows of <paramref name="sysIds"/> that exist, in that order.</summary>
    public async Task<IReadOnlyList<RecordRow>> GetAsync(IEnumerable<string> sysIds, CancellationToken cancellationToken)
    {
        var rows = new List<RecordRow>();
        foreach (var id in sysIds)
            if (SysIds.IsSysId(id) && await store.GetAsync(Table, id, cancellationToken: cancellationToken) is { } row)
                rows.Add(row);
        return rows;
    }

    public async Task SetActiveAsync(string sysId, bool active, string actor, CancellationToken cancellationToken) =>
        await store.UpdateAsync(Table, sysId, new Dictionary<string, string?> { ["active"] = active ? "true" : "false" },
            new WriteOptions(actor), cancellationToken);

    /// <summary>A name that says whose certificate it is and when it expires, as an admin scans the list for a rollover.</summary>
    public static string NameFor(string providerName, X509Certificate2 certificate)
    {
        var expires = certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var suffix = $" signing, expires {expires} ({Fingerprint(certificate)[..8]})";
        return Cut(providerName, 100 - suffix.Length) + suffix;
    }

    private static string Cut(string value, int max) => value.Length > max ? value[..Math.Max(0, max)] : value;

    private TableDefinition Table => store.Tables.Find(SsoTables.Certificate)!;
}
