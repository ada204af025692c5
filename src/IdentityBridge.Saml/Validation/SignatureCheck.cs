using IdentityBridge.Saml.Bindings;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Validation;

/// <summary>The outcome of checking one enveloped signature.</summary>
internal sealed record SignatureOutcome(bool Verified, X509Certificate2? Certificate, IReadOnlyList<ValidationProblem> Problems);

/// <summary>
/// Checks one enveloped signature against a strict profile before any cryptography runs, then verifies it with the
/// record's pinned keys only. <see cref="SignedXml"/> alone accepts far too much (several references, any URI,
/// KeyInfo keys, SHA-1, an <c>Id</c> on a wrapper beating the Assertion's <c>ID</c>); the profile closes each of those
/// doors before it is asked (spec/saml.md 2.2 and 2.4).
/// </summary>
internal static class SignatureCheck
{
    private static readonly HashSet<string> StrongSignatureAlgorithms =
        [SamlNames.RsaSha256, SamlNames.RsaSha384, SamlNames.RsaSha512];
    private static readonly HashSet<string> StrongDigests = [SamlNames.Sha256, SamlNames.Sha384, SamlNames.Sha512];

    /// <summary>
    /// Checks the signature that is a child of <paramref name="signedParent"/>. The caller has already ensured the
    /// signature sits in its one allowed place and that no two elements of the document share an ID in any spelling.
    /// </summary>
    public static SignatureOutcome Check(XmlElement signature, XmlElement signedParent, IdentityProviderTrust trust, PublicKeyCache keys)
    {
        var problems = new List<ValidationProblem>();
        var what = signedParent.LocalName;
        void Profile(string code, string message, string? evidence = null) => problems.Add(new(code, $"{what} signature: {message}", evidence));

        var children = XmlElements.Children(signature);
        var signedInfos = children.Where(c => Is(c, "SignedInfo")).ToList();
        if (signedInfos.Count != 1)
        {
            Profile(ValidationCodes.SignatureProfile, $"expected exactly one SignedInfo, found {signedInfos.Count}.");
            return new(false, null, problems);
        }
        if (children.Count(c => Is(c, "SignatureValue")) != 1)
            Profile(ValidationCodes.SignatureProfile, "expected exactly one SignatureValue.");
        // An Object can carry a whole unsigned copy of the message (XSW8); SAML signatures never need one.
        if (children.Any(c => !Is(c, "SignedInfo") && !Is(c, "SignatureValue") && !Is(c, "KeyInfo")))
            Profile(ValidationCodes.SignatureProfile, "only SignedInfo, SignatureValue and KeyInfo may appear in a SAML signature.",
                string.Join(", ", children.Select(c => c.Name)));

        var signedInfo = signedInfos[0];
        var infoChildren = XmlElements.Children(signedInfo);
        var c14n = infoChildren.FirstOrDefault(c => Is(c, "CanonicalizationMethod"))?.GetAttribute("Algorithm");
        if (c14n != SamlNames.ExclusiveC14N)
            Profile(ValidationCodes.TransformForbidden, "the canonicalization method must be exclusive C14N.", c14n);
        var method = infoChildren.FirstOrDefault(c => Is(c, "SignatureMethod"))?.GetAttribute("Algorithm") ?? "";
        if (!StrongSignatureAlgorithms.Contains(method) && !(method == SamlNames.RsaSha1 && trust.AllowSha1))
            problems.Add(new(ValidationCodes.AlgorithmForbidden, method == SamlNames.RsaSha1
                ? $"{what} signature: RSA-SHA1 is refused; the identity provider record must allow SHA-1 explicitly, or the provider must sign with RSA-SHA256."
                : $"{what} signature: the signature algorithm is not allowed (RSA with SHA-256, SHA-384 or SHA-512).", method));

        var references = infoChildren.Where(c => Is(c, "Reference")).ToList();
        if (references.Count != 1)
        {
            Profile(ValidationCodes.SignatureProfile, $"expected exactly one Reference, found {references.Count}.");
            return new(false, null, problems);
        }
        if (infoChildren.Count != 3 || !Is(infoChildren[0], "CanonicalizationMethod") || !Is(infoChildren[1], "SignatureMethod"))
            Profile(ValidationCodes.SignatureProfile, "SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference, in that order.",
                string.Join(", ", infoChildren.Select(c => c.Name)));

        var reference = references[0];
        var expectedUri = "#" + signedParent.GetAttribute("ID");
        var uri = reference.GetAttributeNode("URI")?.Value;
        if (uri != expectedUri || expectedUri.Length == 1)
            problems.Add(new(ValidationCodes.ReferenceUri,
                $"{what} signature: the reference must point at the signed element itself ({expectedUri}).", uri ?? "(no URI)"));

        var refChildren = XmlElements.Children(reference);
        if (refChildren.Count != 3 || !Is(refChildren[0], "Transforms") || !Is(refChildren[1], "DigestMethod") || !Is(refChildren[2], "DigestValue"))
            Profile(ValidationCodes.SignatureProfile, "the Reference must hold Transforms, DigestMethod and DigestValue, in that order.",
                string.Join(", ", refChildren.Select(c => c.Name)));
        // Exactly enveloped-signature then exclusive C14N, as every SAML signer writes them. Anything else (XSLT,
        // XPath, a transform list that ends in a node-set and so falls back to inclusive C14N) is refused.
        var transforms = refChildren.FirstOrDefault(c => Is(c, "Transforms"));
        var transformList = transforms is null ? [] : XmlElements.Children(transforms);
        var transformsOk = transformList.Count == 2 &&
                           transformList.All(t => Is(t, "Transform")) &&
                           transformList[0].GetAttribute("Algorithm") == SamlNames.EnvelopedSignature &&
                           XmlElements.Children(transformList[0]).Count == 0 &&
                           transformList[1].GetAttribute("Algorithm") == SamlNames.ExclusiveC14N &&
                           OnlyInclusiveNamespaces(transformList[1]);
        if (!transformsOk)
            problems.Add(new(ValidationCodes.TransformForbidden,
                $"{what} signature: the transforms must be exactly enveloped-signature then exclusive C14N.",
                string.Join(", ", transformList.Select(t => t.GetAttribute("Algorithm")))));
        var canonicalization = infoChildren.FirstOrDefault(c => Is(c, "CanonicalizationMethod"));
        if (canonicalization is not null && !OnlyInclusiveNamespaces(canonicalization))
            problems.Add(new(ValidationCodes.TransformForbidden, $"{what} signature: the canonicalization method carries unexpected content."));
        var digestMethod = refChildren.FirstOrDefault(c => Is(c, "DigestMethod"))?.GetAttribute("Algorithm") ?? "";
        if (!StrongDigests.Contains(digestMethod) && !(digestMethod == SamlNames.Sha1 && trust.AllowSha1))
            problems.Add(new(ValidationCodes.AlgorithmForbidden, $"{what} signature: the digest algorithm is not allowed.", digestMethod));
        // A comment inside DigestValue or SignatureValue let xml-crypto read one value and verify another (CVE-2025-29775).
        foreach (var valueElement in refChildren.Where(c => Is(c, "DigestValue")).Concat(children.Where(c => Is(c, "SignatureValue"))))
            if (valueElement.ChildNodes.Cast<XmlNode>().Any(n => n.NodeType is not (XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)))
                Profile(ValidationCodes.SignatureProfile, $"{valueElement.LocalName} must hold only text.");

        // KeyInfo is never trusted; but a certificate there that is not one of the record's is a sign of a forgery
        // or of a rolled-over key the record does not know yet, and ServiceNow reports it as such.
        var keyInfoCert = KeyInfoCertificate(children.FirstOrDefault(c => Is(c, "KeyInfo")), out var keyInfoError);
        if (keyInfoError is not null) Profile(ValidationCodes.SignatureProfile, keyInfoError);
        if (keyInfoCert is not null && !trust.SigningCertificates.Any(c => c.RawDataMemory.Span.SequenceEqual(keyInfoCert)))
            problems.Add(new(ValidationCodes.CertificateMismatch,
                $"Certificates don't match. Expect: {string.Join(" or ", trust.SigningCertificates.Select(Describe))}, actual: {DescribeRaw(keyInfoCert)}",
                Convert.ToHexString(SHA256.HashData(keyInfoCert))));

        if (problems.Count > 0) return new(false, null, problems);

        // The digest of the signed element as it stands in this tree, the signature itself left out.
        var digestValue = DecodeBase64(refChildren.FirstOrDefault(c => Is(c, "DigestValue"))?.InnerText);
        var signatureValue = DecodeBase64(children.FirstOrDefault(c => Is(c, "SignatureValue"))?.InnerText);
        if (digestValue is null || signatureValue is null)
        {
            Profile(ValidationCodes.SignatureProfile, "the DigestValue or SignatureValue is missing or not base64.");
            return new(false, null, problems);
        }
        var digest = SamlNames.DigestOf(digestMethod, ExclusiveCanonicalizer.Canonicalize(signedParent, signature, PrefixList(transformList[1])));
        if (!CryptographicOperations.FixedTimeEquals(digest, digestValue))
        {
            problems.Add(new(ValidationCodes.SignatureInvalid,
                $"SAML2ValidationError: Signature did not validate against the credential's key: the digest of the {what} does not match, so its content changed after it was signed.",
                $"{what} {signedParent.GetAttribute("ID")}"));
            return new(false, null, problems);
        }
        var signedBytes = ExclusiveCanonicalizer.Canonicalize(signedInfo, null, PrefixList(canonicalization!));
        // The method is one of the allowed RSA algorithms by now, so it has a hash.
        var hash = SamlNames.HashOf(method)!.Value;
        foreach (var certificate in trust.SigningCertificates)
        {
            var key = keys.PublicKey(certificate);
            if (key is not null && key.VerifyData(signedBytes, signatureValue, hash, RSASignaturePadding.Pkcs1))
                return new(true, certificate, problems);
        }
        problems.Add(new(ValidationCodes.SignatureInvalid,
            "SAML2ValidationError: Signature did not validate against the credential's key.",
            $"{what} {signedParent.GetAttribute("ID")}; tried {trust.SigningCertificates.Count} certificate(s) of the record"));
        return new(false, null, problems);
    }

