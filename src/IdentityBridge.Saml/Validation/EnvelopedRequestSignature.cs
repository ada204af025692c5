using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Validation;

/// <summary>
/// The outcome of checking the enveloped signature of a request received on the HTTP-POST binding. Unsigned means
/// the message carries no <c>ds:Signature</c> at all; otherwise it verified only when <see cref="VerifiedWith"/> is set
/// and nothing is in <see cref="Problems"/>.
/// </summary>
public sealed record RequestSignatureOutcome(bool Signed, X509Certificate2? VerifiedWith, IReadOnlyList<ValidationProblem> Problems)
{
    public bool Verified => Signed && VerifiedWith is not null && Problems.Count == 0;
}

/// <summary>
/// Checks the enveloped signature of an AuthnRequest or LogoutRequest (an identity provider's "verification
/// certificates") with the same strict profile as a response's: one signature, right after the root's Issuer, no ID
/// given twice in any spelling, exactly one Reference to the root's own ID, enveloped-signature then exclusive C14N,
/// and only the keys of <c>trusted</c>: a certificate in KeyInfo is never believed, and one that is not trusted is
/// reported as such.
/// </summary>
public static class EnvelopedRequestSignature
{
    public static RequestSignatureOutcome Check(XmlDocument document, IReadOnlyList<X509Certificate2> trusted, bool allowSha1)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(trusted);
        var root = document.DocumentElement ?? throw new ArgumentException("The document has no root element.", nameof(document));
        var walk = DocumentWalk.Of(root);
        if (walk.Signatures.Count == 0) return new(false, null, []);

        var problems = new List<ValidationProblem>();
        var signature = walk.Signatures[0];
        if (walk.Signatures.Count > 1 || !InItsPlace(signature, root))
            problems.Add(new(ValidationCodes.SignatureMisplaced,
                $"A {root.LocalName} carries one signature, directly after its Issuer; this one has {walk.Signatures.Count} or has it elsewhere."));
        foreach (var id in walk.DuplicateIds)
            problems.Add(new(ValidationCodes.DuplicateId, $"The ID '{id}' appears more than once (as ID, Id or id).", id));
        if (trusted.Count == 0)
            problems.Add(new(ValidationCodes.NoCertificate, "No verification certificate is trusted, so no signature can be accepted."));
        if (problems.Count > 0) return new(true, null, problems);

        var trust = new IdentityProviderTrust
        {
            RecordId = "request",
            EntityId = XmlElements.First(root, "Issuer", SamlNames.Assertion)?.InnerText ?? "",
            SigningCertificates = trusted,
            Audience = "",
            AssertionConsumerServiceUrls = [],
            AllowSha1 = allowSha1,
        };
        // A request is checked once, so the keys are decoded for this check only (no cache shared between apps).
        var outcome = SignatureCheck.Check(signature, root, trust, new PublicKeyCache());
        return new(true, outcome.Verified ? outcome.Certificate : null, outcome.Problems);
    }

    private static bool InItsPlace(XmlElement signature, XmlElement root)
    {
        if (signature.ParentNode != root) return false;
        XmlElement? previous = null;
        for (var node = signature.PreviousSibling; node is not null; node = node.PreviousSibling)
            if (node is XmlElement e) { previous = e; break; }
        var issuer = XmlElements.First(root, "Issuer", SamlNames.Assertion);
        return issuer is null ? previous is null : previous == issuer;
    }
}
