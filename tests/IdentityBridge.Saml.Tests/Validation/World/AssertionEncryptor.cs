using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>
/// Replaces the assertion by an EncryptedAssertion, as Entra's optional token encryption does: AES-256-CBC content,
/// key transported to the service provider's certificate with RSA-OAEP (or RSA PKCS#1 v1.5, the Bleichenbacher-prone
/// transport a validator must refuse). Encryption needs only the public key, so an attacker can do it too.
/// </summary>
public static class AssertionEncryptor
{
    public static XmlDocument EncryptAssertion(XmlDocument doc, X509Certificate2 recipient, bool oaep = true)
    {
        var assertion = Dom.Assertion(doc);
        using var aes = Aes.Create();
        aes.KeySize = 256;
        using var rsa = recipient.GetRSAPublicKey()!;

        var encryptedKey = new EncryptedKey
        {
            EncryptionMethod = new EncryptionMethod(oaep ? EncryptedXml.XmlEncRSAOAEPUrl : EncryptedXml.XmlEncRSA15Url),
            CipherData = new CipherData(EncryptedXml.EncryptKey(aes.Key, rsa, oaep)),
        };
        var encryptedData = new EncryptedData
        {
            Type = EncryptedXml.XmlEncElementUrl,
            EncryptionMethod = new EncryptionMethod(EncryptedXml.XmlEncAES256Url),
            CipherData = new CipherData(new EncryptedXml().EncryptData(assertion, aes, content: false)),
        };
        encryptedData.KeyInfo.AddClause(new KeyInfoEncryptedKey(encryptedKey));

        var wrapper = Dom.NewAssertionElement(doc, "EncryptedAssertion");
        wrapper.AppendChild(doc.ImportNode(encryptedData.GetXml(), deep: true));
        doc.DocumentElement!.ReplaceChild(wrapper, assertion);
        XmlSigner.Reload(doc);
        return doc;
    }
}