    private static bool OnlyInclusiveNamespaces(XmlElement method) =>
        XmlElements.Children(method) is var list && list.Count <= 1 &&
        list.All(p => p.LocalName == "InclusiveNamespaces" && p.NamespaceURI == SamlNames.ExclusiveC14N);

    private static IReadOnlyCollection<string> PrefixList(XmlElement method) =>
        XmlElements.Children(method).FirstOrDefault()?.GetAttribute("PrefixList")
            .Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>A base64 value of the signature; XML allows it to be wrapped in lines, nothing else is tolerated.</summary>
    private static byte[]? DecodeBase64(string? text) =>
        text is not null && StrictBase64.TryDecode(text, allowLineWhitespace: true, out var bytes) ? bytes : null;

    /// <summary>The DER bytes of the KeyInfo certificate, compared as bytes: parsing it would cost more than the signature check.</summary>
    private static byte[]? KeyInfoCertificate(XmlElement? keyInfo, out string? error)
    {
        error = null;
        if (keyInfo is null) return null;
        var certificates = XmlElements.Children(keyInfo).Where(d => Is(d, "X509Data"))
            .SelectMany(d => XmlElements.Children(d).Where(c => Is(c, "X509Certificate"))).ToList();
        if (certificates.Count == 0) return null;
        if (certificates.Count > 1)
        {
            error = "KeyInfo carries more than one certificate.";
            return null;
        }
        var bytes = DecodeBase64(certificates[0].InnerText);
        if (bytes is null) error = "KeyInfo carries a certificate that is not base64.";
        return bytes;
    }

    private static string DescribeRaw(byte[] der)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return Describe(certificate);
        }
        catch (CryptographicException)
        {
            return $"a certificate that does not parse (SHA-256 {Convert.ToHexString(SHA256.HashData(der))[..16]}...)";
        }
    }

    internal static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} (SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)[..16]}..., expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})";

    private static bool Is(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.DSig;

}

/// <summary>
/// The RSA public key of each trusted certificate, decoded once: importing a key costs about as much as verifying
/// with it. Keyed by the certificate's bytes, so a record reloaded with the same certificate reuses the key.
/// </summary>
internal sealed class PublicKeyCache
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RSA?> _keys = new(StringComparer.Ordinal);

    public RSA? PublicKey(X509Certificate2 certificate)
    {
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (_keys.TryGetValue(thumbprint, out var key)) return key;
        if (_keys.Count > 1000) _keys.Clear();
        return _keys.GetOrAdd(thumbprint, _ => certificate.GetRSAPublicKey());
    }
}
