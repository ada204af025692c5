using System.Globalization;
using IdentityBridge.Storage.Records;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// One saml2_update1_properties record as the sign-in code reads it: typed accessors for the settings it acts on,
/// and <see cref="Values"/> for everything else exactly as stored.
/// </summary>
public sealed record IdentityProviderRecord(IReadOnlyDictionary<string, string?> Values)
{
    public static IdentityProviderRecord From(RecordRow row) => new(new Dictionary<string, string?>(row.Values, StringComparer.Ordinal));

    public string SysId => Values["sys_id"]!;
    public string Name => Text("name") ?? "";
    /// <summary>The provider's entity id, compared exactly with a response's Issuer.</summary>
    public string EntityId => Text("idp") ?? "";
    public bool Active => Flag("active");
    public bool IsDefault => Flag("default");
    public bool IsPrimary => Flag("is_primary");
    public bool ShowAsLoginOption => Flag("show_as_login_option");
    /// <summary>The sys_user column the NameID is matched against (spec/servicenow.md 5.2, User Field).</summary>
    public string UserField => Text("user_field") ?? "email";
    public string? NameIdAttribute => Text("nameid_attribute");
    public string? AuthnRequestUrl => Text("idp_authnrequest_url");
    public string? LogoutUrl => Text("idp_logout_url");
    public string? ServiceUrl => Text("service_url");
    /// <summary>Our entity id as this provider knows it.</summary>
    public string? Issuer => Text("issuer");
    public string? Audience => Text("audience");
    public string? NameIdPolicy => Text("nameid_policy");
    public bool AutoProvision => Flag("auto_provision");
    public bool AutoUpdateUser => Flag("auto_update_user");
    public bool AllowSha1 => Flag("allow_sha1");
    public bool ForceAuthn => Flag("force_authn");
    public bool IsPassive => Flag("is_passive");
    public string? ExternalLogoutRedirect => Text("external_logout_redirect");
    /// <summary>Seconds; null when the record leaves it to the global property.</summary>
    public int? ClockSkewSeconds =>
        int.TryParse(Text("clock_skew"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
    public string? LastTestResult => Text("last_test_result");
    /// <summary>The sys_ids of the trusted signing certificates, in the order the record lists them.</summary>
    public IReadOnlyList<string> CertificateIds => SplitIds(Text("x509_cert"));
    public AttributeMap AttributeMap => AttributeMap.Parse(Text("user_attribute_map")).Map;

    public string? Text(string field) => Values.GetValueOrDefault(field) is { Length: > 0 } value ? value : null;

    private bool Flag(string field) => Values.GetValueOrDefault(field) == "true";

    public static IReadOnlyList<string> SplitIds(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(id => id.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
}
