namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// Why metadata could not be read, fetched or trusted. <see cref="Code"/> is one of <see cref="MetadataCodes"/>;
/// the message names what was wrong and what to change.
/// </summary>
public sealed class MetadataException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A stable reason code from <see cref="MetadataCodes"/>.</summary>
    public string Code { get; } = code;

    /// <summary>
    /// When the XML parser refused the document, its own reason (a <see cref="Xml.SafeXml"/> code such as
    /// <c>DOCTYPE_FORBIDDEN</c>); otherwise null.
    /// </summary>
    public string? XmlCode { get; init; }
}

/// <summary>The reason codes of <see cref="MetadataException"/>. Stable: logs, tests and users filter on them.</summary>
public static class MetadataCodes
{
    // The document.
    /// <summary>Not well-formed XML, or a required attribute is missing or has a value of the wrong type.</summary>
    public const string Malformed = "METADATA_MALFORMED";
    /// <summary>The XML parser refused the document (DOCTYPE, processing instruction); see <see cref="MetadataException.XmlCode"/>.</summary>
    public const string UnsafeXml = "METADATA_UNSAFE_XML";
    /// <summary>The document or the HTTP response is larger than allowed.</summary>
    public const string TooLarge = "METADATA_TOO_LARGE";
    /// <summary>Well-formed XML whose root is neither EntityDescriptor nor EntitiesDescriptor.</summary>
    public const string UnexpectedRoot = "METADATA_UNEXPECTED_ROOT";

    // Choosing the entity and its roles.
    /// <summary>No EntityDescriptor, or none with the requested entity id.</summary>
    public const string NoEntity = "METADATA_NO_ENTITY";
    /// <summary>Several EntityDescriptors match and nothing says which one is meant.</summary>
    public const string AmbiguousEntity = "METADATA_AMBIGUOUS_ENTITY";
    /// <summary>The entity has two IDPSSODescriptors (or two SPSSODescriptors) that support SAML 2.0.</summary>
    public const string AmbiguousRole = "METADATA_AMBIGUOUS_ROLE";
    /// <summary>The entity has no IDPSSODescriptor that supports SAML 2.0.</summary>
    public const string NoIdentityProviderRole = "METADATA_NO_IDP_ROLE";
    /// <summary>The identity provider role lists no signing certificate, so none of its responses could be trusted.</summary>
    public const string NoSigningCertificate = "METADATA_NO_SIGNING_CERTIFICATE";
    /// <summary>The identity provider role has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding.</summary>
    public const string NoSingleSignOnService = "METADATA_NO_SSO_ENDPOINT";

    // Contents.
    /// <summary>A KeyDescriptor's certificate is missing, is not base64 or is not an X.509 certificate.</summary>
    public const string BadCertificate = "METADATA_BAD_CERTIFICATE";
    /// <summary>An endpoint Location or ResponseLocation is not an absolute http or https URL.</summary>
    public const string BadEndpoint = "METADATA_BAD_ENDPOINT";

    // Fetching.
    /// <summary>The metadata URL is not an absolute http or https URL.</summary>
    public const string BadUrl = "METADATA_BAD_URL";
    /// <summary>The server could not be reached, or the connection broke while reading.</summary>
    public const string FetchFailed = "METADATA_FETCH_FAILED";
    /// <summary>The server answered with a status other than 2xx.</summary>
    public const string HttpStatus = "METADATA_HTTP_STATUS";
    /// <summary>The server did not answer in time.</summary>
    public const string FetchTimeout = "METADATA_FETCH_TIMEOUT";
    /// <summary>The server answered with something that is not XML (an HTML sign-in page, JSON, an error text).</summary>
    public const string NotXml = "METADATA_NOT_XML";
}
