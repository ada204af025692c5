using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// What a peer is asked to sign: the one JSON object every signer in tests/interop/node reads on stdin (property
/// names are those of tests/interop/node/lib/request.js), and what the xmlsec1 template is built from.
/// </summary>
internal sealed record PeerRequest
{
    /// <summary>The signing key, PKCS#8 PEM.</summary>
    public required string Key { get; init; }
    /// <summary>The certificate the peer puts in KeyInfo, PEM. Not necessarily the key's: an attacker may lie.</summary>
    public required string Cert { get; init; }
    public required string Issuer { get; init; }
    public required string Audience { get; init; }
    /// <summary>The ACS URL: the Response Destination and the SubjectConfirmationData Recipient.</summary>
    public required string Destination { get; init; }
    /// <summary>The AuthnRequest answered; null for an unsolicited (IdP-initiated) response.</summary>
    public string? InResponseTo { get; init; }
    public required string NameId { get; init; }
    public string NameIdFormat { get; init; } = SamlNames.NameIdEmail;
    /// <summary>Claim URI to values, in the order they should appear.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Null lets the peer choose (Entra uses the assertion ID).</summary>
    public string? SessionIndex { get; init; }
    public int LifetimeSeconds { get; init; } = 600;
    public bool SignResponse { get; init; }
    public bool SignAssertion { get; init; } = true;
    /// <summary><c>rsa-sha256</c> or <c>rsa-sha1</c>.</summary>
    public string SignatureAlgorithm { get; init; } = "rsa-sha256";
    /// <summary><c>sha256</c> or <c>sha1</c>; null takes the one that goes with the signature algorithm.</summary>
    public string? DigestAlgorithm { get; init; }
}
