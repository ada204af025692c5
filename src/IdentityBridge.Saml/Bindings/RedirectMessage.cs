namespace IdentityBridge.Saml.Bindings;

/// <summary>
/// A message received on the HTTP-Redirect binding, decoded but not yet parsed or verified. Parse
/// <see cref="Xml"/> with <c>SafeXml.Load</c>; check the query signature with
/// <see cref="HttpRedirectBinding.VerifySignature"/>.
/// </summary>
public sealed record RedirectMessage
{
    /// <summary>Whether the query carried SAMLRequest or SAMLResponse.</summary>
    public required SamlMessageKind Kind { get; init; }

    /// <summary>The inflated message XML, as the sender wrote it (UTF-8).</summary>
    public required byte[] Xml { get; init; }

    /// <summary>RelayState, percent-decoded; null when absent. Untrusted: never redirect to it unchecked.</summary>
    public string? RelayState { get; init; }

    /// <summary>SigAlg, percent-decoded; null when the message is unsigned.</summary>
    public string? SigAlg { get; init; }

    /// <summary>The signature bytes; null when the message is unsigned.</summary>
    public byte[]? Signature { get; init; }

    /// <summary>
    /// The octets the signature covers, rebuilt from the parameter values exactly as they were received: re-encoding
    /// decoded values would not reproduce the sender's bytes, because encoders differ (case of hex digits, which
    /// characters are escaped, '+' or %20).
    /// </summary>
    internal string SignedOctets { get; init; } = "";
}
