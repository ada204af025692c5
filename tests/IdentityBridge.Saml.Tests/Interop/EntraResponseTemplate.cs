using System.Globalization;
using System.Text;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// An unsigned Response laid out as Entra issues it (spec/saml.md 1.2): samlp: prefix on the protocol elements only,
/// unprefixed assertion namespace, an empty unprefixed <c>Signature</c> template right after the Assertion's Issuer for
/// xmlsec1 to fill, claims without NameFormat, attributes before the AuthnStatement, and Entra's observed window
/// (NotBefore five minutes before IssueInstant, spec/saml.md 1.6).
/// </summary>
internal static class EntraResponseTemplate
{
    public static string Write(PeerRequest request, DateTimeOffset now)
    {
        if (request.SignResponse || !request.SignAssertion)
            throw new ArgumentException("The xmlsec1 template signs the assertion only, as Entra does by default.", nameof(request));
        var signatureMethod = request.SignatureAlgorithm switch
        {
            "rsa-sha256" => SamlNames.RsaSha256,
            "rsa-sha1" => SamlNames.RsaSha1,
            _ => throw new ArgumentException($"Unknown signature algorithm '{request.SignatureAlgorithm}'.", nameof(request)),
        };
        var digestMethod = request.DigestAlgorithm switch
        {
            null => SamlNames.DigestFor(signatureMethod),
            "sha256" => SamlNames.Sha256,
            "sha1" => SamlNames.Sha1,
            _ => throw new ArgumentException($"Unknown digest algorithm '{request.DigestAlgorithm}'.", nameof(request)),
        };

        var responseId = "_" + Guid.NewGuid();
        var assertionId = "_" + Guid.NewGuid();
        var notOnOrAfter = Time(now.AddSeconds(request.LifetimeSeconds));
        var builder = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Encoding = new UTF8Encoding(false) };
        using (var w = XmlWriter.Create(builder, settings))
        {
            w.WriteStartElement(SamlNames.ProtocolPrefix, "Response", SamlNames.Protocol);
            w.WriteAttributeString("ID", responseId);
            w.WriteAttributeString("Version", "2.0");
            w.WriteAttributeString("IssueInstant", Time(now));
            w.WriteAttributeString("Destination", request.Destination);
            if (request.InResponseTo is not null) w.WriteAttributeString("InResponseTo", request.InResponseTo);
            w.WriteElementString("Issuer", SamlNames.Assertion, request.Issuer);
            w.WriteStartElement(SamlNames.ProtocolPrefix, "Status", SamlNames.Protocol);
            w.WriteStartElement(SamlNames.ProtocolPrefix, "StatusCode", SamlNames.Protocol);
            w.WriteAttributeString("Value", SamlNames.StatusSuccess);
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteStartElement("Assertion", SamlNames.Assertion);
            w.WriteAttributeString("ID", assertionId);
            w.WriteAttributeString("IssueInstant", Time(now));
            w.WriteAttributeString("Version", "2.0");
            w.WriteElementString("Issuer", SamlNames.Assertion, request.Issuer);
            WriteSignatureTemplate(w, assertionId, signatureMethod, digestMethod);

            w.WriteStartElement("Subject", SamlNames.Assertion);
            w.WriteStartElement("NameID", SamlNames.Assertion);
            w.WriteAttributeString("Format", request.NameIdFormat);
            w.WriteString(request.NameId);
            w.WriteEndElement();
            w.WriteStartElement("SubjectConfirmation", SamlNames.Assertion);
            w.WriteAttributeString("Method", SamlNames.BearerConfirmation);
            w.WriteStartElement("SubjectConfirmationData", SamlNames.Assertion);
            if (request.InResponseTo is not null) w.WriteAttributeString("InResponseTo", request.InResponseTo);
            w.WriteAttributeString("NotOnOrAfter", notOnOrAfter);
            w.WriteAttributeString("Recipient", request.Destination);
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteStartElement("Conditions", SamlNames.Assertion);
            w.WriteAttributeString("NotBefore", Time(now.AddMinutes(-5)));
            w.WriteAttributeString("NotOnOrAfter", notOnOrAfter);
            w.WriteStartElement("AudienceRestriction", SamlNames.Assertion);
            w.WriteElementString("Audience", SamlNames.Assertion, request.Audience);
            w.WriteEndElement();
            w.WriteEndElement();

            if (request.Attributes.Count > 0)
            {
                w.WriteStartElement("AttributeStatement", SamlNames.Assertion);
                foreach (var (name, values) in request.Attributes)
                {
                    w.WriteStartElement("Attribute", SamlNames.Assertion);
                    w.WriteAttributeString("Name", name);
                    foreach (var value in values) w.WriteElementString("AttributeValue", SamlNames.Assertion, value);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }

            w.WriteStartElement("AuthnStatement", SamlNames.Assertion);
            w.WriteAttributeString("AuthnInstant", Time(now));
            w.WriteAttributeString("SessionIndex", request.SessionIndex ?? assertionId);
            w.WriteStartElement("AuthnContext", SamlNames.Assertion);
            w.WriteElementString("AuthnContextClassRef", SamlNames.Assertion, SamlNames.PasswordContext);
            w.WriteEndElement();
            w.WriteEndElement();

            w.WriteEndElement();
            w.WriteEndElement();
        }
        return builder.ToString();
    }

    /// <summary>What xmlsec1 fills: DigestValue, SignatureValue and, from the certificate file, X509Data.</summary>
    private static void WriteSignatureTemplate(XmlWriter w, string assertionId, string signatureMethod, string digestMethod)
    {
        w.WriteStartElement("Signature", SamlNames.DSig);
        w.WriteStartElement("SignedInfo", SamlNames.DSig);
        WriteAlgorithm(w, "CanonicalizationMethod", SamlNames.ExclusiveC14N);
        WriteAlgorithm(w, "SignatureMethod", signatureMethod);
        w.WriteStartElement("Reference", SamlNames.DSig);
        w.WriteAttributeString("URI", "#" + assertionId);
        w.WriteStartElement("Transforms", SamlNames.DSig);
        WriteAlgorithm(w, "Transform", SamlNames.EnvelopedSignature);
        WriteAlgorithm(w, "Transform", SamlNames.ExclusiveC14N);
        w.WriteEndElement();
        WriteAlgorithm(w, "DigestMethod", digestMethod);
        w.WriteElementString("DigestValue", SamlNames.DSig, "");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteElementString("SignatureValue", SamlNames.DSig, "");
        w.WriteStartElement("KeyInfo", SamlNames.DSig);
        w.WriteElementString("X509Data", SamlNames.DSig, "");
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void WriteAlgorithm(XmlWriter w, string element, string algorithm)
    {
        w.WriteStartElement(element, SamlNames.DSig);
        w.WriteAttributeString("Algorithm", algorithm);
        w.WriteEndElement();
    }

    private static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
