using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// XSW1–XSW8 (built in <see cref="Wrapping"/>, spec/saml.md 2.1): every vector refused, and neither Mallory's nor
/// the administrator's identity handed out. Each vector breaks several rules at once; each test lists the rules
/// aimed at it and accepts any of them, but not a rejection for an unrelated reason (the signatures still verify).
/// </summary>
public sealed class SignatureWrappingTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task xsw1_signed_response_cloned_inside_its_own_signature_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw1(_world.SignedResponse(Signing.Response)),
            Codes.ReferenceUri, Codes.AssertionCount, Codes.AssertionMisplaced, Codes.SignatureProfile, Codes.SignatureMissing);

    [Fact]
    public async Task xsw2_signed_response_cloned_before_its_signature_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw2(_world.SignedResponse(Signing.Response)),
            Codes.ReferenceUri, Codes.SignatureMisplaced, Codes.AssertionCount, Codes.AssertionMisplaced, Codes.SignatureMissing);

    [Fact]
    public async Task xsw3_evil_assertion_before_signed_one_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw3(_world.SignedResponse()), Codes.AssertionCount, Codes.AssertionMisplaced);

    [Fact]
    public async Task xsw4_signed_assertion_nested_inside_evil_one_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw4(_world.SignedResponse()),
            Codes.AssertionCount, Codes.AssertionMisplaced, Codes.SignatureMissing);

    [Fact]
    public async Task xsw5_edited_assertion_keeping_its_signature_over_an_appended_clone_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw5(_world.SignedResponse()),
            Codes.AssertionCount, Codes.AssertionMisplaced, Codes.ReferenceUri);

    [Fact]
    public async Task xsw6_edited_assertion_with_clean_clone_inside_its_signature_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw6(_world.SignedResponse()),
            Codes.AssertionCount, Codes.AssertionMisplaced, Codes.ReferenceUri, Codes.SignatureProfile);

    [Fact]
    public async Task xsw7_evil_copy_with_the_same_id_in_an_extensions_element_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw7(_world.SignedResponse()),
            Codes.DuplicateId, Codes.AssertionCount, Codes.AssertionMisplaced);

    [Fact]
    public async Task xsw8_edited_assertion_with_clean_clone_in_an_object_under_its_signature_is_rejected() =>
        await AssertWrappingRejected(Wrapping.Xsw8(_world.SignedResponse()),
            Codes.DuplicateId, Codes.AssertionCount, Codes.AssertionMisplaced, Codes.SignatureProfile);

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task assertion_wrapping_is_rejected_when_the_response_is_signed_too(int xsw)
    {
        // Signing the Response as well breaks its digest, but the wrapping itself must still be named: an SP
        // configured for assertion-only signatures is exactly where these are tried.
        var doc = _world.SignedResponse(Signing.Both);
        Func<XmlDocument, XmlDocument> apply = xsw switch
        {
            3 => Wrapping.Xsw3, 4 => Wrapping.Xsw4, 5 => Wrapping.Xsw5, 6 => Wrapping.Xsw6, 7 => Wrapping.Xsw7, _ => Wrapping.Xsw8,
        };

        await AssertWrappingRejected(apply(doc),
            Codes.AssertionCount, Codes.AssertionMisplaced, Codes.DuplicateId, Codes.ReferenceUri, Codes.SignatureProfile);
    }

    private async Task AssertWrappingRejected(XmlDocument doc, params string[] codes)
    {
        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, codes);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }
}
