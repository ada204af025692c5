using System.Text.Json;
using System.Text.Json.Nodes;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// A service principal's single sign-on settings under their Graph v1.0 names (<c>preferredSingleSignOnMode</c>,
/// <c>loginUrl</c>, <c>logoutUrl</c>, <c>notificationEmailAddresses</c>, <c>info.logoUrl</c>,
/// <c>servicePrincipalNames</c>, <c>replyUrls</c>, <c>samlSingleSignOnSettings</c>): written into a servicePrincipal
/// object, and read from a POST or PATCH body into a <see cref="SamlApplicationUpdate"/>, so that every change goes
/// through <see cref="SamlApplications.UpdateAsync"/> and Entra's rules.
/// </summary>
/// <remarks>
/// Graph v1.0 has no home for most of what the portal's "Set up single sign-on with SAML" page edits: the Reply URL
/// indexes and default, the NameID, the claims list, the group and role claims, and the signing option and algorithm.
/// They ride as extra members of <c>samlSingleSignOnSettings</c> (whose only Graph member is <c>relayState</c>):
/// Graph's client libraries keep members a complex type does not declare as additional data, so a Graph client reads
/// and writes them without breaking, and a client that only knows <c>relayState</c> still works. The extension members
/// are <c>defaultRedirectUri</c>, <c>replyUrlSettings</c> ([{uri, index, isDefault}]), <c>nameIdSource</c>,
/// <c>nameIdFormat</c>, <c>claims</c> ([{name, source}]), <c>groupClaims</c>, <c>roleClaims</c>, <c>signingOption</c>
/// and <c>signingAlgorithm</c>; and the portal's "Verification certificates" as <c>verificationCertificates</c>
/// ([{key, thumbprint, startDateTime, endDateTime}] on read; on write objects with a <c>key</c>, base64 DER or PEM, the
/// other members ignored so that what was read can be written back), <c>requireVerificationCertificates</c> and
/// <c>allowSha1RequestSignatures</c> (Entra keeps these as keyCredentials of usage Verify and the
/// requestSignatureVerification resource). A PATCH of the object changes only the members it names.
/// </remarks>
internal static class SingleSignOnJson
{
    public const string Mode = "preferredSingleSignOnMode";
    public const string LoginUrl = "loginUrl";
    public const string LogoutUrl = "logoutUrl";
    public const string NotificationEmails = "notificationEmailAddresses";
    public const string Info = "info";
    public const string Names = "servicePrincipalNames";
    public const string ReplyUrls = "replyUrls";
    public const string Settings = "samlSingleSignOnSettings";

    /// <summary>The servicePrincipal properties this class reads and writes, in Graph's spelling.</summary>
    public static IReadOnlyList<string> Properties { get; } = [Mode, LoginUrl, LogoutUrl, NotificationEmails, Info, Names, ReplyUrls, Settings];

