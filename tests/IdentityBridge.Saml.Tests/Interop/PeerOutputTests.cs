using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// The peers themselves, judged by two independent verifiers (xmlsec1 and xml-crypto) rather than by our validator:
/// each signs what it was asked to, with the key it was given, so a failure in the interop tests is the validator's.
/// </summary>
public sealed class PeerOutputTests(InteropKeys keys) : IClassFixture<InteropKeys>
{
    private readonly InteropPeers _peers = InteropPeers.ForThisRepository();

    private PeerRequest Request(bool signResponse, bool signAssertion, SigningKey? key = null) => new()
    {
        Key = (key ?? keys.IdentityProvider).KeyPem,
        Cert = (key ?? keys.IdentityProvider).CertificatePem,
        Issuer = "https://sts.windows.net/8d5a7c21-3b9e-4f62-a1d0-5c2e9b7f4a13/",
        Audience = "https://contoso.service-now.com",
        Destination = "https://contoso.service-now.com/navpage.do",
        NameId = "adele.vance@contoso.example",
        Attributes = new Dictionary<string, IReadOnlyList<string>>
        {
            ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"] = ["Adele <Vance> & co"],
        },
        SignResponse = signResponse,
        SignAssertion = signAssertion,
    };

    [Theory]
    [InlineData(Signer.Samlp, SignedPart.Assertion)]
    [InlineData(Signer.Samlp, SignedPart.Response)]
    [InlineData(Signer.Samlp, SignedPart.ResponseAndAssertion)]
    [InlineData(Signer.Samlify, SignedPart.Assertion)]
    [InlineData(Signer.Samlify, SignedPart.Response)]
    [InlineData(Signer.Samlify, SignedPart.ResponseAndAssertion)]
    [InlineData(Signer.Xmlsec1, SignedPart.Assertion)]
    public async Task peer_signs_what_it_was_asked_to_and_independent_verifiers_agree(Signer signer, SignedPart part)
    {
        var signResponse = part is SignedPart.Response or SignedPart.ResponseAndAssertion;
        var signAssertion = part is SignedPart.Assertion or SignedPart.ResponseAndAssertion;

        var response = await _peers.SignAsync(signer, Request(signResponse, signAssertion));

        var verdict = await _peers.VerifyWithXmlCryptoAsync(response, keys.IdentityProvider.CertificatePem);
        Assert.True(verdict.Valid, Tampering.Xml(response));
        Assert.True(await _peers.VerifyWithXmlsec1Async(response, keys.IdentityProvider.CertificatePem), Tampering.Xml(response));
        var signed = verdict.Signatures.Select(s => s.Signs ?? "(none)").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ExpectedSignedElements(signResponse, signAssertion), signed);
    }

    [Theory]
    [InlineData(Signer.Samlp)]
    [InlineData(Signer.Samlify)]
    [InlineData(Signer.Xmlsec1)]
    public async Task peer_output_does_not_verify_with_another_certificate_or_after_tampering(Signer signer)
    {
        var response = await _peers.SignAsync(signer, Request(signResponse: false, signAssertion: true));
        var tampered = Tampering.ChangeNameId(response, "admin@contoso.example");

        Assert.False((await _peers.VerifyWithXmlCryptoAsync(response, keys.Attacker.CertificatePem)).Valid);
        Assert.False(await _peers.VerifyWithXmlsec1Async(response, keys.Attacker.CertificatePem));
        Assert.False((await _peers.VerifyWithXmlCryptoAsync(tampered, keys.IdentityProvider.CertificatePem)).Valid);
        Assert.False(await _peers.VerifyWithXmlsec1Async(tampered, keys.IdentityProvider.CertificatePem));
    }

    [Fact]
    public async Task xmlsec1_response_is_laid_out_as_entra_issues_it()
    {
        var response = await _peers.SignAsync(Signer.Xmlsec1, Request(signResponse: false, signAssertion: true));

        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(Tampering.Xml(response));
        var assertion = (XmlElement)document.GetElementsByTagName("Assertion", SamlNames.Assertion)[0]!;
        var signature = (XmlElement)assertion.GetElementsByTagName("Signature", SamlNames.DSig)[0]!;
        var conditions = (XmlElement)assertion.GetElementsByTagName("Conditions", SamlNames.Assertion)[0]!;

        Assert.Equal(["Issuer", "Signature", "Subject", "Conditions", "AttributeStatement", "AuthnStatement"],
            assertion.ChildNodes.OfType<XmlElement>().Select(e => e.LocalName));
        Assert.Equal("", assertion.Prefix);
        Assert.Equal("", signature.Prefix);
        Assert.Null(document.DocumentElement!.GetAttributeNode("InResponseTo"));
        Assert.NotEmpty(signature.GetElementsByTagName("X509Certificate", SamlNames.DSig)[0]!.InnerText);
        // Entra backdates NotBefore by five minutes (spec/saml.md 1.6).
        var issued = DateTimeOffset.Parse(assertion.GetAttribute("IssueInstant"), System.Globalization.CultureInfo.InvariantCulture);
        var notBefore = DateTimeOffset.Parse(conditions.GetAttribute("NotBefore"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromMinutes(5), issued - notBefore);
    }

    [Fact]
    public async Task unsolicited_samlp_response_has_no_in_response_to_and_samlify_writes_an_empty_one()
    {
        var samlp = Tampering.Xml(await _peers.SignAsync(Signer.Samlp, Request(signResponse: false, signAssertion: true)));
        var samlify = Tampering.Xml(await _peers.SignAsync(Signer.Samlify, Request(signResponse: false, signAssertion: true)));

        Assert.DoesNotContain("InResponseTo", samlp, StringComparison.Ordinal);
        Assert.Contains("InResponseTo=\"\"", samlify, StringComparison.Ordinal);
    }

    [Fact]
    public async Task missing_peers_are_reported_with_the_command_that_installs_them()
    {
        var root = Directory.CreateTempSubdirectory("identitybridge-no-peers-");
        try
        {
            var bare = new InteropPeers(root.FullName, searchPath: root.FullName, TimeProvider.System);

            var noNode = await Assert.ThrowsAsync<InteropPeerMissingException>(() => bare.SignAsync(Signer.Samlp, Request(false, true)));
            var noXmlsec1 = await Assert.ThrowsAsync<InteropPeerMissingException>(() => bare.SignAsync(Signer.Xmlsec1, Request(false, true)));

            Assert.Contains(".ci/install-saml-peers", noNode.Message, StringComparison.Ordinal);
            Assert.Contains("xmlsec1", noXmlsec1.Message, StringComparison.Ordinal);
            Assert.Contains(".ci/install-saml-peers", noXmlsec1.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static List<string> ExpectedSignedElements(bool signResponse, bool signAssertion) =>
        [.. new[] { signAssertion ? "Assertion" : null, signResponse ? "Response" : null }.OfType<string>()];
}
