using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Bindings;

/// <summary>How to sign an HTTP-Redirect message (SAML Bindings 3.4.4.1).</summary>
public sealed record RedirectSigning
{
    /// <summary>A certificate with its RSA private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The SigAlg URI: <see cref="SamlNames.RsaSha256"/> unless a peer needs SHA-1, SHA-384 or SHA-512.</summary>
    public string Algorithm { get; init; } = SamlNames.RsaSha256;
}