    /// <summary>The property's Graph spelling when the name is one of <see cref="Properties"/> in any case, else null.</summary>
    public static string? Property(string name) => Properties.FirstOrDefault(p => p.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static readonly (string Wire, GroupClaimKind Kind)[] GroupClaimNames =
        [("none", GroupClaimKind.None), ("securityGroups", GroupClaimKind.SecurityGroups), ("all", GroupClaimKind.All), ("applicationGroups", GroupClaimKind.ApplicationGroups)];

    private static readonly (string Wire, SigningOption Option)[] SigningOptionNames =
        [("assertion", SigningOption.Assertion), ("response", SigningOption.Response), ("responseAndAssertion", SigningOption.ResponseAndAssertion)];

    public static string Wire(GroupClaimKind kind) => GroupClaimNames.First(n => n.Kind == kind).Wire;

    public static string Wire(SigningOption option) => SigningOptionNames.First(n => n.Option == option).Wire;

    public static GroupClaimKind? ParseGroupClaims(string? text) =>
        GroupClaimNames.Where(n => n.Wire.Equals(text, StringComparison.OrdinalIgnoreCase)).Select(n => (GroupClaimKind?)n.Kind).FirstOrDefault();

    public static SigningOption? ParseSigningOption(string? text) =>
        SigningOptionNames.Where(n => n.Wire.Equals(text, StringComparison.OrdinalIgnoreCase)).Select(n => (SigningOption?)n.Option).FirstOrDefault();

    /// <summary>Writes the properties <paramref name="selected"/> lets through.</summary>
    public static void Write(JsonObject json, SamlApplication app, Func<string, bool> selected)
    {
        if (selected(Mode)) json[Mode] = app.PreferredSingleSignOnMode;
        if (selected(LoginUrl)) json[LoginUrl] = app.SignOnUrl;
        if (selected(LogoutUrl)) json[LogoutUrl] = app.LogoutUrl;
        if (selected(NotificationEmails)) json[NotificationEmails] = Strings(app.NotificationEmailAddresses);
        if (selected(Info))
            json[Info] = new JsonObject
            {
                ["logoUrl"] = app.LogoUrl,
                ["marketingUrl"] = null,
                ["privacyStatementUrl"] = null,
                ["supportUrl"] = null,
                ["termsOfServiceUrl"] = null,
            };
        // Entra lists the Identifiers and the app id itself, which also names the app in an AuthnRequest's Issuer.
        if (selected(Names)) json[Names] = Strings([.. app.Identifiers, app.AppId]);
        var replyUrls = app.ReplyUrls.OrderBy(r => r.Index).ToList();
        if (selected(ReplyUrls)) json[ReplyUrls] = Strings(replyUrls.Select(r => r.Uri).ToList());
        if (!selected(Settings)) return;
        var settings = app.Settings;
        json[Settings] = new JsonObject
        {
            ["relayState"] = settings.RelayState,
            ["defaultRedirectUri"] = app.DefaultReplyUrl?.Uri,
            ["replyUrlSettings"] = new JsonArray(replyUrls.Select(r => (JsonNode)new JsonObject
            {
                ["uri"] = r.Uri,
                ["index"] = r.Index,
                ["isDefault"] = r.IsDefault,
            }).ToArray()),
            ["nameIdSource"] = settings.NameIdSource,
            ["nameIdFormat"] = settings.NameIdFormat,
            ["claims"] = new JsonArray(settings.Claims.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["source"] = c.Source,
            }).ToArray()),
            ["groupClaims"] = Wire(settings.GroupClaims),
            ["roleClaims"] = settings.RoleClaims,
            ["signingOption"] = Wire(settings.SigningOption),
            ["signingAlgorithm"] = settings.SigningAlgorithm,
            ["verificationCertificates"] = new JsonArray(VerificationCertificates.Describe(settings).Select(c => (JsonNode)new JsonObject
            {
                ["key"] = c.Key,
                ["thumbprint"] = c.Thumbprint,
                ["startDateTime"] = GraphDate(c.StartDateTime),
                ["endDateTime"] = GraphDate(c.EndDateTime),
            }).ToArray()),
            ["requireVerificationCertificates"] = settings.RequireVerificationCertificates,
            ["allowSha1RequestSignatures"] = settings.AllowSha1RequestSignatures,
        };
    }

    private static string GraphDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonArray Strings(IReadOnlyList<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    /// <summary>
    /// The change a body's single sign-on members ask for, merged over the app's current settings. A member of the
    /// wrong JSON type is Graph's 400 naming it; Entra's rules on the values are <see cref="SamlApplications.Check"/>'s.
    /// </summary>
    public static SamlApplicationUpdate Read(IReadOnlyDictionary<string, JsonElement> members, SamlApplication current)
    {
        var update = new SamlApplicationUpdate();
        List<ReplyUrl>? replyUrls = null;
        foreach (var (name, value) in members)
        {
            switch (name)
            {
                case Mode:
                    update = update with { PreferredSingleSignOnMode = Text(value, Mode) };
                    break;
                case LoginUrl:
                    update = update with { SignOnUrl = Text(value, LoginUrl) };
                    break;
                case LogoutUrl:
                    update = update with { LogoutUrl = Text(value, LogoutUrl) };
                    break;
                case NotificationEmails:
                    update = update with { NotificationEmailAddresses = StringList(value, NotificationEmails) };
                    break;
                case Info:
                    update = update with { LogoUrl = ReadInfo(value) };
                    break;
                case Names:
                    // The app id is listed with the Identifiers but is not one of them.
                    update = update with
                    {
                        Identifiers = StringList(value, Names).Where(n => !n.Equals(current.AppId, StringComparison.OrdinalIgnoreCase)).ToList(),
                    };
                    break;
                case ReplyUrls:
                    replyUrls = StringList(value, ReplyUrls).Select((uri, index) => new ReplyUrl(uri, index, index == 0)).ToList();
                    break;
            }
        }
        if (members.TryGetValue(Settings, out var settingsValue))
        {
            var (settings, replyUrlSettings, defaultUri) = ReadSettings(settingsValue, current.Settings);
            update = update with { Settings = settings };
            if (replyUrlSettings is not null)
            {
                if (replyUrls is not null && !replyUrls.Select(r => r.Uri).Order(StringComparer.Ordinal)
                        .SequenceEqual(replyUrlSettings.Select(r => r.Uri).Order(StringComparer.Ordinal), StringComparer.Ordinal))
                    throw GraphException.BadRequest(
                        $"'{ReplyUrls}' and '{Settings}.replyUrlSettings' name different URLs; give one of them, or the same URLs in both.");
                replyUrls = replyUrlSettings;
            }
            if (defaultUri is { } chosen)
            {
                var list = replyUrls ?? current.ReplyUrls.ToList();
                if (chosen.Length > 0 && !list.Any(r => r.Uri.Equals(chosen, StringComparison.Ordinal)))
                    throw GraphException.BadRequest(
                        $"Invalid value specified for property '{Settings}.defaultRedirectUri': '{chosen}' is not one of the Reply URLs; add it to replyUrls first.");
                replyUrls = list.Select(r => r with { IsDefault = r.Uri.Equals(chosen, StringComparison.Ordinal) }).ToList();
            }
        }
        if (replyUrls is not null) update = update with { ReplyUrls = replyUrls };
        return update;
    }

    /// <summary>The Graph property a refusal of <see cref="SamlApplications"/> names, in this API's spelling.</summary>
    public static string PropertyOf(SamlSettingsProblem problem) => problem.Property switch
    {
        "identifierUris" => Names,
        "claims" => Settings + ".claims",
        _ => problem.Property,
    };

    private static string? ReadInfo(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null) return "";
        if (value.ValueKind != JsonValueKind.Object) throw Invalid(Info);
        string? logo = null;
        foreach (var member in value.EnumerateObject())
        {
            if (member.Name.StartsWith('@')) continue;
            if (member.Name.Equals("logoUrl", StringComparison.OrdinalIgnoreCase)) logo = Text(member.Value, Info + ".logoUrl");
            // The other informational URLs are not kept; naming one with a value would silently lose it.
            else if (member.Value.ValueKind != JsonValueKind.Null)
                throw GraphException.BadRequest($"Property '{Info}.{member.Name}' is not kept by this tenant; only '{Info}.logoUrl' can be set.");
        }
        return logo;
    }

    private static (SamlSettings Settings, List<ReplyUrl>? ReplyUrls, string? DefaultUri) ReadSettings(JsonElement value, SamlSettings current)
    {
        // null resets every setting to what a new app has.
        if (value.ValueKind == JsonValueKind.Null) return (new SamlSettings(), null, null);
        if (value.ValueKind != JsonValueKind.Object) throw Invalid(Settings);
        var settings = current;
        List<ReplyUrl>? replyUrls = null;
        string? defaultUri = null;
        foreach (var member in value.EnumerateObject())
        {
            if (member.Name.StartsWith('@')) continue;
            var v = member.Value;
            var path = Settings + "." + member.Name;
            switch (member.Name.ToLowerInvariant())
            {
                case "relaystate":
                    settings = settings with { RelayState = Text(v, path) is { Length: > 0 } relay ? relay : null };
                    break;
                case "defaultredirecturi":
                    defaultUri = Text(v, path);
                    break;
                case "replyurlsettings":
                    replyUrls = ReadReplyUrlSettings(v, path);
                    break;
                case "nameidsource":
                    settings = settings with { NameIdSource = Text(v, path) is { Length: > 0 } source ? source : SamlSettings.DefaultNameIdSource };
                    break;
                case "nameidformat":
                    var format = Text(v, path);
                    settings = settings with { NameIdFormat = format is { Length: > 0 } && !format.Equals("default", StringComparison.OrdinalIgnoreCase) ? format : null };
                    break;
                case "claims":
                    settings = settings with { Claims = ReadClaims(v, path) };
                    break;
                case "groupclaims":
                    settings = settings with { GroupClaims = ParseGroupClaims(v.ValueKind == JsonValueKind.String ? v.GetString() : null) ?? throw InvalidChoice(path, GroupClaimNames.Select(n => n.Wire)) };
                    break;
                case "roleclaims":
                    if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Invalid(path);
                    settings = settings with { RoleClaims = v.GetBoolean() };
                    break;
                case "signingoption":
                    settings = settings with { SigningOption = ParseSigningOption(v.ValueKind == JsonValueKind.String ? v.GetString() : null) ?? throw InvalidChoice(path, SigningOptionNames.Select(n => n.Wire)) };
                    break;
                case "verificationcertificates":
                    settings = settings with { VerificationCertificates = ReadVerificationCertificates(v, path) };
                    break;
                case "requireverificationcertificates":
                    settings = settings with { RequireVerificationCertificates = Boolean(v, path) };
                    break;
                case "allowsha1requestsignatures":
                    settings = settings with { AllowSha1RequestSignatures = Boolean(v, path) };
                    break;
                case "signingalgorithm":
                    settings = settings with { SigningAlgorithm = Text(v, path) is { Length: > 0 } algorithm ? algorithm.ToLowerInvariant() : "sha256" };
                    break;
                default:
                    throw GraphException.BadRequest($"Property '{path}' does not exist as a declared property or extension property.");
            }
        }
        return (settings, replyUrls, defaultUri);
    }

    private static List<ReplyUrl> ReadReplyUrlSettings(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Invalid(path);
        var list = new List<ReplyUrl>();
        var position = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("uri", out var uri) || uri.ValueKind != JsonValueKind.String)
                throw Invalid(path);
            var index = position;
            if (item.TryGetProperty("index", out var indexValue) && indexValue.ValueKind != JsonValueKind.Null &&
                (indexValue.ValueKind != JsonValueKind.Number || !indexValue.TryGetInt32(out index)))
                throw Invalid(path);
            var isDefault = false;
            if (item.TryGetProperty("isDefault", out var defaultValue) && defaultValue.ValueKind != JsonValueKind.Null)
            {
                if (defaultValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Invalid(path);
                isDefault = defaultValue.GetBoolean();
            }
            list.Add(new ReplyUrl(uri.GetString()!, index, isDefault));
            position++;
        }
        return list;
    }

    private static bool Boolean(JsonElement value, string path) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Invalid(path);

    /// <summary>The certificates of a write, each an object with a <c>key</c> (base64 DER or PEM); null clears them.</summary>
    private static List<string> ReadVerificationCertificates(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array) throw Invalid(path);
        var keys = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String)
                throw GraphException.BadRequest(
                    $"Invalid value specified for property '{path}': give objects such as {{\"key\":\"MIIC...\"}} with the base64 (DER) or PEM public certificate.");
            keys.Add(VerificationCertificates.Canonical(key.GetString()!));
        }
        return keys;
    }

    private static List<SamlClaim> ReadClaims(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array) throw Invalid(path);
        var claims = new List<SamlClaim>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object ||
                !item.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String ||
                !item.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.String)
                throw GraphException.BadRequest($"Invalid value specified for property '{path}': give objects such as {{\"name\":\"...\",\"source\":\"user.mail\"}}.");
            claims.Add(new SamlClaim(name.GetString()!, source.GetString()!));
        }
        return claims;
    }

    private static string Text(JsonElement value, string property) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => throw Invalid(property),
    };

    private static List<string> StringList(JsonElement value, string property)
    {
        if (value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String)) throw Invalid(property);
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static GraphException Invalid(string property) => GraphJson.Invalid(GraphType.ServicePrincipal, property);

    private static GraphException InvalidChoice(string property, IEnumerable<string> choices) =>
        GraphException.BadRequest($"Invalid value specified for property '{property}' of resource 'ServicePrincipal'; use one of {string.Join(", ", choices)}.");
}
