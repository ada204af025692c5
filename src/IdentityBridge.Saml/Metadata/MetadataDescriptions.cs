using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// What service provider metadata says, in the shape ServiceNow's "Generate Metadata" produces
/// (spec/servicenow.md 5.4).
/// </summary>
public sealed record ServiceProviderDescription
{
    /// <summary>The SP entity id (ServiceNow's issuer, e.g. https://instance.service-now.com).</summary>
    public required string EntityId { get; init; }

    /// <summary>
    /// The AssertionConsumerService URLs, all HTTP-POST, indexed 0, 1, … in this order; the first is the default
    /// (for an instance: navpage.do, then consumer.do).
    /// </summary>
    public required IReadOnlyList<string> AssertionConsumerServiceUrls { get; init; }

    /// <summary>The SingleLogoutService URL (HTTP-Redirect), if any; an instance uses navpage.do.</summary>
    public string? SingleLogoutServiceUrl { get; init; }

    /// <summary>The NameIDFormat values, in order (an instance lists emailAddress).</summary>
    public IReadOnlyList<string> NameIdFormats { get; init; } = [];

    /// <summary>The certificate the SP signs requests with, written as KeyDescriptor use="signing".</summary>
    public X509Certificate2? SigningCertificate { get; init; }

    /// <summary>The certificate assertions are encrypted to, written as KeyDescriptor use="encryption".</summary>
    public X509Certificate2? EncryptionCertificate { get; init; }

    /// <summary>AuthnRequestsSigned; ServiceNow writes false unless it signs requests.</summary>
    public bool AuthnRequestsSigned { get; init; }

    /// <summary>WantAssertionsSigned; ServiceNow always writes true.</summary>
    public bool WantAssertionsSigned { get; init; } = true;

    /// <summary>An ID for the EntityDescriptor, needed only to sign it by reference; ServiceNow writes none.</summary>
    public string? Id { get; init; }

    /// <summary>validUntil, when the metadata should expire.</summary>
    public DateTimeOffset? ValidUntil { get; init; }
}

/// <summary>What identity provider metadata says, in the shape of an Entra ID tenant's (spec/saml.md 1.8).</summary>
public sealed record IdentityProviderDescription
{
    /// <summary>The IdP entity id (for a tenant, https://sts.windows.net/&lt;tenant id&gt;/).</summary>
    public required string EntityId { get; init; }

    /// <summary>The signing certificates, each written as its own KeyDescriptor use="signing"; several during a rollover.</summary>
    public required IReadOnlyList<X509Certificate2> SigningCertificates { get; init; }

    /// <summary>The single sign-on URL, offered with both HTTP-Redirect and HTTP-POST as Entra does.</summary>
    public required string SingleSignOnServiceUrl { get; init; }

    /// <summary>The single logout URL (HTTP-Redirect), if any; Entra uses the same URL as sign-on.</summary>
    public string? SingleLogoutServiceUrl { get; init; }

    /// <summary>NameIDFormat values, in order; Entra's metadata lists none.</summary>
    public IReadOnlyList<string> NameIdFormats { get; init; } = [];

    /// <summary>WantAuthnRequestsSigned; omitted when null, as Entra omits it.</summary>
    public bool? WantAuthnRequestsSigned { get; init; }

    /// <summary>The EntityDescriptor ID; when null a new "_&lt;guid&gt;" as Entra writes.</summary>
    public string? Id { get; init; }

    /// <summary>validUntil, when the metadata should expire.</summary>
    public DateTimeOffset? ValidUntil { get; init; }
}
