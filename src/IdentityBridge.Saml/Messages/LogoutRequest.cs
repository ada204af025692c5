using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Messages;

/// <summary>A SAML 2.0 LogoutRequest (SAML Core 3.7.1), naming the user by NameID and the sessions to end.</summary>
public sealed record LogoutRequest
{
    /// <summary>The request ID, an NCName.</summary>
    public required string Id { get; init; }

    /// <summary>When the request was issued; written in UTC to the second.</summary>
    public required DateTimeOffset IssueInstant { get; init; }

    /// <summary>The single logout URL the request is sent to.</summary>
    public string? Destination { get; init; }

    /// <summary>After this time the request must not be acted on.</summary>
    public DateTimeOffset? NotOnOrAfter { get; init; }

    /// <summary>Why the user is logged out, as a URI (e.g. <c>urn:oasis:names:tc:SAML:2.0:logout:user</c>).</summary>
    public string? Reason { get; init; }

    /// <summary>The sender's entity ID.</summary>
    public required string Issuer { get; init; }

    /// <summary>The user whose sessions end.</summary>
    public required NameIdentifier NameId { get; init; }

    /// <summary>The sessions to end (AuthnStatement SessionIndex values); empty for all of the user's sessions.</summary>
    public IReadOnlyList<string> SessionIndexes { get; init; } = [];

    private static readonly ChildRule NameIdRule = new("NameID", SamlNames.Assertion);
    private static readonly ChildRule SessionIndexRule = new("SessionIndex", SamlNames.Protocol, Repeats: true);

    private static readonly ChildRule[] Sequence =
    [
        ChildRule.Issuer, ChildRule.Signature, ChildRule.Extensions,
        new("BaseID", SamlNames.Assertion, Unsupported: "name the user with NameID."),
        NameIdRule,
        new("EncryptedID", SamlNames.Assertion, Unsupported: "name the user with an unencrypted NameID."),
        SessionIndexRule,
    ];

    /// <summary>The request as XML text, ready for a binding.</summary>
    public string ToXml() => ToXmlDocument().OuterXml;

    /// <summary>The request as a document (for example to sign it before posting).</summary>
    public XmlDocument ToXmlDocument()
    {
        var (document, root) = MessageXml.NewMessage("LogoutRequest", Id);
        MessageXml.SetAttributes(root,
            ("Destination", Destination),
            ("ID", Id),
            ("IssueInstant", MessageXml.FormatInstant(IssueInstant)),
            ("NotOnOrAfter", NotOnOrAfter is { } notOnOrAfter ? MessageXml.FormatInstant(notOnOrAfter) : null),
            ("Reason", Reason),
            ("Version", MessageXml.Version));
        MessageXml.AddAssertion(root, "Issuer", Issuer);
        var nameId = MessageXml.AddAssertion(root, "NameID", NameId.Value);
        MessageXml.SetAttributes(nameId,
            ("Format", NameId.Format),
            ("NameQualifier", NameId.NameQualifier),
            ("SPNameQualifier", NameId.SpNameQualifier));
        foreach (var sessionIndex in SessionIndexes)
            MessageXml.AddProtocol(root, "SessionIndex").AppendChild(document.CreateTextNode(sessionIndex));
        return document;
    }

    /// <summary>Parses and checks a request given as text, through <see cref="SafeXml"/>.</summary>
    /// <exception cref="SamlMessageException">The text is not a well-formed, valid LogoutRequest; see its Code.</exception>
    public static LogoutRequest Parse(string xml) => Parse(MessageXml.Load(xml));

    /// <summary>
    /// Reads a LogoutRequest strictly: root <c>samlp:LogoutRequest</c>, Version 2.0, an NCName ID, IssueInstant, an
    /// Issuer, a NameID (BaseID and EncryptedID are refused), children in schema order. Identity values are read
    /// whole. Does not verify an enveloped signature.
    /// </summary>
    /// <exception cref="SamlMessageException">The document is not a valid LogoutRequest; see its Code.</exception>
    public static LogoutRequest Parse(XmlDocument document)
    {
        var root = MessageXml.Root(document, "LogoutRequest");
        var id = MessageXml.Id(root);
        var children = MessageXml.Children(root, Sequence);
        var nameIdElement = children.FirstOrDefault(c => c.Rule == NameIdRule).Element
            ?? throw new SamlMessageException(MessageCodes.NameIdMissing, "The LogoutRequest has no NameID naming the user to log out.");
        var sessionIndexes = children.Where(c => c.Rule == SessionIndexRule).Select(c => MessageXml.IdentityText(c.Element)).ToList();
        if (sessionIndexes.Any(s => s.Length == 0))
            throw new SamlMessageException(MessageCodes.InvalidAttribute, "The LogoutRequest has an empty SessionIndex.");

        return new LogoutRequest
        {
            Id = id,
            IssueInstant = MessageXml.RequiredInstant(root, "IssueInstant"),
            Destination = MessageXml.Uri(root, "Destination"),
            NotOnOrAfter = MessageXml.Instant(root, "NotOnOrAfter"),
            Reason = MessageXml.Uri(root, "Reason"),
            Issuer = MessageXml.Issuer(root, children),
            NameId = NameIdentifier.Read(nameIdElement),
            SessionIndexes = sessionIndexes,
        };
    }
}

/// <summary>A SAML NameID: the identifier of a user, and the format and qualifiers that give it meaning.</summary>
public sealed record NameIdentifier
{
    /// <summary>The identifier, read as the element's whole text.</summary>
    public required string Value { get; init; }

    /// <summary>The NameID format URI; null when absent (unspecified).</summary>
    public string? Format { get; init; }

    /// <summary>The IdP namespace the identifier belongs to.</summary>
    public string? NameQualifier { get; init; }

    /// <summary>The SP namespace the identifier belongs to.</summary>
    public string? SpNameQualifier { get; init; }

    internal static NameIdentifier Read(XmlElement element)
    {
        var value = MessageXml.IdentityText(element);
        if (value.Length == 0)
            throw new SamlMessageException(MessageCodes.NameIdMissing, "The NameID is empty.");
        return new NameIdentifier
        {
            Value = value,
            Format = MessageXml.Uri(element, "Format"),
            NameQualifier = MessageXml.Attribute(element, "NameQualifier"),
            SpNameQualifier = MessageXml.Attribute(element, "SPNameQualifier"),
        };
    }
}
