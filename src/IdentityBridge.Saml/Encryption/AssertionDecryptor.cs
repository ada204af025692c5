using IdentityBridge.Saml.Bindings;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Encryption;

/// <summary>The plaintext of an encrypted assertion, or why there is none.</summary>
internal sealed record DecryptionOutcome(byte[]? Plaintext, string? Error);

/// <summary>
/// Decrypts an EncryptedAssertion with our private key. Only RSA-OAEP key transport is accepted (RSA PKCS#1 v1.5 is
/// open to Bleichenbacher's attack), and AES-GCM or AES-CBC content. Nothing is fetched: no RetrievalMethod, no
/// external references, and the key comes from our configuration, never from the message.
/// </summary>
internal static class AssertionDecryptor
{
    private const string Aes128Cbc = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    private const string Aes192Cbc = "http://www.w3.org/2001/04/xmlenc#aes192-cbc";
    private const string Aes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    private const string Aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    private const string Aes192Gcm = "http://www.w3.org/2009/xmlenc11#aes192-gcm";
    private const string Aes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    private const string RsaOaepMgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    private const string RsaOaep = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    private const string Mgf1Sha256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256";

    public static DecryptionOutcome Decrypt(XmlElement encryptedAssertion, X509Certificate2 certificate)
    {
        var data = XmlElements.Children(encryptedAssertion, "EncryptedData", SamlNames.XmlEnc).ToList();
        if (data.Count != 1) return Fail("an EncryptedAssertion must hold exactly one EncryptedData");
        var method = XmlElements.First(data[0], "EncryptionMethod", SamlNames.XmlEnc)?.GetAttribute("Algorithm");
        var cipher = CipherValue(data[0]);
        if (cipher is null) return Fail("the EncryptedData has no CipherValue");

        var keyInfo = XmlElements.First(data[0], "KeyInfo", SamlNames.DSig);
        var encryptedKeys = (keyInfo is null ? [] : XmlElements.Children(keyInfo, "EncryptedKey", SamlNames.XmlEnc)).Concat(XmlElements.Children(encryptedAssertion, "EncryptedKey", SamlNames.XmlEnc)).ToList();
        if (encryptedKeys.Count == 0) return Fail("no EncryptedKey is present");
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null) return Fail("our decryption certificate has no RSA private key");

        byte[]? key = null;
        foreach (var encryptedKey in encryptedKeys)
        {
            key = UnwrapKey(encryptedKey, rsa);
            if (key is not null) break;
        }
        if (key is null) return Fail("the content key did not decrypt with our key");
        try
        {
            return method switch
            {
                Aes128Gcm or Aes192Gcm or Aes256Gcm => Gcm(key, cipher),
                Aes128Cbc or Aes192Cbc or Aes256Cbc => Cbc(key, cipher),
                _ => Fail($"the content encryption algorithm '{method}' is not supported"),
            };
        }
        catch (CryptographicException)
        {
            return Fail("the content did not decrypt");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[]? UnwrapKey(XmlElement encryptedKey, RSA rsa)
    {
        var method = XmlElements.First(encryptedKey, "EncryptionMethod", SamlNames.XmlEnc);
        var algorithm = method?.GetAttribute("Algorithm");
        var cipher = CipherValue(encryptedKey);
        if (method is null || cipher is null) return null;
        var digest = XmlElements.First(method, "DigestMethod", SamlNames.DSig)?.GetAttribute("Algorithm");
        var mgf = XmlElements.First(method, "MGF", SamlNames.XmlEnc11)?.GetAttribute("Algorithm");
        RSAEncryptionPadding? padding = algorithm switch
        {
            RsaOaepMgf1p when digest is null or SamlNames.Sha1 => RSAEncryptionPadding.OaepSHA1,
            RsaOaep when (digest is null or SamlNames.Sha1) && mgf is null => RSAEncryptionPadding.OaepSHA1,
            RsaOaep when digest == SamlNames.Sha256 && mgf == Mgf1Sha256 => RSAEncryptionPadding.OaepSHA256,
            _ => null,
        };
        if (padding is null) return null;
        try
        {
            return rsa.Decrypt(cipher, padding);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static DecryptionOutcome Gcm(byte[] key, byte[] cipher)
    {
        const int nonce = 12, tag = 16;
        if (cipher.Length < nonce + tag) return Fail("the content is too short");
        var plain = new byte[cipher.Length - nonce - tag];
        using var gcm = new AesGcm(key, tag);
        gcm.Decrypt(cipher.AsSpan(0, nonce), cipher.AsSpan(nonce, plain.Length), cipher.AsSpan(cipher.Length - tag), plain);
        return new(plain, null);
    }

    private static DecryptionOutcome Cbc(byte[] key, byte[] cipher)
    {
        if (cipher.Length < 32 || cipher.Length % 16 != 0) return Fail("the content has a wrong length");
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(cipher.AsSpan(16), cipher.AsSpan(0, 16), PaddingMode.None);
        // XML Encryption's padding: the last byte says how many bytes to drop; the others are arbitrary.
        var pad = plain[^1];
        if (pad is 0 or > 16) return Fail("the content did not decrypt");
        return new(plain[..^pad], null);
    }

    private static byte[]? CipherValue(XmlElement parent)
    {
        var cipherData = XmlElements.First(parent, "CipherData", SamlNames.XmlEnc);
        var value = cipherData is null ? null : XmlElements.First(cipherData, "CipherValue", SamlNames.XmlEnc);
        return value is not null && StrictBase64.TryDecode(value.InnerText, allowLineWhitespace: true, out var bytes) ? bytes : null;
    }

    private static DecryptionOutcome Fail(string error) => new(null, error);
}
