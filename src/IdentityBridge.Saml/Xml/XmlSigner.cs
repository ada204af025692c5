using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace IdentityBridge.Saml.Xml;

/// <summary>
/// Enveloped XML signatures as SAML uses them: exclusive C14N, one Reference to the element's own ID, the
/// enveloped-signature and exclusive C14N transforms, the signature placed right after the element's Issuer (SAML
/// core's schema order, and where Entra puts it), with the certificate in KeyInfo.
/// </summary>
/// <remarks>
/// The signature is written directly with the library's exclusive canonicalization (the one verification uses, tested
/// byte for byte against .NET's transform) rather than through <c>SignedXml</c>, which serialises and re-parses the
/// signed element for each transform: that made signing cost three RSA signatures' worth of time. The interop tests
/// check the output with xmlsec1, xml-crypto, node-saml, python3-saml, pysaml2 and <c>SignedXml</c> itself.
/// </remarks>
public static class XmlSigner
{
    /// <summary>Signs <paramref name="element"/>, which must carry an <c>ID</c> and belong to a document.</summary>
    public static void Sign(XmlElement element, X509Certificate2 certificate, string signatureAlgorithm = SamlNames.RsaSha256,
        bool includeKeyInfo = true)
    {
        var id = element.GetAttribute("ID");
        if (id.Length == 0) throw new ArgumentException("The element to sign has no ID attribute.", nameof(element));
        var hash = SamlNames.HashOf(signatureAlgorithm)
                   ?? throw new ArgumentException($"'{signatureAlgorithm}' is not an RSA signature algorithm this library signs with.", nameof(signatureAlgorithm));
        using var key = certificate.GetRSAPrivateKey()
                        ?? throw new ArgumentException("The certificate has no RSA private key.", nameof(certificate));

        var document = element.OwnerDocument;
        XmlElement Child(XmlElement parent, string name, string? algorithm = null)
        {
            var child = document.CreateElement(name, SamlNames.DSig);
            if (algorithm is not null) child.SetAttribute("Algorithm", algorithm);
            parent.AppendChild(child);
            return child;
        }
        var signature = document.CreateElement("Signature", SamlNames.DSig);
        var signedInfo = Child(signature, "SignedInfo");
        Child(signedInfo, "CanonicalizationMethod", SamlNames.ExclusiveC14N);
        Child(signedInfo, "SignatureMethod", signatureAlgorithm);
        var reference = Child(signedInfo, "Reference");
        reference.SetAttribute("URI", "#" + id);
        var transforms = Child(reference, "Transforms");
        Child(transforms, "Transform", SamlNames.EnvelopedSignature);
        Child(transforms, "Transform", SamlNames.ExclusiveC14N);
        var digestMethod = SamlNames.DigestFor(signatureAlgorithm);
        Child(reference, "DigestMethod", digestMethod);
        var digestValue = Child(reference, "DigestValue");
        var signatureValue = Child(signature, "SignatureValue");
        if (includeKeyInfo)
            Child(Child(Child(signature, "KeyInfo"), "X509Data"), "X509Certificate").InnerText = Convert.ToBase64String(certificate.RawData);

        // In place first, so both canonical forms see the namespaces the element is in where it stands.
        var issuer = XmlElements.First(element, "Issuer", SamlNames.Assertion);
        if (issuer is not null) element.InsertAfter(signature, issuer);
        else element.PrependChild(signature);

        var digest = SamlNames.DigestOf(digestMethod, ExclusiveCanonicalizer.Canonicalize(element, omit: signature));
        digestValue.InnerText = Convert.ToBase64String(digest);
        signatureValue.InnerText = Convert.ToBase64String(
            key.SignData(ExclusiveCanonicalizer.Canonicalize(signedInfo), hash, RSASignaturePadding.Pkcs1));
    }
}
