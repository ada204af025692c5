using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>How one enveloped signature is made. The defaults are Entra's; every other value is an attack knob.</summary>
public sealed record SignatureOptions
{
    /// <summary>RSA-SHA1 with a SHA-1 digest: Entra's legacy option, refused unless a record allows it.</summary>
    public bool Sha1 { get; init; }
    /// <summary>RSA-SHA256 over a SHA-1 reference digest: weak in the digest only.</summary>
    public bool Sha1DigestOnly { get; init; }
    /// <summary>The certificate written to KeyInfo; null means the signing certificate.</summary>
    public X509Certificate2? KeyInfoCertificate { get; init; }
    public bool OmitKeyInfo { get; init; }
    /// <summary>The Reference URI; null means "#" + the signed element's ID.</summary>
    public string? ReferenceUri { get; init; }
    /// <summary>A second Reference in the same SignedInfo.</summary>
    public string? SecondReferenceUri { get; init; }
    /// <summary>A transform added between enveloped-signature and exc-c14n.</summary>
    public Func<Transform>? ExtraTransform { get; init; }
    /// <summary>Signs with HMAC-SHA1 keyed with these bytes instead of the RSA key (key confusion).</summary>
    public byte[]? HmacKey { get; init; }
    /// <summary>The InclusiveNamespaces PrefixList of the reference's exc-c14n transform (for QNames in content).</summary>
    public string? InclusiveNamespaces { get; init; }
    /// <summary>Writes the signature with this prefix (ds:) instead of Entra's unprefixed default namespace.</summary>
    public string? Prefix { get; init; }
}

/// <summary>
/// Signs with <see cref="SignedXml"/> directly, independent of the library's signing code, so a test cannot share a
/// bug with it: enveloped signature right after the element's Issuer, exc-c14n, RSA-SHA256/SHA-256, Reference
/// "#ID", KeyInfo with the certificate. Any key can sign, the attacker's too. The document is re-parsed afterwards,
/// so callers must look elements up again.
/// </summary>
public static class XmlSigner
{
    public const string DsigNs = SignedXml.XmlDsigNamespaceUrl;

    public static void SignAssertion(XmlDocument doc, X509Certificate2 key, SignatureOptions? options = null) =>
        Sign(doc, Dom.Assertion(doc), key, options);

    public static void SignResponse(XmlDocument doc, X509Certificate2 key, SignatureOptions? options = null) =>
        Sign(doc, Dom.Response(doc), key, options);

    public static void Sign(XmlDocument doc, XmlElement target, X509Certificate2 key, SignatureOptions? options = null)
    {
        options ??= new SignatureOptions();
        var signature = CreateSignature(doc, target, key, options);
        var imported = (XmlElement)doc.ImportNode(signature, deep: true);
        if (options.Prefix is { } prefix) imported = WithPrefix(doc, imported, prefix);
        target.InsertAfter(imported, Dom.Issuer(target));
        if (options.Prefix is not null) Resign(imported, key, options);
        Reload(doc);
    }

    /// <summary>The signature element, computed but not inserted (for vectors that place it elsewhere).</summary>
    public static XmlElement CreateSignature(XmlDocument doc, XmlElement target, X509Certificate2 key, SignatureOptions options)
    {
        var signedXml = new SignedXml(doc);
        signedXml.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signedXml.SignedInfo.SignatureMethod = options.Sha1 ? SignedXml.XmlDsigRSASHA1Url : SignedXml.XmlDsigRSASHA256Url;
        signedXml.AddReference(NewReference(options.ReferenceUri ?? "#" + target.GetAttribute("ID"), options));
        if (options.SecondReferenceUri is { } second) signedXml.AddReference(NewReference(second, options));

        if (!options.OmitKeyInfo)
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new KeyInfoX509Data(options.KeyInfoCertificate ?? key));
            signedXml.KeyInfo = keyInfo;
        }

        if (options.HmacKey is { } hmacKey)
        {
            using var hmac = new HMACSHA1(hmacKey);
            signedXml.ComputeSignature(hmac);
        }
        else
        {
            signedXml.SigningKey = key.GetRSAPrivateKey();
            signedXml.ComputeSignature();
        }
        return signedXml.GetXml();
    }

    /// <summary>Signs <paramref name="bytes"/> as the IdP would sign a canonical SignedInfo.</summary>
    public static string SignatureValue(byte[] bytes, X509Certificate2 key, bool sha1 = false)
    {
        using var rsa = key.GetRSAPrivateKey()!;
        return Convert.ToBase64String(rsa.SignData(bytes, sha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>The exclusive canonical form of an element, as a verifier computes it for SignedInfo.</summary>
    public static byte[] ExclusiveCanonical(XmlElement element)
    {
        var alone = new XmlDocument { PreserveWhitespace = true };
        alone.LoadXml(element.OuterXml);
        var transform = new XmlDsigExcC14NTransform();
        transform.LoadInput(alone);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        using var buffer = new MemoryStream();
        output.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Re-parses the document in place, so the DOM is what a receiver would parse.</summary>
    public static void Reload(XmlDocument doc) => doc.LoadXml(doc.OuterXml);

    private static Reference NewReference(string uri, SignatureOptions options)
    {
        var reference = new Reference(uri)
        {
            DigestMethod = options.Sha1 || options.Sha1DigestOnly ? SignedXml.XmlDsigSHA1Url : SignedXml.XmlDsigSHA256Url,
        };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        if (options.ExtraTransform is { } extra) reference.AddTransform(extra());
        reference.AddTransform(options.InclusiveNamespaces is { } prefixes ? new XmlDsigExcC14NTransform(prefixes) : new XmlDsigExcC14NTransform());
        return reference;
    }

    // SignedXml only writes the default namespace; a ds: signature changes the canonical SignedInfo, so the
    // SignatureValue is computed again over the prefixed form.
    private static XmlElement WithPrefix(XmlDocument doc, XmlElement element, string prefix)
    {
        var copy = element.NamespaceURI == DsigNs
            ? doc.CreateElement(prefix, element.LocalName, DsigNs)
            : doc.CreateElement(element.Prefix, element.LocalName, element.NamespaceURI);
        foreach (XmlAttribute attribute in element.Attributes)
            if (attribute.Name != "xmlns") copy.SetAttribute(attribute.LocalName, attribute.NamespaceURI, attribute.Value);
        foreach (XmlNode child in element.ChildNodes)
            copy.AppendChild(child is XmlElement e ? WithPrefix(doc, e, prefix) : child.CloneNode(deep: true));
        return copy;
    }

    private static void Resign(XmlElement signature, X509Certificate2 key, SignatureOptions options)
    {
        var signedInfo = Dom.Child(signature, DsigNs, "SignedInfo");
        var value = Dom.Child(signature, DsigNs, "SignatureValue");
        value.InnerText = SignatureValue(ExclusiveCanonical(signedInfo), key, options.Sha1);
    }
}
