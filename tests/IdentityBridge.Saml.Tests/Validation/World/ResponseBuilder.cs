using System.Globalization;
using System.Xml;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>
/// Builds a Response shaped as Entra issues it (spec/saml.md 1.2–1.6), with plain System.Xml and nothing from the
/// library under test: samlp:Response with an unprefixed Issuer, Status Success, and an Assertion in the default
/// assertion namespace carrying Subject (bearer), Conditions (NotBefore = IssueInstant − 5 min, NotOnOrAfter = +60
/// min), Entra's claim URIs and an AuthnStatement. Every field has a knob so a test changes exactly one thing.
/// </summary>
public sealed class ResponseBuilder
{
    public const string ProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string AssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion";

    private string? _responseId = NewId();
    private string _assertionId = NewId();
    private string _version = "2.0";
    private DateTimeOffset _issueInstant = Entra.IssueInstant;
    private string? _destination = Entra.AssertionConsumerService;
    private string? _responseInResponseTo;
    private string? _subjectInResponseTo;
    private string? _responseIssuer = Entra.IssuerA;
    private string _assertionIssuer = Entra.IssuerA;
    private string _statusCode = "urn:oasis:names:tc:SAML:2.0:status:Success";
    private string? _nameId = Entra.LegitimateUser;
    private string _nameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    private string _confirmationMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    private string? _recipient = Entra.AssertionConsumerService;
    private DateTimeOffset? _subjectNotOnOrAfter;
    private DateTimeOffset? _notBefore;
    private DateTimeOffset? _notOnOrAfter;
    private readonly List<string[]> _audienceRestrictions = [[Entra.Audience]];
    private readonly List<(string Name, string[] Values)> _attributes = DefaultClaims(Entra.TenantA, Entra.LegitimateUser);
    private DateTimeOffset? _authnInstant;
    private string? _sessionIndex;
    private string _authnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
    private bool _authnStatement = true;
    private bool _prefixed;
    private bool _typedValues;

    public string? ResponseId => _responseId;
    public string AssertionId => _assertionId;

    public static string NewId() => "_" + Guid.NewGuid().ToString("D");

    public ResponseBuilder WithResponseId(string? id) { _responseId = id; return this; }
    public ResponseBuilder WithAssertionId(string id) { _assertionId = id; return this; }
    public ResponseBuilder WithVersion(string version) { _version = version; return this; }
    public ResponseBuilder WithIssueInstant(DateTimeOffset instant) { _issueInstant = instant; return this; }
    public ResponseBuilder WithDestination(string? destination) { _destination = destination; return this; }

    /// <summary>SP-initiated: the request id on the Response and on SubjectConfirmationData, as Entra sends it.</summary>
    public ResponseBuilder InResponseTo(string requestId) { _responseInResponseTo = requestId; _subjectInResponseTo = requestId; return this; }
    public ResponseBuilder WithResponseInResponseTo(string? requestId) { _responseInResponseTo = requestId; return this; }
    public ResponseBuilder WithSubjectInResponseTo(string? requestId) { _subjectInResponseTo = requestId; return this; }

    /// <summary>Both issuers, as one identity provider would write them.</summary>
    public ResponseBuilder IssuedBy(string issuer) { _responseIssuer = issuer; _assertionIssuer = issuer; return this; }
    public ResponseBuilder WithResponseIssuer(string? issuer) { _responseIssuer = issuer; return this; }
    public ResponseBuilder WithAssertionIssuer(string issuer) { _assertionIssuer = issuer; return this; }
    public ResponseBuilder WithStatus(string statusCode) { _statusCode = statusCode; return this; }
    public ResponseBuilder WithNameId(string? nameId) { _nameId = nameId; return this; }
    public ResponseBuilder WithNameIdFormat(string format) { _nameIdFormat = format; return this; }
    public ResponseBuilder WithConfirmationMethod(string method) { _confirmationMethod = method; return this; }
    public ResponseBuilder WithRecipient(string? recipient) { _recipient = recipient; return this; }
    public ResponseBuilder WithSubjectNotOnOrAfter(DateTimeOffset instant) { _subjectNotOnOrAfter = instant; return this; }
    public ResponseBuilder WithNotBefore(DateTimeOffset instant) { _notBefore = instant; return this; }
    public ResponseBuilder WithNotOnOrAfter(DateTimeOffset instant) { _notOnOrAfter = instant; return this; }

