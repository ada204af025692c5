using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>auth0 samlp signing the assertion only, Entra's default; plus what only samlp is used for here.</summary>
public sealed class SamlpAssertionSignedInteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Samlp;
    private protected override SignedPart SignedPart => SignedPart.Assertion;

    [Fact]
    public async Task sha1_signed_response_is_refused_with_algorithm_forbidden()
    {
        var response = await SignAsync(EntraResponse() with { SignatureAlgorithm = "rsa-sha1", DigestAlgorithm = "sha1" });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.AlgorithmForbidden);
    }

    [Fact]
    public async Task sha1_signed_response_is_accepted_when_the_record_allows_sha1()
    {
        var response = await SignAsync(EntraResponse() with { SignatureAlgorithm = "rsa-sha1", DigestAlgorithm = "sha1" });

        var result = await ValidateAsync(response, Trust(allowSha1: true));

        Verdicts.AssertAccepted(result, response);
        Assert.Equal(NameId, result.Assertion!.NameId);
    }

    [Fact]
    public async Task sp_initiated_response_is_accepted_and_a_second_answer_to_the_same_request_is_rejected()
    {
        var requestId = Requests.Send(RecordId);
        var first = await SignAsync(EntraResponse() with { InResponseTo = requestId });
        var second = await SignAsync(EntraResponse() with { InResponseTo = requestId });

        var accepted = await ValidateAsync(first);
        var rejected = await ValidateAsync(second);

        Verdicts.AssertAccepted(accepted, first);
        Assert.Equal(requestId, accepted.Assertion!.InResponseTo);
        Verdicts.AssertRejected(rejected, second, ValidationCodes.InResponseToMismatch);
    }

    [Fact]
    public async Task answer_to_a_request_sent_to_another_identity_provider_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { InResponseTo = Requests.Send("record-of-another-idp") });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.InResponseToMismatch);
    }

    [Fact]
    public async Task answer_to_a_request_never_sent_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { InResponseTo = "_never-sent" });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.InResponseToMismatch);
    }
}

/// <summary>auth0 samlp signing the Response only (Entra's "Sign SAML response").</summary>
public sealed class SamlpResponseSignedInteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Samlp;
    private protected override SignedPart SignedPart => SignedPart.Response;

    [Fact]
    public async Task response_signed_only_on_the_response_is_refused_when_the_record_requires_a_signed_assertion()
    {
        var response = await SignAsync(EntraResponse());

        var result = await ValidateAsync(response, Trust() with { RequireSignedAssertion = true });

        Verdicts.AssertRejected(result, response, ValidationCodes.AssertionNotSigned);
    }
}

/// <summary>auth0 samlp signing both (Entra's "Sign SAML response and assertion").</summary>
public sealed class SamlpResponseAndAssertionSignedInteropTests(InteropKeys keys) : PeerInteropTests(keys)
{
    private protected override Signer Signer => Signer.Samlp;
    private protected override SignedPart SignedPart => SignedPart.ResponseAndAssertion;
}
