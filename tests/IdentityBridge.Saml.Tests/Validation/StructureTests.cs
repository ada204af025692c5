using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// The shape a response must have before its signature means anything: one Response root, exactly one Assertion as
/// its child and none anywhere else, unique IDs in every spelling .NET's SignedXml resolves (spec/saml.md 2.2, 2.4).
/// </summary>
public sealed class StructureTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task response_with_two_signed_assertions_is_rejected()
    {
        // crewjam/saml CVE-2022-41912, dex reorder bug: which of two valid assertions is "the" one is up to the SP.
        var doc = _world.SignedResponse();
        var second = _world.Signed(_world.Response().WithNameId(Entra.EvilUser));
        doc.DocumentElement!.AppendChild(doc.ImportNode(Dom.Assertion(second), deep: true));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.AssertionCount);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task response_with_a_signed_and_an_unsigned_assertion_is_rejected()
    {
        // node-saml fixture response.root-unsigned.assertion-signed.assertion-unsigned; passport-saml CVE-2022-39299.
        var doc = _world.SignedResponse();
        var unsigned = _world.Response().WithNameId(Entra.EvilUser).Build();
        doc.DocumentElement!.AppendChild(doc.ImportNode(Dom.Assertion(unsigned), deep: true));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.AssertionCount);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task response_with_no_assertion_is_rejected()
    {
        var doc = _world.Response().Build();
        doc.DocumentElement!.RemoveChild(Dom.Assertion(doc));

        Verdict.RejectedWithAnyOf(await _world.ValidateAsync(doc), Codes.AssertionCount, Codes.SignatureMissing);
    }

    public static TheoryData<string> OddPlaces => ["Extensions", "StatusDetail", "Object"];

    [Theory]
    [MemberData(nameof(OddPlaces))]
    public async Task evil_assertion_hidden_in_an_odd_place_beside_the_signed_one_is_rejected(string place)
    {
        // CVE-2025-25292 and CVE-2025-54369 variants use StatusDetail; Extensions and ds:Object are the other
        // places a schema allows foreign content. The signed assertion stays where it belongs.
        var doc = _world.SignedResponse();
        var evil = (XmlElement)Dom.Assertion(doc).CloneNode(deep: true);
        Dom.RemoveSignature(evil);
        Dom.MakeEvil(evil);
        evil.SetAttribute("ID", "_evil_assertion_ID");
        OddPlace(doc, place).AppendChild(evil);

        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, Codes.AssertionMisplaced, Codes.AssertionCount);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Theory]
    [InlineData("Extensions")]
    [InlineData("StatusDetail")]
    public async Task signed_assertion_moved_into_an_odd_place_is_rejected(string place)
    {
        // The signature still verifies where it now sits; a reader that searches //Assertion would still find it.
        var doc = _world.SignedResponse();
        var assertion = Dom.Assertion(doc);
        var container = OddPlace(doc, place);
        container.AppendChild(assertion);

        Verdict.RejectedWithAnyOf(await _world.ValidateAsync(doc), Codes.AssertionMisplaced, Codes.AssertionCount);
    }

    [Fact]
    public async Task evil_assertion_inside_the_signed_assertions_advice_is_rejected()
    {
        // Advice may legally hold assertions, signed over by the outer one; none of them is the subject's identity.
        var doc = _world.Response().Build();
        var assertion = Dom.Assertion(doc);
        var advice = Dom.NewAssertionElement(doc, "Advice");
        assertion.InsertAfter(advice, Dom.Select(assertion, "a:Conditions"));
        var evil = (XmlElement)assertion.CloneNode(deep: true);
        evil.RemoveChild(Dom.Select(evil, "a:Advice"));
        Dom.MakeEvil(evil);
        evil.SetAttribute("ID", "_evil_assertion_ID");
        advice.AppendChild(evil);
        XmlSigner.Reload(doc);
        XmlSigner.SignAssertion(doc, keys.IdpA);

        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, Codes.AssertionMisplaced, Codes.AssertionCount);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task signed_assertion_posted_without_a_response_is_rejected()
    {
        var signed = _world.SignedResponse();
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.AppendChild(doc.ImportNode(Dom.Assertion(signed), deep: true));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.NotAResponse);
    }

    [Fact]
    public async Task logout_response_posted_to_the_consumer_service_is_rejected()
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml($"""<samlp:LogoutResponse xmlns:samlp="{ResponseBuilder.ProtocolNs}" ID="_lr1" Version="2.0" IssueInstant="{ResponseBuilder.Instant(Entra.IssueInstant)}" Destination="{Entra.AssertionConsumerService}"><Issuer xmlns="{ResponseBuilder.AssertionNs}">{Entra.IssuerA}</Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>""");

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.NotAResponse);
    }

    [Theory]
    [InlineData("ID")]
    [InlineData("Id")]
    [InlineData("id")]
    public async Task element_repeating_the_signed_id_in_any_spelling_is_rejected(string attribute)
    {
        // SignedXml.GetIdElement looks for Id, then id, then ID, and only catches duplicates within one spelling:
        // a wrapper with Id="<assertion ID>" is what it would digest (spec 2.4; Sustainsys
        // VerifySignature_RejectsDuplicateIdsEvenIfCaseDiffer, Perl XML::Sig CVE-2026-9487).
        var builder = _world.Response();
        var doc = _world.Signed(builder);
        var extensions = Dom.NewProtocolElement(doc, "Extensions");
        var wrapper = doc.CreateElement("x", "Wrapper", "urn:example:wrapper");
        wrapper.SetAttribute(attribute, builder.AssertionId);
        extensions.AppendChild(wrapper);
        Dom.InsertAfterIssuer(doc.DocumentElement!, extensions);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DuplicateId);
    }

    [Fact]
    public async Task element_repeating_the_signed_response_id_is_rejected()
    {
        var builder = _world.Response();
        var doc = _world.Signed(builder, Signing.Response);
        var status = Dom.Status(doc);
        var detail = Dom.NewProtocolElement(doc, "StatusDetail");
        var wrapper = doc.CreateElement("x", "Wrapper", "urn:example:wrapper");
        wrapper.SetAttribute("Id", builder.ResponseId!);
        detail.AppendChild(wrapper);
        status.AppendChild(detail);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.DuplicateId);
    }

    [Fact]
    public async Task response_of_another_saml_version_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithVersion("1.1"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.UnsupportedVersion);
    }

    [Fact]
    public async Task response_without_an_id_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithResponseId(null));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.MissingId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task assertion_without_a_usable_name_id_is_rejected(string? nameId)
    {
        // An empty NameID must not match a sys_user whose user_field is empty.
        var result = await _world.ValidateAsync(_world.Signed(_world.Response().WithNameId(nameId)));

        Verdict.Rejected(result, Codes.NameIdMissing);
    }

    [Fact]
    public async Task assertion_without_an_authn_statement_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithoutAuthnStatement());

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AuthnStatementMissing);
    }

    private static XmlElement OddPlace(XmlDocument doc, string place)
    {
        switch (place)
        {
            case "Extensions":
                var extensions = Dom.NewProtocolElement(doc, "Extensions");
                Dom.InsertAfterIssuer(doc.DocumentElement!, extensions);
                return extensions;
            case "StatusDetail":
                var detail = Dom.NewProtocolElement(doc, "StatusDetail");
                Dom.Status(doc).AppendChild(detail);
                return detail;
            case "Object":
                var obj = doc.CreateElement("Object", XmlSigner.DsigNs);
                Dom.Signature(Dom.Assertion(doc)).AppendChild(obj);
                return obj;
            default:
                throw new ArgumentOutOfRangeException(nameof(place), place, null);
        }
    }
}
