using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// One SAML entity as its metadata describes it: its id, how long the description may be relied on, and the SAML 2.0
/// identity provider and service provider roles it plays.
/// </summary>
public sealed record EntityMetadata
{
    /// <summary>The entityID: the Issuer its messages carry.</summary>
    public required string EntityId { get; init; }

    /// <summary>
    /// The earliest validUntil of the EntityDescriptor and every EntitiesDescriptor around it; null when none is given.
    /// </summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>True when <see cref="ValidUntil"/> had already passed when the metadata was read.</summary>
    public bool IsExpired { get; init; }

    /// <summary>The shortest cacheDuration of the EntityDescriptor and every EntitiesDescriptor around it.</summary>
    public TimeSpan? CacheDuration { get; init; }

    /// <summary>The IDPSSODescriptor that supports SAML 2.0, when there is one.</summary>
    public IdentityProviderRole? IdentityProvider { get; init; }

    /// <summary>The SPSSODescriptor that supports SAML 2.0, when there is one.</summary>
    public ServiceProviderRole? ServiceProvider { get; init; }

    /// <summary>
    /// The identity provider role, checked for what a service provider needs to trust it: at least one signing
    /// certificate and a single sign-on endpoint it can send requests to.
    /// </summary>
    /// <exception cref="MetadataException">
    /// <see cref="MetadataCodes.NoIdentityProviderRole"/>, <see cref="MetadataCodes.NoSigningCertificate"/> or
    /// <see cref="MetadataCodes.NoSingleSignOnService"/>.
    /// </exception>
    public IdentityProviderRole RequireIdentityProvider()
    {
        if (IdentityProvider is not { } role)
            throw new MetadataException(MetadataCodes.NoIdentityProviderRole,
                $"The metadata of '{EntityId}' has no IDPSSODescriptor supporting SAML 2.0 ({SamlNames.Protocol}). " +
                "Use the identity provider's SAML metadata (for Entra ID, the App Federation Metadata Url), not a service provider's.");
        if (role.SigningCertificates.Count == 0)
            throw new MetadataException(MetadataCodes.NoSigningCertificate,
                $"The IDPSSODescriptor of '{EntityId}' lists no signing certificate, so no response from it could be verified. " +
                "Add a KeyDescriptor use=\"signing\" with the certificate, or add the certificate to the record by hand.");
        if (role.PreferredSingleSignOnService is null)
            throw new MetadataException(MetadataCodes.NoSingleSignOnService,
                $"The IDPSSODescriptor of '{EntityId}' has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding. " +
                "Check that the metadata is for SAML 2.0 web browser sign-in.");
        return role;
    }
}

/// <summary>What the identity provider and service provider roles have in common (SAML metadata SSODescriptorType).</summary>
public abstract record SsoRole
{
    /// <summary>
    /// The certificates from KeyDescriptors with use="signing" or no use, in document order. During a rollover there
    /// are several, and signatures by any of them are valid.
    /// </summary>
    public required IReadOnlyList<X509Certificate2> SigningCertificates { get; init; }

    /// <summary>The certificates from KeyDescriptors with use="encryption" or no use, in document order.</summary>
    public required IReadOnlyList<X509Certificate2> EncryptionCertificates { get; init; }

    /// <summary>The SingleLogoutService endpoints, in document order.</summary>
    public required IReadOnlyList<Endpoint> SingleLogoutServices { get; init; }

    /// <summary>The NameIDFormat values, in document order.</summary>
    public required IReadOnlyList<string> NameIdFormats { get; init; }
}

/// <summary>An IDPSSODescriptor supporting SAML 2.0.</summary>
public sealed record IdentityProviderRole : SsoRole
{
    /// <summary>The SingleSignOnService endpoints, in document order.</summary>
    public required IReadOnlyList<Endpoint> SingleSignOnServices { get; init; }

    /// <summary>WantAuthnRequestsSigned (false when absent, as the schema defaults it).</summary>
    public bool WantAuthnRequestsSigned { get; init; }

    /// <summary>
    /// The single sign-on endpoint to send an AuthnRequest to: HTTP-Redirect when offered (what ServiceNow uses),
    /// otherwise HTTP-POST; null when neither is.
    /// </summary>
    public Endpoint? PreferredSingleSignOnService =>
        FindSingleSignOnService(SamlNames.HttpRedirectBinding, SamlNames.HttpPostBinding);

    /// <summary>The first SingleSignOnService with the first of <paramref name="bindings"/> that has one, or null.</summary>
    public Endpoint? FindSingleSignOnService(params ReadOnlySpan<string> bindings)
    {
        foreach (var binding in bindings)
            foreach (var endpoint in SingleSignOnServices)
                if (endpoint.Binding == binding)
                    return endpoint;
        return null;
    }
}

/// <summary>An SPSSODescriptor supporting SAML 2.0.</summary>
public sealed record ServiceProviderRole : SsoRole
{
    /// <summary>The AssertionConsumerService endpoints, in document order.</summary>
    public required IReadOnlyList<IndexedEndpoint> AssertionConsumerServices { get; init; }

    /// <summary>AuthnRequestsSigned (false when absent).</summary>
    public bool AuthnRequestsSigned { get; init; }

    /// <summary>WantAssertionsSigned (false when absent).</summary>
    public bool WantAssertionsSigned { get; init; }

    /// <summary>
    /// The default AssertionConsumerService as SAML metadata (section 2.2.3) defines it: the first with
    /// isDefault="true"; else the first without isDefault; else the first. Null when there is none.
    /// </summary>
    public IndexedEndpoint? DefaultAssertionConsumerService =>
        AssertionConsumerServices.FirstOrDefault(e => e.IsDefault == true)
        ?? AssertionConsumerServices.FirstOrDefault(e => e.IsDefault is null)
        ?? AssertionConsumerServices.FirstOrDefault();
}

/// <summary>A protocol endpoint (SAML metadata EndpointType).</summary>
public sealed record Endpoint
{
    /// <summary>The binding URI, such as <see cref="SamlNames.HttpRedirectBinding"/>.</summary>
    public required string Binding { get; init; }

    /// <summary>Where messages are sent.</summary>
    public required string Location { get; init; }

    /// <summary>Where responses are sent, when it differs from <see cref="Location"/>.</summary>
    public string? ResponseLocation { get; init; }
}

/// <summary>An indexed protocol endpoint (SAML metadata IndexedEndpointType): an AssertionConsumerService.</summary>
public sealed record IndexedEndpoint
{
    /// <summary>The binding URI, such as <see cref="SamlNames.HttpPostBinding"/>.</summary>
    public required string Binding { get; init; }

    /// <summary>Where responses are posted.</summary>
    public required string Location { get; init; }

    /// <summary>The index an AuthnRequest's AssertionConsumerServiceIndex refers to.</summary>
    public required int Index { get; init; }

    /// <summary>The isDefault attribute; null when absent, which matters for choosing the default.</summary>
    public bool? IsDefault { get; init; }
}