    /// <summary>Replaces every AudienceRestriction by one holding these audiences.</summary>
    public ResponseBuilder WithAudience(params string[] audiences) { _audienceRestrictions.Clear(); _audienceRestrictions.Add(audiences); return this; }
    public ResponseBuilder WithoutAudienceRestriction() { _audienceRestrictions.Clear(); return this; }
    /// <summary>Adds another AudienceRestriction; each one must name us.</summary>
    public ResponseBuilder WithExtraAudienceRestriction(params string[] audiences) { _audienceRestrictions.Add(audiences); return this; }
    public ResponseBuilder WithClaim(string name, params string[] values) { _attributes.RemoveAll(a => a.Name == name); _attributes.Add((name, values)); return this; }
    public ResponseBuilder WithoutClaims() { _attributes.Clear(); return this; }
    public ResponseBuilder WithAuthnInstant(DateTimeOffset instant) { _authnInstant = instant; return this; }
    public ResponseBuilder WithSessionIndex(string sessionIndex) { _sessionIndex = sessionIndex; return this; }
    public ResponseBuilder WithAuthnContextClassRef(string classRef) { _authnContextClassRef = classRef; return this; }
    public ResponseBuilder WithoutAuthnStatement() { _authnStatement = false; return this; }

    /// <summary>saml:-prefixed assertion elements with the prefix declared once on the root (pysaml2/ADFS style).</summary>
    public ResponseBuilder WithSamlPrefix() { _prefixed = true; return this; }

    /// <summary>
    /// xsi:type="xs:string" on every AttributeValue with xs and xsi declared on the root (Okta, Shibboleth, pysaml2):
    /// the xs prefix is used only inside an attribute value, which exclusive c14n keeps only via InclusiveNamespaces.
    /// </summary>
    public ResponseBuilder WithTypedAttributeValues() { _typedValues = true; return this; }

    public const string XsNs = "http://www.w3.org/2001/XMLSchema";
    public const string XsiNs = "http://www.w3.org/2001/XMLSchema-instance";

    public XmlDocument Build()
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        var response = doc.CreateElement("samlp", "Response", ProtocolNs);
        doc.AppendChild(response);
        if (_prefixed)
            response.SetAttribute("xmlns:saml", AssertionNs);
        if (_typedValues)
        {
            response.SetAttribute("xmlns:xs", XsNs);
            response.SetAttribute("xmlns:xsi", XsiNs);
        }
        if (_responseId is not null) response.SetAttribute("ID", _responseId);
        response.SetAttribute("Version", _version);
        response.SetAttribute("IssueInstant", Instant(_issueInstant));
        if (_destination is not null) response.SetAttribute("Destination", _destination);
        if (_responseInResponseTo is not null) response.SetAttribute("InResponseTo", _responseInResponseTo);

        if (_responseIssuer is not null) Text(response, "Issuer", _responseIssuer);
        var status = Append(response, doc.CreateElement("samlp", "Status", ProtocolNs));
        Append(status, doc.CreateElement("samlp", "StatusCode", ProtocolNs)).SetAttribute("Value", _statusCode);

        response.AppendChild(BuildAssertion(doc));

