using System.Security.Cryptography;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Saml.Xml;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>What the peer signs in a test class: the options Entra offers (spec/saml.md 1.5).</summary>
public enum SignedPart
{
    Assertion,
    Response,
    ResponseAndAssertion,
}

/// <summary>
/// The cases every peer goes through: a response signed by an independent implementation is accepted and read, and
/// the same response after tampering, or signed by another key, is refused with the reason. Peers stamp the real
/// current time, so the validator runs on the real clock with lifetimes of minutes.
/// </summary>
public abstract class PeerInteropTests(InteropKeys keys) : IClassFixture<InteropKeys>
{
    protected const string TenantId = "8d5a7c21-3b9e-4f62-a1d0-5c2e9b7f4a13";
    protected const string Issuer = "https://sts.windows.net/" + TenantId + "/";
    protected const string Audience = "https://contoso.service-now.com";
    protected const string Acs = "https://contoso.service-now.com/navpage.do";
    protected const string RecordId = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    protected const string NameId = "adele.vance@contoso.example";
    protected const string AttackerNameId = "admin@contoso.example";

    protected const string GivenName = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    protected const string Email = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    protected const string TenantIdClaim = "http://schemas.microsoft.com/identity/claims/tenantid";
    protected const string AuthnMethods = "http://schemas.microsoft.com/claims/authnmethodsreferences";

    private protected InteropKeys Keys { get; } = keys;
    private protected InteropPeers Peers { get; } = InteropPeers.ForThisRepository();
    private protected InteropRequestTracker Requests { get; } = new(TimeProvider.System);
    private protected InteropReplayCache Replays { get; } = new();

    private protected abstract Signer Signer { get; }
    private protected abstract SignedPart SignedPart { get; }

    /// <summary>
    /// True for a peer whose unsolicited output is not a valid unsolicited response (samlify's InResponseTo=""):
    /// its shared cases then answer a request this service provider sent, which is how such a peer is used.
    /// </summary>
    private protected virtual bool AnswersARequest => false;

    /// <summary>An Entra-shaped request for this peer, signed as the class says, by the identity provider's key.</summary>
    private protected PeerRequest EntraResponse(SigningKey? key = null, string? certificatePem = null) => new()
    {
        Key = (key ?? Keys.IdentityProvider).KeyPem,
        Cert = certificatePem ?? (key ?? Keys.IdentityProvider).CertificatePem,
        Issuer = Issuer,
        Audience = Audience,
        Destination = Acs,
        InResponseTo = AnswersARequest ? Requests.Send(RecordId) : null,
        NameId = NameId,
        NameIdFormat = SamlNames.NameIdEmail,
        Attributes = new Dictionary<string, IReadOnlyList<string>>
        {
            [TenantIdClaim] = [TenantId],
            [AuthnMethods] = ["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password", "http://schemas.microsoft.com/claims/multipleauthn"],
            [GivenName] = ["Adele"],
            [Email] = [NameId],
        },
        LifetimeSeconds = 600,
        SignAssertion = SignedPart is SignedPart.Assertion or SignedPart.ResponseAndAssertion,
        SignResponse = SignedPart is SignedPart.Response or SignedPart.ResponseAndAssertion,
    };

    private protected Task<string> SignAsync(PeerRequest request) => Peers.SignAsync(Signer, request);

    private protected IdentityProviderTrust Trust(bool allowSha1 = false) => new()
    {
        RecordId = RecordId,
        EntityId = Issuer,
        SigningCertificates = [Keys.IdentityProvider.Certificate],
        Audience = Audience,
        AssertionConsumerServiceUrls = [Acs],
        AllowSha1 = allowSha1,
    };

    private protected Task<ValidationResult> ValidateAsync(string samlResponse, IdentityProviderTrust? trust = null,
        TimeProvider? clock = null) =>
        new ResponseValidator(new SingleRecordResolver(trust ?? Trust()), Replays, Requests, clock ?? TimeProvider.System)
            .ValidateAsync(samlResponse, Acs);

    [Fact]
    public async Task response_is_accepted_and_its_name_id_and_attributes_are_read()
    {
        var response = await SignAsync(EntraResponse());

        var result = await ValidateAsync(response);

        Verdicts.AssertAccepted(result, response);
        Assert.Equal(NameId, result.Assertion!.NameId);
        Assert.Equal(SamlNames.NameIdEmail, result.Assertion.NameIdFormat);
        Assert.Equal(Issuer, result.Assertion.Issuer);
        Assert.Equal([TenantId], result.Assertion.Attributes[TenantIdClaim]);
        Assert.Equal(["Adele"], result.Assertion.Attributes[GivenName]);
        Assert.Equal(2, result.Assertion.Attributes[AuthnMethods].Count);
        Assert.Equal(Keys.IdentityProvider.Certificate.GetCertHashString(HashAlgorithmName.SHA256),
            result.Assertion.SigningCertificateThumbprint);
    }

