using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
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
    public static SignatureOutcome Check(XmlElement signature, XmlElement signedParent, IdentityProviderTrust trust)
    {
        var problems = new List<ValidationProblem>();
        var what = signedParent.LocalName;
        void Profile(string code, string message, string? evidence = null) => problems.Add(new(code, $"{what} signature: {message}", evidence));

        var children = ElementChildren(signature);
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
        var infoChildren = ElementChildren(signedInfo);
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
        if (infoChildren.Any(c => !Is(c, "CanonicalizationMethod") && !Is(c, "SignatureMethod") && !Is(c, "Reference")))
            Profile(ValidationCodes.SignatureProfile, "SignedInfo carries an unexpected element.");

        var reference = references[0];
        var expectedUri = "#" + signedParent.GetAttribute("ID");
        var uri = reference.GetAttributeNode("URI")?.Value;
        if (uri != expectedUri || expectedUri.Length == 1)
            problems.Add(new(ValidationCodes.ReferenceUri,
                $"{what} signature: the reference must point at the signed element itself ({expectedUri}).", uri ?? "(no URI)"));

        var refChildren = ElementChildren(reference);
        var transforms = refChildren.FirstOrDefault(c => Is(c, "Transforms"));
        if (transforms is not null)
        {
            var seen = new HashSet<string>();
            foreach (var transform in ElementChildren(transforms))
            {
                var algorithm = transform.GetAttribute("Algorithm");
                var allowed = Is(transform, "Transform") &&
                              algorithm is SamlNames.EnvelopedSignature or SamlNames.ExclusiveC14N && seen.Add(algorithm) &&
                              ElementChildren(transform).All(p => p.LocalName == "InclusiveNamespaces" && p.NamespaceURI == SamlNames.ExclusiveC14N);
                if (!allowed)
                    problems.Add(new(ValidationCodes.TransformForbidden,
                        $"{what} signature: only the enveloped-signature and exclusive C14N transforms are allowed, once each.", algorithm));
            }
        }
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
        if (keyInfoCert is not null && !trust.SigningCertificates.Any(c => c.RawDataMemory.Span.SequenceEqual(keyInfoCert.RawDataMemory.Span)))
            problems.Add(new(ValidationCodes.CertificateMismatch,
                $"Certificates don't match. Expect: {string.Join(" or ", trust.SigningCertificates.Select(Describe))}, actual: {Describe(keyInfoCert)}",
                keyInfoCert.GetCertHashString(HashAlgorithmName.SHA256)));
        keyInfoCert?.Dispose();

        if (problems.Count > 0) return new(false, null, problems);

        foreach (var certificate in trust.SigningCertificates)
        {
            using var key = certificate.GetRSAPublicKey();
            if (key is null) continue;
            var signedXml = new SignedXml(signedParent);
            try
            {
                signedXml.LoadXml(signature);
                if (signedXml.CheckSignature(key)) return new(true, certificate, problems);
            }
            catch (CryptographicException e)
            {
                problems.Add(new(ValidationCodes.SignatureInvalid, $"{what} signature: {e.Message}"));
                return new(false, null, problems);
            }
        }
        problems.Add(new(ValidationCodes.SignatureInvalid,
            "SAML2ValidationError: Signature did not validate against the credential's key.",
            $"{what} {signedParent.GetAttribute("ID")}; tried {trust.SigningCertificates.Count} certificate(s) of the record"));
        return new(false, null, problems);
    }

    private static X509Certificate2? KeyInfoCertificate(XmlElement? keyInfo, out string? error)
    {
        error = null;
        if (keyInfo is null) return null;
        var certificates = keyInfo.GetElementsByTagName("X509Certificate", SamlNames.DSig);
        if (certificates.Count == 0) return null;
        if (certificates.Count > 1)
        {
            error = "KeyInfo carries more than one certificate.";
            return null;
        }
        try
        {
            var text = new string(certificates[0]!.InnerText.Where(c => !char.IsWhiteSpace(c)).ToArray());
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(text));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            error = "KeyInfo carries a certificate that does not parse.";
            return null;
        }
    }

    internal static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} (SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)[..16]}..., expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})";

    private static bool Is(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.DSig;

    internal static List<XmlElement> ElementChildren(XmlElement parent)
    {
        var list = new List<XmlElement>();
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
            if (node is XmlElement e) list.Add(e);
        return list;
    }
}
