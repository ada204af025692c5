using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace IdentityBridge.Saml.Xml;

/// <summary>
/// Enveloped XML signatures as SAML uses them: exclusive C14N, one Reference to the element's own ID, the
/// enveloped-signature and exclusive C14N transforms, the signature placed right after the element's Issuer (SAML
/// core's schema order, and where Entra puts it), with the certificate in KeyInfo.
/// </summary>
public static class XmlSigner
{
    /// <summary>Signs <paramref name="element"/>, which must carry an <c>ID</c> and belong to a document.</summary>
    public static void Sign(XmlElement element, X509Certificate2 certificate, string signatureAlgorithm = SamlNames.RsaSha256,
        bool includeKeyInfo = true)
    {
        var id = element.GetAttribute("ID");
        if (id.Length == 0) throw new ArgumentException("The element to sign has no ID attribute.", nameof(element));
        using var key = certificate.GetRSAPrivateKey()
                        ?? throw new ArgumentException("The certificate has no RSA private key.", nameof(certificate));
        var signed = new SignedXml(element) { SigningKey = key };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = signatureAlgorithm;
        var reference = new Reference("#" + id) { DigestMethod = SamlNames.DigestFor(signatureAlgorithm) };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        if (includeKeyInfo)
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new KeyInfoX509Data(certificate, X509IncludeOption.EndCertOnly));
            signed.KeyInfo = keyInfo;
        }
        signed.ComputeSignature();
        var signature = element.OwnerDocument.ImportNode(signed.GetXml(), deep: true);
        var issuer = XmlElements.First(element, "Issuer", SamlNames.Assertion);
        if (issuer is not null) element.InsertAfter(signature, issuer);
        else element.PrependChild(signature);
    }
}
