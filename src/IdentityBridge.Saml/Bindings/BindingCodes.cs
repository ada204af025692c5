using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Bindings;

/// <summary>
/// The reason codes the HTTP bindings report. Stable: logs, tests and users filter on them. The size and base64 codes
/// are spelled like the validator's (<c>ValidationCodes</c>), so one code means one thing across the library.
/// </summary>
public static class BindingCodes
{
    /// <summary>The encoded message, or the message once inflated, is larger than the configured cap.</summary>
    public const string TooLarge = SafeXml.TooLargeCode;

    /// <summary>A base64 value (message or signature) is not canonical, padded, standard-alphabet base64.</summary>
    public const string InvalidBase64 = "INVALID_BASE64";

    /// <summary>The HTTP-Redirect message is not raw DEFLATE data.</summary>
    public const string InvalidDeflate = "INVALID_DEFLATE";

    /// <summary>A query value has a broken percent-escape or does not decode to UTF-8 text.</summary>
    public const string InvalidEncoding = "INVALID_QUERY_ENCODING";

    /// <summary>The query or form is not shaped as the binding requires (for example a SAML parameter in another spelling).</summary>
    public const string MalformedParameters = "MALFORMED_PARAMETERS";

    /// <summary>A SAML parameter appears more than once (parameter smuggling).</summary>
    public const string DuplicateParameter = "DUPLICATE_PARAMETER";

    /// <summary>Neither SAMLRequest nor SAMLResponse is present.</summary>
    public const string MessageMissing = "MESSAGE_MISSING";

    /// <summary>Both SAMLRequest and SAMLResponse are present.</summary>
    public const string AmbiguousMessage = "AMBIGUOUS_MESSAGE";

    /// <summary>An HTTP-Redirect message carries no Signature (or no SigAlg) where one is required.</summary>
    public const string SignatureMissing = "SIGNATURE_MISSING";

    /// <summary>SigAlg names an algorithm outside the allow-list (RSA-SHA1 unless the caller allows it).</summary>
    public const string AlgorithmForbidden = "ALGORITHM_FORBIDDEN";

    /// <summary>No trusted certificate's key verifies the signature.</summary>
    public const string SignatureInvalid = "SIGNATURE_INVALID";

    /// <summary>Verification was asked for with no trusted certificate: refused rather than failing open.</summary>
    public const string NoCertificate = "NO_CERTIFICATE";
}
