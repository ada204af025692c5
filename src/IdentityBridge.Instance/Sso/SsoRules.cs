using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.TableApi;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The business rules of Multi-Provider SSO, around writes through the Table API: certificates parsed and described,
/// identity-provider records checked (unique entity id, fail-closed activation), the Auto Redirect property kept in
/// step with <c>is_primary</c>, the sso_properties parent row mirrored, and authentication properties guarded.
/// </summary>
public sealed class SsoRules(Store store, SystemProperties properties, SystemLog log, TimeProvider time, MetadataImport metadata)
{
    public const int MaxClockSkewSeconds = 3600;

    private static readonly string[] DerivedCertificateFields =
        ["valid_from", "expires", "subject", "issuer", "serial_number", "sha1_fingerprint", "sha256_fingerprint"];

    private static readonly HashSet<string> ParentFields = SsoTables.ParentColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Properties that decide how people sign in; only security_admin changes them, as on ServiceNow.</summary>
    public static bool IsAuthenticationProperty(string? name) =>
        name is not null && (name.StartsWith("glide.authenticate.", StringComparison.OrdinalIgnoreCase) ||
                             name.StartsWith("glide.authentication.", StringComparison.OrdinalIgnoreCase));

    public async Task<ApiError?> BeforeAsync(Caller caller, TableDefinition table, TableOperation operation, RecordRow? current,
        Dictionary<string, string?> values, CancellationToken cancellationToken)
    {
        switch (table.Name)
        {
            case InstanceTables.Properties:
                if ((IsAuthenticationProperty(current?["name"]) || IsAuthenticationProperty(values.GetValueOrDefault("name"))) &&
                    !caller.HoldsOwnRole(Caller.SecurityAdminRole))
                    return ApiError.AclDenied(operation switch
                    {
                        TableOperation.Create => "Insert",
                        TableOperation.Delete => "Delete",
                        _ => "Update",
                    });
                return null;
            case SsoTables.Certificate:
                return operation == TableOperation.Delete ? null : Certificate(operation, values);
            case SsoTables.Saml:
                // Metadata fills the record first, so the record's rules check what will be written.
                return await metadata.BeforeWriteAsync(caller, operation, current, values,
                    () => SamlBeforeAsync(operation, current, values, cancellationToken), cancellationToken);
            case SsoTables.IdentityProvider:
                return await ParentBeforeAsync(operation, current, values, cancellationToken);
            default:
                return null;
        }
    }

    public async Task AfterAsync(TableDefinition table, TableOperation operation, RecordRow? before, RecordRow? after,
        CancellationToken cancellationToken)
    {
        switch (table.Name)
        {
            case SsoTables.Saml:
                await SamlAfterAsync(operation, before, after, cancellationToken);
                break;
            case SsoTables.IdentityProvider when IsSamlParent(before ?? after):
                await ParentAfterAsync(operation, before, after, cancellationToken);
                break;
        }
    }

    /// <summary>A write to the parent row of a SAML record is a write to the record.</summary>
    private async Task ParentAfterAsync(TableOperation operation, RecordRow? before, RecordRow? after, CancellationToken cancellationToken)
    {
        var child = SamlTable;
        var id = (before ?? after)!.SysId;
        var childBefore = await store.GetAsync(child, id, cancellationToken: cancellationToken);
        if (childBefore is null) return;
        if (operation == TableOperation.Delete)
        {
            await store.DeleteAsync(child, id, cancellationToken);
            await SamlAfterAsync(TableOperation.Delete, childBefore, null, cancellationToken);
            return;
        }
        var changes = after!.Values.Where(v => ParentFields.Contains(v.Key) && v.Key != "sys_class_name")
            .ToDictionary(v => v.Key, v => (string?)(v.Value ?? ""));
        var actor = after["sys_updated_by"] ?? "system";
        var written = await store.UpdateAsync(child, id, changes, new WriteOptions(actor), cancellationToken);
        if (written.Row is not null) await SamlAfterAsync(TableOperation.Write, childBefore, written.Row, cancellationToken);
    }

    // ---- certificates ---------------------------------------------------------------------------------------

    private static ApiError? Certificate(TableOperation operation, Dictionary<string, string?> values)
    {
        // Derived from the certificate alone: what a client sends for them would describe another certificate.
        foreach (var field in DerivedCertificateFields) values.Remove(field);
        if (operation != TableOperation.Create && !values.ContainsKey("pem_certificate")) return null;
        var (parsed, error) = CertificateText.Parse(values.GetValueOrDefault("pem_certificate"));
        if (parsed is null) return ApiError.BadRequest("Could not parse certificate: " + error,
            "pem_certificate takes one X.509 certificate in PEM (-----BEGIN CERTIFICATE-----) or base64");
        using (parsed.Certificate)
            foreach (var (field, value) in parsed.DerivedFields) values[field] = value;
        return null;
    }

    // ---- identity-provider records ---------------------------------------------------------------------------

