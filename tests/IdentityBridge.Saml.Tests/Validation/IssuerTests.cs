using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// The Issuer selects one record, and only that record's keys and rules judge the response: the multi-IdP
/// confusion class of Sustainsys CVE-2023-41890 and SimpleSAMLphp CVE-2026-49284 (spec/saml.md 2.2).
/// </summary>
public sealed class IssuerTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task response_and_assertion_from_different_issuers_are_rejected()
    {
        // Both issuers are trusted records; a response from one carrying the other's assertion is neither's.
        var doc = _world.Signed(_world.Response().WithResponseIssuer(Entra.IssuerB));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.IssuerMismatch);
    }

    [Fact]
    public async Task response_from_an_issuer_with_no_record_is_rejected()
    {
        var doc = _world.Signed(_world.Response().IssuedBy(Entra.UnknownIssuer));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.UnknownIssuer);
        Assert.Equal(Entra.UnknownIssuer, result.Issuer);
        Assert.Null(result.RecordId);
    }

    [Fact]
    public async Task issuer_differing_only_by_the_trailing_slash_is_an_unknown_issuer()
    {
        // Entra's issuer ends in '/', and the match is exact (spec 1.3).
        var doc = _world.Signed(_world.Response().IssuedBy(Entra.IssuerA.TrimEnd('/')));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.UnknownIssuer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task response_naming_tenant_b_but_signed_with_tenant_a_key_is_rejected(bool keyInfo)
    {
        // Tenant A's key is trusted, but not for tenant B's record.
        var doc = _world.Signed(_world.Response().IssuedBy(Entra.IssuerB), Signing.Assertion, new SignatureOptions { OmitKeyInfo = !keyInfo });

        var result = await _world.ValidateAsync(doc);

        if (keyInfo)
            Verdict.RejectedWithAnyOf(result, Codes.SignatureInvalid, Codes.CertificateMismatch);
        else
            Verdict.Rejected(result, Codes.SignatureInvalid);
        Assert.Equal(Entra.RecordB, result.RecordId);
    }

    [Fact]
    public async Task response_from_a_record_without_certificates_is_rejected()
    {
        // Fail-open configuration (SolarWinds WHD CVE-2026-28323): a record with no key must accept nothing.
        _world.RecordA = _world.RecordA with { SigningCertificates = [] };

        Verdict.Rejected(await _world.ValidateAsync(_world.SignedResponse()), Codes.NoCertificate);
    }

    [Fact]
    public async Task assertion_without_issuer_is_rejected()
    {
        var doc = _world.SignedResponse();
        var assertion = Dom.Assertion(doc);
        assertion.RemoveChild(Dom.Issuer(assertion));

        Verdict.RejectedWithAnyOf(await _world.ValidateAsync(doc), Codes.IssuerMissing, Codes.SignatureInvalid, Codes.SignatureMisplaced);
    }
}
