namespace IdentityBridge.Saml.Xml;

/// <summary>The namespaces, URIs and fixed values of SAML 2.0 and XML Signature/Encryption, spelled as the specs spell them.</summary>
public static class SamlNames
{
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Metadata = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string DSig = "http://www.w3.org/2000/09/xmldsig#";
    public const string XmlEnc = "http://www.w3.org/2001/04/xmlenc#";
    public const string XmlEnc11 = "http://www.w3.org/2009/xmlenc11#";
    public const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    public const string Xmlns = "http://www.w3.org/2000/xmlns/";

    public const string ProtocolPrefix = "samlp";
    public const string AssertionPrefix = "saml";

    public const string ExclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

    public const string RsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    public const string RsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    public const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    public const string Sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";

    public const string HttpPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    public const string HttpRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

    public const string StatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public const string StatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    public const string StatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    public const string StatusAuthnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    public const string StatusPartialLogout = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";

    public const string BearerConfirmation = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

    public const string NameIdUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    public const string NameIdEmail = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    public const string NameIdPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    public const string NameIdTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";

    public const string PasswordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
    public const string PasswordContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";

    /// <summary>The digest that goes with each signature algorithm when we sign.</summary>
    public static string DigestFor(string signatureAlgorithm) => signatureAlgorithm switch
    {
        RsaSha1 => Sha1,
        RsaSha384 => Sha384,
        RsaSha512 => Sha512,
        _ => Sha256,
    };

    /// <summary>The hash of an RSA signature algorithm, or null for anything that is not one.</summary>
    /// <summary>The digest of <paramref name="data"/> by a DigestMethod URI (SHA-256 for any other).</summary>
    public static byte[] DigestOf(string digestMethod, byte[] data) => digestMethod switch
    {
        Sha1 => System.Security.Cryptography.SHA1.HashData(data),
        Sha384 => System.Security.Cryptography.SHA384.HashData(data),
        Sha512 => System.Security.Cryptography.SHA512.HashData(data),
        _ => System.Security.Cryptography.SHA256.HashData(data),
    };

    public static System.Security.Cryptography.HashAlgorithmName? HashOf(string? signatureAlgorithm) => signatureAlgorithm switch
    {
        RsaSha256 => System.Security.Cryptography.HashAlgorithmName.SHA256,
        RsaSha384 => System.Security.Cryptography.HashAlgorithmName.SHA384,
        RsaSha512 => System.Security.Cryptography.HashAlgorithmName.SHA512,
        RsaSha1 => System.Security.Cryptography.HashAlgorithmName.SHA1,
        _ => null,
    };

    /// <summary>True for the SHA-1 signature and digest algorithms, which a record must opt into.</summary>
    public static bool IsSha1(string algorithm) => algorithm is RsaSha1 or Sha1;
}
