using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Metadata;

/// <summary>Signs and verifies an EntityDescriptor the way Entra signs its federation metadata.</summary>
internal static class MetadataSigning
{
    /// <summary>Adds an enveloped, exclusive-c14n, RSA-SHA256 signature as the first child, referencing the ID.</summary>
    public static void SignEnveloped(XmlElement entity, X509Certificate2 certificate)
    {
        using var key = certificate.GetRSAPrivateKey()!;
        var signed = new SignedXml(entity) { SigningKey = key };
        signed.SignedInfo!.CanonicalizationMethod = SamlNames.ExclusiveC14N;
        signed.SignedInfo.SignatureMethod = SamlNames.RsaSha256;
        var id = entity.GetAttribute("ID");
        var reference = new Reference(id.Length == 0 ? "" : "#" + id) { DigestMethod = SamlNames.Sha256 };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        var keyInfo = new KeyInfo();
        keyInfo.AddClause(new KeyInfoX509Data(certificate));
        signed.KeyInfo = keyInfo;
        signed.ComputeSignature();
        entity.PrependChild(entity.OwnerDocument.ImportNode(signed.GetXml(), true));
    }

    /// <summary>True when the document's root carries a signature, as its first element child, that verifies with the certificate.</summary>
    public static bool VerifiesAsFirstChild(string xml, X509Certificate2 certificate)
    {
        var document = SafeXml.Load(xml);
        var root = document.DocumentElement!;
        var first = root.ChildNodes.OfType<XmlElement>().First();
        if (first.LocalName != "Signature" || first.NamespaceURI != SamlNames.DSig) return false;
        var signed = new SignedXml(document);
        signed.LoadXml(first);
        using var key = certificate.GetRSAPublicKey()!;
        return signed.CheckSignature(key);
    }
}
