using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.TableApi;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// ServiceNow's "Import Identity Provider Metadata" (spec/servicenow.md 5.2) as part of writing a
/// saml2_update1_properties record: when the write gives a new Metadata URL (<c>idp_metadata_url</c>), or the
/// write-only <c>metadata_xml</c>, the metadata fills the entity id, the sign-on and logout endpoints, the name when
/// empty, and one trust-store certificate per signing key. A field the same write gives explicitly wins. Metadata that
/// cannot be read refuses the whole write; certificates created for a write that is then refused are removed again.
/// </summary>
public sealed class MetadataImport(Store store, MetadataSource source, MetadataCertificates certificates, SystemLog log, TimeProvider time)
{
    /// <summary>Write-only: metadata XML to import. Never stored, so never read back.</summary>
    public const string XmlField = "metadata_xml";

    /// <summary>When the metadata was last read from idp_metadata_url; written by import and refresh only.</summary>
    public const string RefreshedOnField = "metadata_refreshed_on";

    public const string UrlField = "idp_metadata_url";

    private static readonly string[] CheckedFields =
        [UrlField, "idp", "name", "idp_authnrequest_url", "idp_authnrequest_binding", "idp_logout_url", "idp_logout_binding"];

    /// <summary>
    /// Imports metadata into <paramref name="values"/> when the write asks for it, then runs the record's own
    /// <paramref name="rules"/> on the result. Answers the error that refuses the write, or null.
    /// </summary>
    public async Task<ApiError?> BeforeWriteAsync(Caller caller, TableOperation operation, RecordRow? current,
        Dictionary<string, string?> values, Func<Task<ApiError?>> rules, CancellationToken cancellationToken)
    {
        if (operation == TableOperation.Delete) return await rules();
        // Written by the import and the refresh only: a time typed in would postpone the next refresh indefinitely.
        values.Remove(RefreshedOnField);
        values.Remove(XmlField, out var xml);
        if (values.TryGetValue(UrlField, out var givenUrl) && givenUrl is not null) values[UrlField] = givenUrl = givenUrl.Trim();

        var fromXml = !string.IsNullOrWhiteSpace(xml);
        var fromUrl = !fromXml && !string.IsNullOrEmpty(givenUrl) && (current is null || givenUrl != current[UrlField] ||
            string.IsNullOrEmpty(current["idp"]) || string.IsNullOrEmpty(current["idp_authnrequest_url"]) ||
            string.IsNullOrEmpty(current["x509_cert"]));
        if (!fromXml && !fromUrl) return await rules();

        if (TooLong(values) is { } tooLongUrl) return tooLongUrl;
        var where = fromXml ? XmlField : givenUrl!;
        // An explicit entity id picks the entity from an aggregate; re-importing the same URL keeps the record's.
        var entityId = Given(values, "idp") ?? (current is not null && givenUrl == current[UrlField] ? NonEmpty(current["idp"]) : null);
        var result = fromXml ? source.Read(xml!, entityId) : await source.FetchAsync(givenUrl!, entityId, cancellationToken);
        if (result.Problem is { } problem)
            return ApiError.BadRequest($"Could not import identity provider metadata from {where}", problem.Message);
        var metadata = result.Metadata!;

        Fill(metadata, current, values);
        if (TooLong(values) is { } tooLong) return tooLong;
        if (fromUrl) values[RefreshedOnField] = GlideDateTimes.Format(time.GetUtcNow());

        var linked = new List<MetadataCertificate>();
        if (Given(values, "x509_cert") is null)
        {
            var providerName = Given(values, "name") ?? NonEmpty(current?["name"]) ?? metadata.EntityId;
            foreach (var certificate in metadata.SigningCertificates)
                linked.Add(await certificates.EnsureAsync(certificate, MetadataCertificates.NameFor(providerName, certificate),
                    $"Signing certificate of {metadata.EntityId}, imported from its metadata ({where}). " +
                    $"SHA-256 {MetadataCertificates.Fingerprint(certificate)}.", caller.UserName, cancellationToken));
            values["x509_cert"] = string.Join(",", linked.Select(c => c.SysId).Distinct(StringComparer.Ordinal));
        }

        if (await rules() is { } refused)
        {
            foreach (var certificate in linked) await certificates.UndoAsync(certificate, caller.UserName, cancellationToken);
            return refused;
        }
        var added = linked.Count(c => c.Created);
        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"Identity provider metadata of {metadata.EntityId} imported from {where} by {caller.UserName} into " +
            $"'{Given(values, "name") ?? current?["name"]}'{(current is null ? "" : $" ({current.SysId})")}: " +
            $"{metadata.SigningCertificates.Count} signing certificate(s), {added} new", cancellationToken);
        return null;
    }

    /// <summary>Fills what the write does not give itself; on an update, metadata replaces the record's endpoints.</summary>
    private static void Fill(IdentityProviderMetadata metadata, RecordRow? current, Dictionary<string, string?> values)
    {
        if (Given(values, "idp") is null) values["idp"] = metadata.EntityId;
        if (Given(values, "name") is null && NonEmpty(current?["name"]) is null) values["name"] = metadata.EntityId.Length > 100 ? metadata.EntityId[..100] : metadata.EntityId;

        if (Given(values, "idp_authnrequest_url") is null)
        {
            var signOn = metadata.SingleSignOn(Given(values, "idp_authnrequest_binding"));
            values["idp_authnrequest_url"] = signOn.Location;
            if (Given(values, "idp_authnrequest_binding") is null) values["idp_authnrequest_binding"] = signOn.Binding;
        }
        if (Given(values, "idp_logout_url") is null && metadata.SingleLogout(Given(values, "idp_logout_binding")) is { } logout)
        {
            values["idp_logout_url"] = logout.Location;
            if (Given(values, "idp_logout_binding") is null) values["idp_logout_binding"] = logout.Binding;
        }
    }

    // What goes in a field must fit it: the store would refuse the write only after the fetch and the certificates.
    private ApiError? TooLong(Dictionary<string, string?> values)
    {
        var table = store.Tables.Find(SsoTables.Saml)!;
        foreach (var field in CheckedFields)
            if (values.GetValueOrDefault(field) is { } value && table.Column(field) is { } column && value.Length > column.MaxLength)
                return ApiError.BadRequest($"Invalid value for field: {field}",
                    $"The value for {field} is {value.Length} characters long; the field holds {column.MaxLength}. Check the URL and that the metadata is the identity provider's.");
        return null;
    }

    private static string? Given(Dictionary<string, string?> values, string field) => NonEmpty(values.GetValueOrDefault(field));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