    private async Task<ApiError?> ParentBeforeAsync(TableOperation operation, RecordRow? current, Dictionary<string, string?> values,
        CancellationToken cancellationToken)
    {
        if (operation == TableOperation.Create)
        {
            if (values.GetValueOrDefault("sys_class_name") is { Length: > 0 } cls && cls != SsoTables.IdentityProvider)
                return ApiError.BadRequest("Invalid value for field: sys_class_name",
                    $"Create a {cls} identity provider in the table {cls}; its sso_properties row follows by itself");
            values["sys_class_name"] = SsoTables.IdentityProvider;
            return null;
        }
        values.Remove("sys_class_name");
        if (operation == TableOperation.Delete || current?["sys_class_name"] != SsoTables.Saml) return null;
        var child = await store.GetAsync(SamlTable, current.SysId, cancellationToken: cancellationToken);
        if (child is null) return null;
        // Only the parent's fields pass through the parent, and they meet the record's own rules.
        var childValues = values.Where(v => ParentFields.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        return await SamlBeforeAsync(TableOperation.Write, child, childValues, cancellationToken);
    }

    private async Task<ApiError?> SamlBeforeAsync(TableOperation operation, RecordRow? current, Dictionary<string, string?> values,
        CancellationToken cancellationToken)
    {
        if (operation == TableOperation.Delete) return null;
        // Written by Test Connection only: a result typed in would make the mandatory test meaningless.
        values.Remove("last_test_result");
        values.Remove("last_test_on");
        values.Remove("last_test_log");
        if (operation == TableOperation.Create) values["sys_class_name"] = SsoTables.Saml;
        else values.Remove("sys_class_name");

        string? Merged(string field) => values.TryGetValue(field, out var v) ? v : current?[field];

        if (values.TryGetValue("idp", out var idp) && !string.IsNullOrEmpty(idp))
        {
            if (idp.Trim() != idp)
                return ApiError.BadRequest("Invalid value for field: idp",
                    "The Identity Provider URL (entity id) is compared exactly with a response's Issuer; remove the surrounding spaces");
            var others = await store.QueryAsync(new RecordQuery { Table = SamlTable, Query = EncodedQuery.Where("idp", idp), Limit = 5 }, cancellationToken);
            var clash = others.Rows.FirstOrDefault(r => r.SysId != current?.SysId);
            if (clash is not null)
                return ApiError.BadRequest("Invalid value for field: idp",
                    $"The Identity Provider URL '{idp}' is already used by identity provider '{clash["name"]}' ({clash.SysId}); each identity provider needs its own entity id");
        }
        if (values.TryGetValue("clock_skew", out var skew) && !string.IsNullOrWhiteSpace(skew) &&
            (!int.TryParse(skew.Trim(), out var seconds) || seconds < 0 || seconds > MaxClockSkewSeconds))
            return ApiError.BadRequest("Invalid value for field: clock_skew",
                $"Clock Skew is a number of seconds from 0 to {MaxClockSkewSeconds}; leave it empty to use {SystemProperties.SamlClockSkew}");
        if (values.TryGetValue("user_field", out var userField) && !string.IsNullOrEmpty(userField) && !AttributeMap.IsMappable(userField))
            return ApiError.BadRequest("Invalid value for field: user_field",
                $"'{userField}' is not a sys_user field users can be found by; use email or user_name");
        if (values.TryGetValue("user_attribute_map", out var map) && AttributeMap.Parse(map).Error is { } mapError)
            return ApiError.BadRequest("Invalid value for field: user_attribute_map", mapError);
        if (values.TryGetValue("x509_cert", out var certificates))
        {
            var ids = IdentityProviderRecord.SplitIds(certificates);
            foreach (var id in ids)
                if (!SysIds.IsSysId(id) || await store.GetAsync(CertificateTable, id, [TableDefinition.SysId], cancellationToken: cancellationToken) is null)
                    return ApiError.BadRequest("Invalid value for field: x509_cert",
                        $"'{id}' is not the sys_id of a sys_certificate record; x509_cert is a comma-separated list of them");
            values["x509_cert"] = string.Join(",", ids);
        }

        var wasActive = current?["active"] == "true";
        var willBeActive = IsTrue(Merged("active"));
        if (!willBeActive || (wasActive && !values.ContainsKey("x509_cert") && !values.ContainsKey("idp"))) return null;

        // Fail-closed: an active record without a key it can check signatures with must never exist.
        if (string.IsNullOrEmpty(Merged("idp")))
            return ApiError.BadRequest("Invalid value for field: active",
                "An identity provider needs its Identity Provider URL (idp, the entity id its responses are issued by) before it can be active");
        var usable = 0;
        var problems = new List<string>();
        foreach (var id in IdentityProviderRecord.SplitIds(Merged("x509_cert")))
        {
            var row = SysIds.IsSysId(id) ? await store.GetAsync(CertificateTable, id, cancellationToken: cancellationToken) : null;
            if (row is null) continue;
            if (row["active"] != "true")
            {
                problems.Add($"'{row["name"]}' is inactive");
                continue;
            }
            var (parsed, error) = CertificateText.Parse(row["pem_certificate"]);
            if (parsed is null)
            {
                problems.Add($"'{row["name"]}' does not parse ({error})");
                continue;
            }
            using (parsed.Certificate)
            {
                if (CertificateText.Unusable(parsed.Certificate, time.GetUtcNow()) is { } reason) problems.Add($"'{row["name"]}' is not valid now ({reason})");
                else usable++;
            }
        }
        if (usable == 0)
            return ApiError.BadRequest("Invalid value for field: active",
                "An identity provider can be active only with at least one active, unexpired certificate in x509_cert" +
                (problems.Count > 0 ? ": " + string.Join("; ", problems) : ""));
        if (!wasActive && IsTrue(await properties.GetAsync(SystemProperties.TestConnectionMandatory, cancellationToken) ?? "true") &&
            current?["last_test_result"] != "passed")
            return ApiError.BadRequest("Invalid value for field: active",
                "Run Test Connection on this identity provider and activate it after the test passes, or set the property " +
                $"{SystemProperties.TestConnectionMandatory} to false to activate it without a test");
        return null;
    }

    private async Task SamlAfterAsync(TableOperation operation, RecordRow? before, RecordRow? after, CancellationToken cancellationToken)
    {
        var id = (after ?? before)!.SysId;
        await MirrorAsync(operation, id, after, cancellationToken);

        var redirect = await properties.GetAsync(SystemProperties.RedirectIdp, cancellationToken);
        var wasPrimary = before?["is_primary"] == "true";
        var isPrimary = after?["is_primary"] == "true";
        var wasActive = before?["active"] == "true";
        var isActive = after?["active"] == "true";
        if (after is not null && isPrimary && (!wasPrimary || (isActive && !wasActive)))
        {
            // One Auto Redirect IdP: marking this one unmarks the others (KB0759318).
            await properties.SetAsync(SystemProperties.RedirectIdp, id, cancellationToken);
            var others = await store.QueryAsync(new RecordQuery
            {
                Table = SamlTable,
                Query = EncodedQuery.Where("is_primary", "true").And(new QueryCondition(TableDefinition.SysId, QueryOperator.NotEquals, id)),
                Limit = 1000,
            }, cancellationToken);
            foreach (var other in others.Rows)
            {
                var cleared = await store.UpdateAsync(SamlTable, other.SysId, new Dictionary<string, string?> { ["is_primary"] = "false" },
                    new WriteOptions("system"), cancellationToken);
                if (cleared.Row is not null) await MirrorAsync(TableOperation.Write, other.SysId, cleared.Row, cancellationToken);
            }
        }
        else if (redirect == id && (after is null || !isPrimary || !isActive))
            await properties.SetAsync(SystemProperties.RedirectIdp, "", cancellationToken);

        if (after is not null && isActive != wasActive)
            await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
                $"Identity provider '{after["name"]}' ({id}) {(isActive ? "activated" : "deactivated")} by {after["sys_updated_by"]}", cancellationToken);
        else if (after is null && wasActive)
            await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
                $"Active identity provider '{before!["name"]}' ({id}) deleted", cancellationToken);
    }

    /// <summary>Keeps the sso_properties row of a SAML record: same sys_id, the parent's fields, the child's class.</summary>
    private async Task MirrorAsync(TableOperation operation, string id, RecordRow? record, CancellationToken cancellationToken)
    {
        var parent = store.Tables.Find(SsoTables.IdentityProvider)!;
        if (operation == TableOperation.Delete || record is null)
        {
            await store.DeleteAsync(parent, id, cancellationToken);
            return;
        }
        var values = record.Values.Where(v => ParentFields.Contains(v.Key)).ToDictionary(v => v.Key, v => (string?)(v.Value ?? ""), StringComparer.Ordinal);
        values["sys_class_name"] = SsoTables.Saml;
        var actor = record["sys_updated_by"] ?? "system";
        var options = new WriteOptions(actor);
        if (await store.GetAsync(parent, id, [TableDefinition.SysId], cancellationToken: cancellationToken) is null)
        {
            values[TableDefinition.SysId] = id;
            await store.InsertAsync(parent, values, options, cancellationToken);
        }
        else await store.UpdateAsync(parent, id, values, options, cancellationToken);
    }

    private static bool IsSamlParent(RecordRow? row) => row is not null && row["sys_class_name"] == SsoTables.Saml;

    private static bool IsTrue(string? value) => value?.Trim().ToLowerInvariant() is "true" or "1" or "yes";

    private TableDefinition SamlTable => store.Tables.Find(SsoTables.Saml)!;
    private TableDefinition CertificateTable => store.Tables.Find(SsoTables.Certificate)!;
}
