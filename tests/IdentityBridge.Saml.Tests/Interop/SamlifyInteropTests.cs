using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// samlify signing the assertion. samlify writes InResponseTo="" into an unsolicited response (see
/// tests/interop/node/sign-samlify.js), so the shared cases answer a request, as an SP-initiated sign-in does.
/// </summary>
public sealed class SamlifyAssertionSignedInteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Samlify;
    private protected override SignedPart SignedPart => SignedPart.Assertion;
    private protected override bool AnswersARequest => true;

    [Fact]
    public async Task unsolicited_samlify_response_carries_an_empty_in_response_to_and_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { InResponseTo = null });

        var result = await ValidateAsync(response);

        // samlify's quirk, kept visible: an empty InResponseTo is not "no request" (it is not even an NCName), and a
        // service provider that treated it as absent would accept a response that claims to answer something.
        Assert.Contains("InResponseTo=\"\"", Tampering.Xml(response), StringComparison.Ordinal);
        Verdicts.AssertRejected(result, response, ValidationCodes.InResponseToMismatch);
    }
}

/// <summary>samlify signing the Response only.</summary>
public sealed class SamlifyResponseSignedInteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Samlify;
    private protected override SignedPart SignedPart => SignedPart.Response;
    private protected override bool AnswersARequest => true;
}