        // Parse the serialised form back so the DOM holds real xmlns attributes, exactly as a receiver will see it.
        return Reparse(doc);
    }

    /// <summary>The assertion alone, as an element of <paramref name="doc"/>, not yet inserted.</summary>
    public XmlElement BuildAssertion(XmlDocument doc)
    {
        var assertion = Element(doc, "Assertion");
        assertion.SetAttribute("ID", _assertionId);
        assertion.SetAttribute("IssueInstant", Instant(_issueInstant));
        assertion.SetAttribute("Version", "2.0");
        Text(assertion, "Issuer", _assertionIssuer);

        var subject = Append(assertion, Element(doc, "Subject"));
        if (_nameId is not null) Text(subject, "NameID", _nameId).SetAttribute("Format", _nameIdFormat);
        var confirmation = Append(subject, Element(doc, "SubjectConfirmation"));
        confirmation.SetAttribute("Method", _confirmationMethod);
        var data = Append(confirmation, Element(doc, "SubjectConfirmationData"));
        if (_subjectInResponseTo is not null) data.SetAttribute("InResponseTo", _subjectInResponseTo);
        data.SetAttribute("NotOnOrAfter", Instant(_subjectNotOnOrAfter ?? NotOnOrAfter));
        if (_recipient is not null) data.SetAttribute("Recipient", _recipient);

        var conditions = Append(assertion, Element(doc, "Conditions"));
        conditions.SetAttribute("NotBefore", Instant(_notBefore ?? _issueInstant.AddMinutes(-5)));
        conditions.SetAttribute("NotOnOrAfter", Instant(NotOnOrAfter));
        foreach (var audiences in _audienceRestrictions)
        {
            var restriction = Append(conditions, Element(doc, "AudienceRestriction"));
            foreach (var audience in audiences) Text(restriction, "Audience", audience);
        }

        if (_attributes.Count > 0)
        {
            var statement = Append(assertion, Element(doc, "AttributeStatement"));
            foreach (var (name, values) in _attributes)
            {
                // Entra writes no NameFormat and untyped values.
                var attribute = Append(statement, Element(doc, "Attribute"));
                attribute.SetAttribute("Name", name);
                foreach (var value in values)
                {
                    var element = Text(attribute, "AttributeValue", value);
                    if (_typedValues) element.SetAttribute("type", XsiNs, "xs:string");
                }
            }
        }

        if (_authnStatement)
        {
            var authn = Append(assertion, Element(doc, "AuthnStatement"));
            authn.SetAttribute("AuthnInstant", Instant(_authnInstant ?? _issueInstant.AddMinutes(-2)));
            authn.SetAttribute("SessionIndex", _sessionIndex ?? _assertionId);
            var context = Append(authn, Element(doc, "AuthnContext"));
            Text(context, "AuthnContextClassRef", _authnContextClassRef);
        }
        return assertion;
    }

    public static XmlDocument Reparse(XmlDocument doc)
    {
        var parsed = new XmlDocument { PreserveWhitespace = true };
        parsed.LoadXml(doc.OuterXml);
        return parsed;
    }

    public static string Instant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private DateTimeOffset NotOnOrAfter => _notOnOrAfter ?? _issueInstant.AddMinutes(60);

    private XmlElement Element(XmlDocument doc, string localName) =>
        _prefixed ? doc.CreateElement("saml", localName, AssertionNs) : doc.CreateElement(localName, AssertionNs);

    private XmlElement Text(XmlElement parent, string localName, string text)
    {
        var element = Append(parent, Element(parent.OwnerDocument, localName));
        element.AppendChild(parent.OwnerDocument.CreateTextNode(text));
        return element;
    }

    private static XmlElement Append(XmlNode parent, XmlElement child)
    {
        parent.AppendChild(child);
        return child;
    }

    private static List<(string, string[])> DefaultClaims(string tenant, string user) =>
    [
        (Entra.TenantIdClaim, [tenant]),
        (Entra.ObjectIdClaim, ["3f2504e0-4f89-41d3-9a0c-0305e82c3301"]),
        (Entra.DisplayNameClaim, ["Mallory Example"]),
        (Entra.IdentityProviderClaim, [$"https://sts.windows.net/{tenant}/"]),
        (Entra.AuthnMethodsClaim, [Entra.PasswordMethod, Entra.MultipleAuthnMethod]),
        (Entra.GivenNameClaim, ["Mallory"]),
        (Entra.SurnameClaim, ["Example"]),
        (Entra.EmailClaim, [user]),
        (Entra.NameClaim, [user]),
    ];
}
