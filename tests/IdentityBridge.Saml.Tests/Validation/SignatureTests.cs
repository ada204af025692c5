using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// The signature itself: missing, moved, reshaped, weak, keyed by the wrong party, or made to verify over
/// something other than what is read (spec/saml.md 2.2 and 2.4).
/// </summary>
public sealed class SignatureTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task response_with_every_signature_stripped_is_rejected()
    {
        // Signature stripping (Perl XML::Sig CVE-2025-40934 returned true with no signature): no signature at all,
        // and the attacker writes whatever identity they like.
        var doc = _world.Response().WithNameId(Entra.EvilUser).Build();

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureMissing);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task assertion_signature_removed_from_a_both_signed_response_after_editing_is_rejected()
    {
        // The Response signature still covers the assertion, so editing it after stripping its own signature
        // must show as a broken Response signature, not pass as "response-signed".
        var doc = _world.SignedResponse(Signing.Both);
        var assertion = Dom.Assertion(doc);
        Dom.RemoveSignature(assertion);
        Dom.MakeEvil(assertion);

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureInvalid);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task broken_response_signature_is_not_excused_by_a_valid_assertion_signature()
    {
        // Every signature present must verify: the Response's covers Destination, InResponseTo and Status. Here a
        // harmless attribute is edited, so nothing but the broken signature is wrong.
        var doc = _world.SignedResponse(Signing.Both);
        Dom.Response(doc).SetAttribute("IssueInstant", ResponseBuilder.Instant(Entra.IssueInstant.AddSeconds(1)));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SignatureInvalid);
    }

    [Fact]
    public async Task second_signature_added_to_a_signed_assertion_is_rejected()
    {
        // node-saml fixture root-signed-twice: an attacker-keyed signature next to the genuine one, hoping the
        // verifier checks one and trusts the other.
        var doc = _world.SignedResponse();
        var assertion = Dom.Assertion(doc);
        var attackerSignature = XmlSigner.CreateSignature(doc, assertion, keys.Attacker, new SignatureOptions());
        assertion.InsertAfter(doc.ImportNode(attackerSignature, deep: true), Dom.Signature(assertion));

        Verdict.RejectedWithAnyOf(await _world.ValidateAsync(doc), Codes.SignatureMisplaced, Codes.SignatureProfile);
    }

    [Fact]
    public async Task response_signed_only_on_the_response_is_rejected_when_the_record_requires_a_signed_assertion()
    {
        _world.RecordA = _world.RecordA with { RequireSignedAssertion = true };

        var result = await _world.ValidateAsync(_world.SignedResponse(Signing.Response));

        Verdict.Rejected(result, Codes.AssertionNotSigned);
    }

    [Fact]
    public async Task assertion_signature_moved_after_the_subject_is_rejected()
    {
        // Saml core puts the Signature right after Issuer; anywhere else is a sign of a wrapped or spliced document.
        var doc = _world.SignedResponse();
        var assertion = Dom.Assertion(doc);
        var signature = Dom.Signature(assertion);
        assertion.InsertAfter(signature, Dom.Select(assertion, "a:Subject"));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureMisplaced);
    }

    [Fact]
    public async Task assertion_signature_moved_to_the_end_of_the_response_is_rejected()
    {
        // node-saml fixture response.root-carries-assertion-signature.assertion-unsigned: the assertion's signature
        // hangs off the root, where it is not the Response's own enveloped signature.
        var doc = _world.SignedResponse();
        var signature = Dom.Signature(Dom.Assertion(doc));
        doc.DocumentElement!.AppendChild(signature);

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureMisplaced);
    }

    [Fact]
    public async Task assertion_signature_moved_right_after_the_response_issuer_is_rejected()
    {
        // In the Response signature's own place, it still references the assertion, not its parent.
        var doc = _world.SignedResponse();
        var signature = Dom.Signature(Dom.Assertion(doc));
        Dom.InsertAfterIssuer(doc.DocumentElement!, signature);

        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, Codes.SignatureMisplaced, Codes.ReferenceUri);
    }

    [Fact]
    public async Task signature_with_two_signed_info_elements_is_rejected()
    {
        // xml-crypto CVE-2025-29774: a verifier reading a different SignedInfo than it checks.
        var doc = _world.SignedResponse();
        var signature = Dom.Signature(Dom.Assertion(doc));
        var signedInfo = Dom.Child(signature, XmlSigner.DsigNs, "SignedInfo");
        signature.InsertAfter(signedInfo.CloneNode(deep: true), signedInfo);

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SignatureProfile);
    }

    [Fact]
    public async Task signature_with_two_references_is_rejected()
    {
        // Crypto-valid, but a profile of exactly one Reference is what ties the signature to one element.
        var builder = _world.Response();
        var doc = _world.Signed(builder, Signing.Assertion, new SignatureOptions { SecondReferenceUri = "#" + builder.AssertionId });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SignatureProfile);
    }

    [Theory]
    [InlineData("")] // the whole document (Sustainsys VerifySignature_EmptyReferenceUri)
    [InlineData("#xpointer(/)")] // the whole document again, and dotnet/runtime#95390
    public async Task reference_to_the_whole_document_is_rejected(string uri)
    {
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { ReferenceUri = uri });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.ReferenceUri);
    }

    [Fact]
    public async Task reference_uri_without_hash_is_rejected()
    {
        // node-saml fixture *-uri-without-hash*: a bare ID is a relative URL, not a same-document reference.
        var doc = _world.SignedResponse();
        var reference = Dom.Descendant(Dom.Signature(Dom.Assertion(doc)), XmlSigner.DsigNs, "Reference");
        reference.SetAttribute("URI", reference.GetAttribute("URI").TrimStart('#'));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.ReferenceUri);
    }

    [Fact]
    public async Task reference_uri_that_is_not_an_ncname_is_rejected()
    {
        // node-saml fixture *-uri-with-quote*: a quote turns an ID lookup built as //*[@ID='...'] into XPath
        // injection; Sustainsys RequiresReferenceNCName.
        var doc = _world.SignedResponse();
        var reference = Dom.Descendant(Dom.Signature(Dom.Assertion(doc)), XmlSigner.DsigNs, "Reference");
        reference.SetAttribute("URI", reference.GetAttribute("URI") + "' or '1'='1");

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.ReferenceUri);
    }

    [Fact]
    public async Task assertion_signature_referencing_the_response_is_rejected()
    {
        // Validly signed, but over another element than its parent: the assertion itself is not covered.
        var builder = _world.Response();
        var doc = _world.Signed(builder, Signing.Assertion, new SignatureOptions { ReferenceUri = "#" + builder.ResponseId });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.ReferenceUri);
    }

    [Fact]
    public async Task xpath_transform_that_leaves_the_subject_unsigned_is_rejected()
    {
        // An XPath filter excluding Subject from the digest; the NameID is then edited freely. .NET blocks XPath
        // since MS16-035, but the allowlist must be explicit.
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { ExtraTransform = XPathExcludingSubject });
        Dom.NameId(Dom.Assertion(doc)).InnerText = Entra.EvilUser;

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.TransformForbidden);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task xslt_transform_is_rejected()
    {
        // XSLT in a signature runs attacker-supplied code in the verifier (and DoS); never allowed.
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { ExtraTransform = IdentityXslt });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.TransformForbidden);
    }

    [Fact]
    public async Task sha1_signature_by_the_real_key_is_rejected_by_default()
    {
        // Every peer in spec 3.4 accepted SHA-1; Entra only uses it when an admin picks the legacy option.
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { Sha1 = true });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AlgorithmForbidden);
    }

    [Fact]
    public async Task sha1_digest_under_an_rsa_sha256_signature_is_rejected_by_default()
    {
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { Sha1DigestOnly = true });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.AlgorithmForbidden);
    }

    [Fact]
    public async Task hmac_signature_keyed_with_the_public_key_is_rejected()
    {
        // Key confusion (xml-crypto GHSA-c27r-x354-4m68): anyone holding the public certificate can compute this.
        var doc = _world.Signed(_world.Response().WithNameId(Entra.EvilUser), Signing.Assertion,
            new SignatureOptions { HmacKey = keys.IdpA.GetPublicKey() });

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.AlgorithmForbidden);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task response_signed_by_an_attacker_with_their_certificate_in_key_info_is_rejected()
    {
        // xml-crypto CVE-2024-32962: a verifier that trusts the KeyInfo certificate accepts any self-made signature.
        var doc = SamlWorld.Sign(_world.Response().WithNameId(Entra.EvilUser).Build(), Signing.Assertion, keys.Attacker);

        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, Codes.SignatureInvalid, Codes.CertificateMismatch);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task response_signed_by_an_attacker_with_the_real_certificate_in_key_info_is_rejected()
    {
        // KeyInfo names the trusted certificate, but the signature was made with another key.
        var doc = SamlWorld.Sign(_world.Response().WithNameId(Entra.EvilUser).Build(), Signing.Assertion, keys.Attacker,
            new SignatureOptions { KeyInfoCertificate = keys.IdpA });

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureInvalid);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task real_signature_with_an_attacker_certificate_in_key_info_is_rejected()
    {
        // The key verifies, but the message claims another certificate: a mismatch the log must show (samlify behaviour).
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { KeyInfoCertificate = keys.Attacker });

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.CertificateMismatch);
    }

    [Fact]
    public async Task name_id_edited_after_signing_is_rejected()
    {
        var doc = _world.SignedResponse();
        Dom.NameId(Dom.Assertion(doc)).InnerText = Entra.EvilUser;

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureInvalid);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
        Assert.Null(result.NameId);
    }

    [Fact]
    public async Task attribute_value_edited_after_signing_is_rejected()
    {
        var doc = _world.SignedResponse();
        var email = Dom.Select(Dom.Assertion(doc), $"a:AttributeStatement/a:Attribute[@Name='{Entra.EmailClaim}']/a:AttributeValue");
        email.InnerText = Entra.EvilUser;

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SignatureInvalid);
    }

    [Fact]
    public async Task response_signed_response_with_an_edited_assertion_is_rejected()
    {
        var doc = _world.SignedResponse(Signing.Response);
        Dom.MakeEvil(Dom.Assertion(doc));

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureInvalid);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task digest_value_with_a_comment_carrying_the_attackers_digest_is_rejected()
    {
        // xml-crypto CVE-2025-29775: SignedInfo is canonicalised without comments, so the SignatureValue still
        // verifies, while a verifier reading DigestValue's first child compares against the comment. The comment
        // holds the digest of the edited assertion.
        var builder = _world.Response();
        var doc = _world.Signed(builder);
        var edited = _world.Signed(builder.WithNameId(Entra.EvilUser));
        var evilDigest = Dom.Descendant(Dom.Signature(Dom.Assertion(edited)), XmlSigner.DsigNs, "DigestValue").InnerText;

        var assertion = Dom.Assertion(doc);
        Dom.NameId(assertion).InnerText = Entra.EvilUser;
        var digest = Dom.Descendant(Dom.Signature(assertion), XmlSigner.DsigNs, "DigestValue");
        digest.PrependChild(doc.CreateComment(evilDigest));

        var result = await _world.ValidateAsync(doc);

        Verdict.RejectedWithAnyOf(result, Codes.SignatureInvalid, Codes.SignatureProfile);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task reference_planted_in_status_detail_is_not_used_for_verification()
    {
        // ruby-saml CVE-2024-45409: Reference and DigestValue were found with document-wide XPath, so a second
        // Reference carrying the digest of the edited assertion, hidden in StatusDetail, was the one compared.
        var builder = _world.Response();
        var doc = _world.Signed(builder);
        var edited = _world.Signed(builder.WithNameId(Entra.EvilUser));
        var plantedReference = Dom.Descendant(Dom.Signature(Dom.Assertion(edited)), XmlSigner.DsigNs, "Reference");

        Dom.NameId(Dom.Assertion(doc)).InnerText = Entra.EvilUser;
        var detail = Dom.NewProtocolElement(doc, "StatusDetail");
        detail.AppendChild(doc.ImportNode(plantedReference, deep: true));
        Dom.Status(doc).AppendChild(detail);

        var result = await _world.ValidateAsync(doc);

        Verdict.Rejected(result, Codes.SignatureInvalid);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task digest_value_with_a_comment_inside_is_rejected()
    {
        // The same CVE-2025-29775 shape with nothing else changed: a comment has no business in a DigestValue, and
        // normalising it away would hide the attack above from the log.
        var doc = _world.SignedResponse();
        var digest = Dom.Descendant(Dom.Signature(Dom.Assertion(doc)), XmlSigner.DsigNs, "DigestValue");
        digest.PrependChild(doc.CreateComment("x"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.SignatureProfile);
    }

    private static Transform XPathExcludingSubject()
    {
        var holder = new XmlDocument();
        var xpath = holder.CreateElement("XPath", XmlSigner.DsigNs);
        xpath.InnerText = "not(ancestor-or-self::*[local-name()='Subject'])";
        var transform = new XmlDsigXPathTransform();
        transform.LoadInnerXml(xpath.SelectNodes(".")!);
        return transform;
    }

    private static Transform IdentityXslt()
    {
        var holder = new XmlDocument();
        holder.LoadXml("""
            <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template></xsl:stylesheet>
            """);
        var transform = new XmlDsigXsltTransform();
        transform.LoadInnerXml(holder.ChildNodes);
        return transform;
    }
}
