namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>xmlsec1 signing the assertion of a response laid out exactly as Entra lays it out (EntraResponseTemplate).</summary>
public sealed class Xmlsec1InteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Xmlsec1;
    private protected override SignedPart SignedPart => SignedPart.Assertion;
}
