using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Messages;

/// <summary>Which elements of a response an identity provider signs (Entra's three options).</summary>
public enum SigningOption
{
    Assertion,
    Response,
    ResponseAndAssertion,
}

/// <summary>Everything a successful SAML response says about one sign-in.</summary>
public sealed record ResponseDescription
{
    public string ResponseId { get; init; } = "_" + Guid.NewGuid().ToString();
    public string AssertionId { get; init; } = "_" + Guid.NewGuid().ToString();
    public required string Issuer { get; init; }
    /// <summary>The Reply URL (ACS): Response Destination and SubjectConfirmationData Recipient.</summary>
    public required string Destination { get; init; }
    public required string Audience { get; init; }
    /// <summary>The request answered; null for an unsolicited (IdP-initiated) response, which then carries none.</summary>
    public string? InResponseTo { get; init; }
    public required string NameId { get; init; }
    public string NameIdFormat { get; init; } = SamlNames.NameIdEmail;
    public required DateTimeOffset IssueInstant { get; init; }
    /// <summary>Entra's observed window: NotBefore five minutes before IssueInstant (spec/saml.md 1.6).</summary>
    public TimeSpan NotBeforeSkew { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Entra's observed window: NotOnOrAfter sixty minutes after IssueInstant.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(60);
    public DateTimeOffset? AuthnInstant { get; init; }
    public string? SessionIndex { get; init; }
    public string AuthnContextClassRef { get; init; } = SamlNames.PasswordContext;
    /// <summary>Claims in order: name and values.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Attributes { get; init; } = [];
}

/// <summary>
/// Writes a SAML response in Entra's shape (spec/saml.md 1.2): a <c>samlp:</c> Response, unprefixed Issuer and
/// Assertion in the assertion namespace, NotBefore and NotOnOrAfter around IssueInstant, bearer confirmation with
/// Recipient, attributes without NameFormat, an AuthnStatement with SessionIndex, and no InResponseTo when
/// unsolicited (an empty one is schema-invalid and some service providers reject it).
/// </summary>
public static class ResponseWriter
{
    public static XmlDocument Write(ResponseDescription description)
    {
        var d = description;
        var document = new XmlDocument { PreserveWhitespace = true };
        var response = document.CreateElement(SamlNames.ProtocolPrefix, "Response", SamlNames.Protocol);
        document.AppendChild(response);
        response.SetAttribute("ID", d.ResponseId);
        response.SetAttribute("Version", "2.0");
        response.SetAttribute("IssueInstant", Time(d.IssueInstant));
        response.SetAttribute("Destination", d.Destination);
        if (d.InResponseTo is not null) response.SetAttribute("InResponseTo", d.InResponseTo);
        Append(response, "Issuer", d.Issuer);
        var status = AppendProtocol(response, "Status");
        AppendProtocol(status, "StatusCode").SetAttribute("Value", SamlNames.StatusSuccess);

        var assertion = Append(response, "Assertion");
        assertion.SetAttribute("ID", d.AssertionId);
        assertion.SetAttribute("IssueInstant", Time(d.IssueInstant));
        assertion.SetAttribute("Version", "2.0");
        Append(assertion, "Issuer", d.Issuer);
        var subject = Append(assertion, "Subject");
        Append(subject, "NameID", d.NameId).SetAttribute("Format", d.NameIdFormat);
        var confirmation = Append(subject, "SubjectConfirmation");
        confirmation.SetAttribute("Method", SamlNames.BearerConfirmation);
        var data = Append(confirmation, "SubjectConfirmationData");
        if (d.InResponseTo is not null) data.SetAttribute("InResponseTo", d.InResponseTo);
        data.SetAttribute("NotOnOrAfter", Time(d.IssueInstant + d.Lifetime));
        data.SetAttribute("Recipient", d.Destination);
        var conditions = Append(assertion, "Conditions");
        conditions.SetAttribute("NotBefore", Time(d.IssueInstant - d.NotBeforeSkew));
        conditions.SetAttribute("NotOnOrAfter", Time(d.IssueInstant + d.Lifetime));
        Append(Append(conditions, "AudienceRestriction"), "Audience", d.Audience);
        if (d.Attributes.Count > 0)
        {
            var statement = Append(assertion, "AttributeStatement");
            foreach (var (name, values) in d.Attributes)
            {
                var attribute = Append(statement, "Attribute");
                attribute.SetAttribute("Name", name);
                foreach (var value in values) Append(attribute, "AttributeValue", value);
            }
        }
        var authn = Append(assertion, "AuthnStatement");
        authn.SetAttribute("AuthnInstant", Time(d.AuthnInstant ?? d.IssueInstant));
        authn.SetAttribute("SessionIndex", d.SessionIndex ?? d.AssertionId);
        Append(Append(authn, "AuthnContext"), "AuthnContextClassRef", d.AuthnContextClassRef);
        return document;
    }

    /// <summary>Writes and signs a response as the option says: the assertion first, so a response signature covers it.</summary>
    public static XmlDocument WriteSigned(ResponseDescription description, X509Certificate2 certificate,
        SigningOption option = SigningOption.Assertion, string signatureAlgorithm = SamlNames.RsaSha256)
    {
        var document = Write(description);
        var response = document.DocumentElement!;
        if (option is SigningOption.Assertion or SigningOption.ResponseAndAssertion)
            XmlSigner.Sign(XmlElements.First(response, "Assertion", SamlNames.Assertion)!, certificate, signatureAlgorithm);
        if (option is SigningOption.Response or SigningOption.ResponseAndAssertion)
            XmlSigner.Sign(response, certificate, signatureAlgorithm);
        return document;
    }

    /// <summary>The base64 value an HTTP-POST form carries.</summary>
    public static string Encode(XmlDocument document) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(document.OuterXml));

    internal static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static XmlElement Append(XmlElement parent, string name, string? text = null)
    {
        // Unprefixed, with the assertion namespace as default, as Entra writes it.
        var element = parent.OwnerDocument.CreateElement(name, SamlNames.Assertion);
        if (text is not null) element.InnerText = text;
        parent.AppendChild(element);
        return element;
    }

    private static XmlElement AppendProtocol(XmlElement parent, string name)
    {
        var element = parent.OwnerDocument.CreateElement(SamlNames.ProtocolPrefix, name, SamlNames.Protocol);
        parent.AppendChild(element);
        return element;
    }
}
