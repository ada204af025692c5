using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// The library's own signer, judged by three verifiers that share no code with it: xmlsec1, xml-crypto and .NET's
/// <see cref="SignedXml"/>. The tenant signs every response and metadata document with it.
/// </summary>
public sealed class LibrarySignerInteropTests(InteropKeys keys) : IClassFixture<InteropKeys>
{
    private readonly InteropPeers _peers = InteropPeers.ForThisRepository();

    private static ResponseDescription Description() => new()
    {
        Issuer = "https://sts.windows.net/8d5a7c21-3b9e-4f62-a1d0-5c2e9b7f4a13/",
        Destination = "https://contoso.service-now.com/navpage.do",
        Audience = "https://contoso.service-now.com",
        NameId = "adele.vance@contoso.example",
        IssueInstant = DateTimeOffset.UtcNow,
        Attributes =
        [
            new("http://schemas.microsoft.com/identity/claims/displayname", ["Adele <Vance> & co"]),
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", ["adele.vance@contoso.example"]),
        ],
    };

    private X509Certificate2 Signer(SigningKey key) => X509Certificate2.CreateFromPem(key.CertificatePem, key.KeyPem);

    [Theory]
    [InlineData(SigningOption.Assertion, SamlNames.RsaSha256)]
    [InlineData(SigningOption.Response, SamlNames.RsaSha256)]
    [InlineData(SigningOption.ResponseAndAssertion, SamlNames.RsaSha256)]
    [InlineData(SigningOption.Assertion, SamlNames.RsaSha1)]
    [InlineData(SigningOption.ResponseAndAssertion, SamlNames.RsaSha512)]
    public async Task every_signature_the_library_writes_verifies_in_xmlsec1_xml_crypto_and_signed_xml(SigningOption option, string algorithm)
    {
        using var certificate = Signer(keys.IdentityProvider);
        var document = ResponseWriter.WriteSigned(Description(), certificate, option, algorithm);
        var response = ResponseWriter.Encode(document);

        var verdict = await _peers.VerifyWithXmlCryptoAsync(response, keys.IdentityProvider.CertificatePem);
        Assert.True(verdict.Valid, document.OuterXml);
        Assert.Equal(option == SigningOption.ResponseAndAssertion ? 2 : 1, verdict.Signatures.Count);
        Assert.True(await _peers.VerifyWithXmlsec1Async(response, keys.IdentityProvider.CertificatePem), document.OuterXml);
        foreach (var valid in SignedXmlVerdicts(document.OuterXml, keys.IdentityProvider.CertificatePem)) Assert.True(valid, document.OuterXml);
    }

    [Fact]
    public async Task a_library_signature_does_not_verify_after_tampering_or_with_another_certificate()
    {
        using var certificate = Signer(keys.IdentityProvider);
        var response = ResponseWriter.Encode(ResponseWriter.WriteSigned(Description(), certificate));
        var tampered = Tampering.ChangeNameId(response, "admin@contoso.example");

        Assert.False(await _peers.VerifyWithXmlsec1Async(tampered, keys.IdentityProvider.CertificatePem));
        Assert.False((await _peers.VerifyWithXmlCryptoAsync(tampered, keys.IdentityProvider.CertificatePem)).Valid);
        Assert.False(await _peers.VerifyWithXmlsec1Async(response, keys.Attacker.CertificatePem));
        Assert.All(SignedXmlVerdicts(Tampering.Xml(tampered), keys.IdentityProvider.CertificatePem), Assert.False);
    }

    /// <summary>Each signature of the re-parsed document, checked by SignedXml against the given certificate only.</summary>
    private static IEnumerable<bool> SignedXmlVerdicts(string xml, string certificatePem)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(xml);
        using var trusted = X509Certificate2.CreateFromPem(certificatePem);
        var signatures = document.GetElementsByTagName("Signature", SamlNames.DSig).Cast<XmlElement>().ToList();
        Assert.NotEmpty(signatures);
        foreach (var signature in signatures)
        {
            var signed = new SignedXml((XmlElement)signature.ParentNode!);
            signed.LoadXml(signature);
            yield return signed.CheckSignature(trusted, verifySignatureOnly: true);
        }
    }
}
