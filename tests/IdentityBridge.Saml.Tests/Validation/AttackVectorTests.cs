using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// Checks of the test world itself, with plain <see cref="SignedXml"/> as the oracle: the responses the suite calls
/// valid really are, and the attack vectors really keep a signature that a bare cryptographic check accepts. Without
/// this, a rejection in the other tests could come from a broken vector instead of from the validator's rules.
/// </summary>
public sealed class AttackVectorTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Theory]
    [InlineData(Signing.Assertion, "/p:Response/a:Assertion/ds:Signature")]
    [InlineData(Signing.Response, "/p:Response/ds:Signature")]
    [InlineData(Signing.Both, "/p:Response/ds:Signature")]
    [InlineData(Signing.Both, "/p:Response/a:Assertion/ds:Signature")]
    public void world_signatures_verify_with_the_idp_certificate(Signing signing, string signature)
    {
        var doc = _world.SignedResponse(signing);

        Assert.True(Verifies(doc, signature, keys.IdpA));
        Assert.False(Verifies(doc, signature, keys.IdpB));
    }

    [Fact]
    public void prefixed_signature_verifies_with_the_idp_certificate()
    {
        var doc = _world.Signed(_world.Response().WithSamlPrefix(), Signing.Assertion, new SignatureOptions { Prefix = "ds" });

        Assert.StartsWith("<ds:Signature", Dom.Signature(Dom.Assertion(doc)).OuterXml, StringComparison.Ordinal);
        Assert.True(Verifies(doc, "/p:Response/a:Assertion/ds:Signature", keys.IdpA));
    }

    [Fact]
    public void sha1_signature_is_cryptographically_valid()
    {
        // So ALGORITHM_FORBIDDEN is a policy decision, not a side effect of a broken signature.
        var doc = _world.Signed(_world.Response(), Signing.Assertion, new SignatureOptions { Sha1 = true });

        Assert.Contains("xmldsig#rsa-sha1", doc.OuterXml, StringComparison.Ordinal);
        Assert.True(Verifies(doc, "/p:Response/a:Assertion/ds:Signature", keys.IdpA));
    }

    public static TheoryData<int> WrappingThatVerifies => [2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(WrappingThatVerifies))]
    public void wrapped_response_still_carries_a_signature_that_verifies(int xsw)
    {
        // "Signature valid" is not "the element read is signed" (spec 2.1): these pass a bare SignedXml check.
        // XSW1/6 make SignedXml.LoadXml throw and XSW7/8 trip its duplicate-ID check, which is luck, not design.
        var doc = xsw switch
        {
            2 => Wrapping.Xsw2(_world.SignedResponse(Signing.Response)),
            3 => Wrapping.Xsw3(_world.SignedResponse()),
            4 => Wrapping.Xsw4(_world.SignedResponse()),
            _ => Wrapping.Xsw5(_world.SignedResponse()),
        };

        Assert.True(Verifies(doc, "(//ds:Signature)[1]", keys.IdpA));
        Assert.Contains(Entra.EvilUser, doc.OuterXml, StringComparison.Ordinal);
    }

    [Fact]
    public void comment_in_a_signed_name_id_leaves_the_signature_valid()
    {
        var doc = _world.Signed(_world.Response().WithNameId("admin@x.com.evil.com"));
        var nameId = Dom.NameId(Dom.Assertion(doc));
        nameId.InsertBefore(doc.CreateComment(""), ((XmlText)nameId.FirstChild!).SplitText("admin@x.com".Length));

        Assert.True(Verifies(doc, "/p:Response/a:Assertion/ds:Signature", keys.IdpA));
        Assert.Equal("admin@x.com", nameId.FirstChild!.Value);
    }

    [Fact]
    public void attacker_signature_verifies_only_when_key_info_is_trusted()
    {
        // The .NET pitfall of spec 2.4: CheckSignature() without a key uses the attacker's KeyInfo.
        var doc = SamlWorld.Sign(_world.Response().WithNameId(Entra.EvilUser).Build(), Signing.Assertion, keys.Attacker);
        var signedXml = Load(doc, "/p:Response/a:Assertion/ds:Signature");

        Assert.True(signedXml.CheckSignature());
        Assert.False(Verifies(doc, "/p:Response/a:Assertion/ds:Signature", keys.IdpA));
    }

    [Fact]
    public void wrapper_with_a_differently_spelled_id_is_what_signed_xml_digests()
    {
        // GetIdElement tries Id before ID and never compares spellings, so this duplicate is not an exception but a
        // silent choice of the wrong element: the validator has to look for it itself.
        var builder = _world.Response();
        var doc = _world.Signed(builder);
        var wrapper = doc.CreateElement("x", "Wrapper", "urn:example:wrapper");
        wrapper.SetAttribute("Id", builder.AssertionId);
        Dom.InsertAfterIssuer(doc.DocumentElement!, wrapper);

        Assert.False(Verifies(doc, "/p:Response/a:Assertion/ds:Signature", keys.IdpA));
    }

    private static bool Verifies(XmlDocument doc, string signatureXPath, X509Certificate2 certificate) =>
        Load(doc, signatureXPath).CheckSignature(SamlKeys.PublicOnly(certificate), verifySignatureOnly: true);

    private static SignedXml Load(XmlDocument doc, string signatureXPath)
    {
        var parsed = new XmlDocument { PreserveWhitespace = true };
        parsed.LoadXml(doc.OuterXml);
        var signedXml = new SignedXml(parsed);
        signedXml.LoadXml(Dom.Select(parsed, signatureXPath));
        return signedXml;
    }
}