    [Fact]
    public async Task name_id_changed_after_signing_is_rejected()
    {
        var response = Tampering.ChangeNameId(await SignAsync(EntraResponse()), AttackerNameId);

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.SignatureInvalid);
        Assert.Null(result.NameId);
    }

    [Fact]
    public async Task audience_changed_after_signing_is_rejected()
    {
        var response = Tampering.ChangeAudience(await SignAsync(EntraResponse()), "https://attacker.service-now.com");

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.SignatureInvalid);
        Assert.True(result.Has(ValidationCodes.AudienceMismatch), Verdicts.Explain(result, response));
    }

    [Fact]
    public async Task response_signed_for_another_audience_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { Audience = "https://fabrikam.service-now.com" });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.AudienceMismatch);
    }

    [Fact]
    public async Task response_with_its_signatures_removed_is_rejected()
    {
        var response = Tampering.RemoveSignatures(await SignAsync(EntraResponse()));

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.SignatureMissing);
    }

    [Fact]
    public async Task second_unsigned_assertion_inserted_is_rejected()
    {
        var response = Tampering.InsertUnsignedAssertion(await SignAsync(EntraResponse()), AttackerNameId);

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.AssertionCount);
    }

    [Fact]
    public async Task response_signed_with_an_attacker_key_and_certificate_is_rejected()
    {
        var response = await SignAsync(EntraResponse(Keys.Attacker));

        var result = await ValidateAsync(response);

        // The record's certificate is the only key used; the attacker's certificate in KeyInfo is reported as not
        // the record's, or, where that check is not made, the signature fails against the record's key.
        Verdicts.AssertRejectedWithAnyOf(result, response, ValidationCodes.CertificateMismatch, ValidationCodes.SignatureInvalid);
    }

    [Fact]
    public async Task response_signed_with_an_attacker_key_under_the_genuine_certificate_is_rejected()
    {
        var response = await SignAsync(EntraResponse(Keys.Attacker, Keys.IdentityProvider.CertificatePem));

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.SignatureInvalid);
    }

    [Fact]
    public async Task response_posted_a_second_time_is_rejected()
    {
        var response = await SignAsync(EntraResponse());
        Verdicts.AssertAccepted(await ValidateAsync(response), response);

        var again = await ValidateAsync(response);

        // An answer to a request is refused because the request was answered; an unsolicited one by the replay cache.
        Verdicts.AssertRejected(again, response, AnswersARequest ? ValidationCodes.InResponseToMismatch : ValidationCodes.Replayed);
    }

    [Fact]
    public async Task comment_inserted_in_the_name_id_after_signing_does_not_shorten_it()
    {
        // The Duo attack (CVE-2017-11427 and siblings): exclusive C14N drops comments, so the signature still holds,
        // and a reader that takes the first text node sees only the part before the comment.
        const string registered = AttackerNameId + ".attacker.example";
        var response = Tampering.InsertCommentInNameId(
            await SignAsync(EntraResponse() with { NameId = registered }), AttackerNameId.Length);
        Assert.True((await Peers.VerifyWithXmlCryptoAsync(response, Keys.IdentityProvider.CertificatePem)).Valid,
            "The vector must keep the signature valid to test anything.\n" + Tampering.Xml(response));

        var result = await ValidateAsync(response);

        Assert.True(!result.IsValid || result.Assertion!.NameId == registered,
            $"Read the NameID as '{result.Assertion?.NameId}'.\n" + Verdicts.Explain(result, response));
    }

    [Fact]
    public async Task response_signed_for_another_service_providers_acs_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { Destination = "https://attacker.example/navpage.do" });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.RecipientMismatch);
        Assert.True(result.Has(ValidationCodes.DestinationMismatch), Verdicts.Explain(result, response));
    }

    [Fact]
    public async Task response_from_another_tenant_signed_with_the_right_key_is_rejected()
    {
        var response = await SignAsync(EntraResponse() with { Issuer = "https://sts.windows.net/00000000-0000-0000-0000-000000000001/" });

        var result = await ValidateAsync(response);

        Verdicts.AssertRejected(result, response, ValidationCodes.UnknownIssuer);
    }

    [Fact]
    public async Task response_received_after_it_expired_is_rejected()
    {
        var response = await SignAsync(EntraResponse());

        var result = await ValidateAsync(response, clock: new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1)));

        Verdicts.AssertRejected(result, response, ValidationCodes.Expired);
    }

    [Fact]
    public async Task response_received_before_it_is_valid_is_rejected()
    {
        var response = await SignAsync(EntraResponse());

        var result = await ValidateAsync(response, clock: new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)));

        Verdicts.AssertRejected(result, response, ValidationCodes.NotYetValid);
    }
}
