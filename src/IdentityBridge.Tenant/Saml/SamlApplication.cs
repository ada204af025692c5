using System.Text.Json.Serialization;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Tenant.Saml;

/// <summary>A Reply URL (assertion consumer service) of an app, with Entra's index and default flag.</summary>
public sealed record ReplyUrl(string Uri, int Index, bool IsDefault);

/// <summary>One claim of the Attributes &amp; Claims list: the SAML attribute name and the user attribute it carries.</summary>
public sealed record SamlClaim(string Name, string Source);

/// <summary>Which groups the groups claim lists (Entra's "Add a group claim" choices).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GroupClaimKind>))]
public enum GroupClaimKind
{
    None,
    /// <summary>Security groups the user is a direct member of.</summary>
    SecurityGroups,
    /// <summary>All groups the user is a direct member of.</summary>
    All,
    /// <summary>Only the groups assigned to the application.</summary>
    ApplicationGroups,
}

/// <summary>
/// The SAML settings of an enterprise app that are not Graph properties of their own (spec/saml.md 1.3-1.5), kept
/// as one JSON object on the service principal.
/// </summary>
public sealed record SamlSettings
{
    public const string DefaultNameIdSource = "user.userprincipalname";

    /// <summary>Posted as RelayState with IdP-initiated responses (Graph samlSingleSignOnSettings.relayState).</summary>
    public string? RelayState { get; init; }
    /// <summary>The user attribute the NameID carries.</summary>
    public string NameIdSource { get; init; } = DefaultNameIdSource;
    /// <summary>The NameID format URI; null is Entra's "Default" (the request's NameIDPolicy, else emailAddress).</summary>
    public string? NameIdFormat { get; init; }
    /// <summary>The additional claims, in the order they are issued.</summary>
    public IReadOnlyList<SamlClaim> Claims { get; init; } = DefaultClaims;
    public GroupClaimKind GroupClaims { get; init; } = GroupClaimKind.None;
    /// <summary>Whether assigned app roles are issued in the role claim.</summary>
    public bool RoleClaims { get; init; } = true;
    [JsonConverter(typeof(JsonStringEnumConverter<SigningOption>))]
    public SigningOption SigningOption { get; init; } = SigningOption.Assertion;
    /// <summary><c>sha256</c> (default) or <c>sha1</c>, which must be chosen on purpose.</summary>
    public string SigningAlgorithm { get; init; } = "sha256";
    /// <summary>
    /// The verification certificates (Entra's "Verification certificates (optional)"), base64 of their DER bytes:
    /// public certificates whose keys the app signs its AuthnRequests and LogoutRequests with.
    /// </summary>
    public IReadOnlyList<string> VerificationCertificates { get; init; } = [];
    /// <summary>"Require verification certificates": an unsigned request is refused (AADSTS76021).</summary>
    public bool RequireVerificationCertificates { get; init; }
    /// <summary>"Allow requests signed with RSA-SHA1": otherwise a SHA-1 request signature is refused.</summary>
    public bool AllowSha1RequestSignatures { get; init; }

    /// <summary>The XML-DSig signature method for <see cref="SigningAlgorithm"/>.</summary>
    [JsonIgnore]
    public string SignatureMethod => SigningAlgorithm == "sha1" ? SamlNames.RsaSha1 : SamlNames.RsaSha256;

    /// <summary>The claims Entra gives a new non-gallery SAML app (spec/saml.md 1.4), beside the fixed ones.</summary>
    public static IReadOnlyList<SamlClaim> DefaultClaims { get; } =
    [
        new(SamlClaimTypes.GivenName, "user.givenname"),
        new(SamlClaimTypes.Surname, "user.surname"),
        new(SamlClaimTypes.EmailAddress, "user.mail"),
        new(SamlClaimTypes.Name, "user.userprincipalname"),
    ];
}

/// <summary>The claim type URIs Entra issues (spec/saml.md 1.4).</summary>
public static class SamlClaimTypes
{
    public const string TenantId = "http://schemas.microsoft.com/identity/claims/tenantid";
    public const string ObjectId = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    public const string DisplayName = "http://schemas.microsoft.com/identity/claims/displayname";
    public const string IdentityProvider = "http://schemas.microsoft.com/identity/claims/identityprovider";
    public const string AuthnMethodsReferences = "http://schemas.microsoft.com/claims/authnmethodsreferences";
    public const string GivenName = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    public const string Surname = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
    public const string EmailAddress = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    public const string Name = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    public const string Groups = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
    public const string Role = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    public const string PasswordMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password";
}

/// <summary>Everything the IdP needs to know about one enterprise app to sign a user in to it.</summary>
public sealed record SamlApplication
{
    public required string ServicePrincipalSysId { get; init; }
    public required string AppId { get; init; }
    public required string DisplayName { get; init; }
    public bool AccountEnabled { get; init; } = true;
    /// <summary>"User assignment required": only assigned users (directly or through a group) may sign in.</summary>
    public bool AssignmentRequired { get; init; }
    /// <summary><c>saml</c> when SAML single sign-on is set up (Graph preferredSingleSignOnMode).</summary>
    public string? PreferredSingleSignOnMode { get; init; }
    /// <summary>Identifiers (entity ids), the default first.</summary>
    public IReadOnlyList<string> Identifiers { get; init; } = [];
    public IReadOnlyList<ReplyUrl> ReplyUrls { get; init; } = [];
    /// <summary>The Sign-on URL: when set, a tile sends the browser there (SP-initiated).</summary>
    public string? SignOnUrl { get; init; }
    public string? LogoutUrl { get; init; }
    public string? LogoUrl { get; init; }
    public IReadOnlyList<string> NotificationEmailAddresses { get; init; } = [];
    public SamlSettings Settings { get; init; } = new();

    public bool UsesSaml => string.Equals(PreferredSingleSignOnMode, "saml", StringComparison.OrdinalIgnoreCase);

    /// <summary>The default Identifier: the audience of IdP-initiated responses.</summary>
    public string? DefaultIdentifier => Identifiers.Count > 0 ? Identifiers[0] : null;

    /// <summary>The default Reply URL: where IdP-initiated responses are posted (else the lowest index).</summary>
    public ReplyUrl? DefaultReplyUrl =>
        ReplyUrls.FirstOrDefault(r => r.IsDefault) ?? ReplyUrls.OrderBy(r => r.Index).FirstOrDefault();
}
