using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Messages;

/// <summary>A SAML 2.0 LogoutResponse (SAML Core 3.7.2): the answer to a LogoutRequest.</summary>
public sealed record LogoutResponse
{
    /// <summary>The response ID, an NCName.</summary>
    public required string Id { get; init; }

    /// <summary>When the response was issued; written in UTC to the second.</summary>
    public required DateTimeOffset IssueInstant { get; init; }

    /// <summary>The single logout URL the response is sent to.</summary>
    public string? Destination { get; init; }

    /// <summary>The ID of the LogoutRequest answered.</summary>
    public string? InResponseTo { get; init; }

    /// <summary>The sender's entity ID.</summary>
    public required string Issuer { get; init; }

    /// <summary>Whether logout succeeded.</summary>
    public required SamlStatus Status { get; init; }

    private static readonly ChildRule StatusRule = new("Status", SamlNames.Protocol);
    private static readonly ChildRule[] Sequence = [ChildRule.Issuer, ChildRule.Signature, ChildRule.Extensions, StatusRule];

    /// <summary>The response as XML text, ready for a binding.</summary>
    public string ToXml() => ToXmlDocument().OuterXml;

    /// <summary>The response as a document (for example to sign it before posting).</summary>
    public XmlDocument ToXmlDocument()
    {
        if (InResponseTo is not null && !MessageXml.IsNcName(InResponseTo))
            throw new InvalidOperationException($"InResponseTo \"{InResponseTo}\" is not an NCName, so it names no request.");
        var (document, root) = MessageXml.NewMessage("LogoutResponse", Id);
        MessageXml.SetAttributes(root,
            ("Destination", Destination),
            ("ID", Id),
            ("InResponseTo", InResponseTo),
            ("IssueInstant", MessageXml.FormatInstant(IssueInstant)),
            ("Version", MessageXml.Version));
        MessageXml.AddAssertion(root, "Issuer", Issuer);
        Status.Write(root);
        return document;
    }

    /// <summary>Parses and checks a response given as text, through <see cref="SafeXml"/>.</summary>
    /// <exception cref="SamlMessageException">The text is not a well-formed, valid LogoutResponse; see its Code.</exception>
    public static LogoutResponse Parse(string xml) => Parse(MessageXml.Load(xml));

    /// <summary>
    /// Reads a LogoutResponse strictly: root <c>samlp:LogoutResponse</c>, Version 2.0, an NCName ID, IssueInstant,
    /// an Issuer, a Status with a top-level StatusCode. Does not verify an enveloped signature.
    /// </summary>
    /// <exception cref="SamlMessageException">The document is not a valid LogoutResponse; see its Code.</exception>
    public static LogoutResponse Parse(XmlDocument document)
    {
        var root = MessageXml.Root(document, "LogoutResponse");
        var id = MessageXml.Id(root);
        var children = MessageXml.Children(root, Sequence);
        var status = children.FirstOrDefault(c => c.Rule == StatusRule).Element
            ?? throw new SamlMessageException(MessageCodes.StatusMissing, "The LogoutResponse has no Status.");
        var inResponseTo = MessageXml.Attribute(root, "InResponseTo");
        if (inResponseTo is not null && !MessageXml.IsNcName(inResponseTo))
            throw new SamlMessageException(MessageCodes.InvalidAttribute,
                $"The LogoutResponse InResponseTo \"{MessageXml.Shorten(inResponseTo)}\" is not an NCName, so it names no request.");

        return new LogoutResponse
        {
            Id = id,
            IssueInstant = MessageXml.RequiredInstant(root, "IssueInstant"),
            Destination = MessageXml.Uri(root, "Destination"),
            InResponseTo = inResponseTo,
            Issuer = MessageXml.Issuer(root, children),
            Status = SamlStatus.Read(status),
        };
    }
}

/// <summary>The Status of a SAML response: a top-level code, an optional second-level code and message.</summary>
public sealed record SamlStatus
{
    /// <summary>The top-level StatusCode URI (Success, Requester, Responder or VersionMismatch).</summary>
    public required string Code { get; init; }

    /// <summary>The nested StatusCode URI that says more (e.g. <see cref="SamlNames.StatusPartialLogout"/>); null when absent.</summary>
    public string? SubCode { get; init; }

    /// <summary>The StatusMessage text; null when absent.</summary>
    public string? Message { get; init; }

    /// <summary>True when the top-level code is Success.</summary>
    public bool IsSuccess => Code == SamlNames.StatusSuccess;

    /// <summary>Success, with no further detail.</summary>
    public static SamlStatus Success { get; } = new() { Code = SamlNames.StatusSuccess };

    private static readonly ChildRule StatusCodeRule = new("StatusCode", SamlNames.Protocol);
    private static readonly ChildRule StatusMessageRule = new("StatusMessage", SamlNames.Protocol);
    // StatusDetail is allowed and never read: it is where wrapped assertions hide (spec/saml.md 2.2).
    private static readonly ChildRule[] Sequence = [StatusCodeRule, StatusMessageRule, new("StatusDetail", SamlNames.Protocol)];

    internal void Write(XmlElement parent)
    {
        var status = MessageXml.AddProtocol(parent, "Status");
        var code = MessageXml.AddProtocol(status, "StatusCode");
        code.SetAttribute("Value", Code);
        if (SubCode is not null)
            MessageXml.AddProtocol(code, "StatusCode").SetAttribute("Value", SubCode);
        if (Message is not null)
            MessageXml.AddProtocol(status, "StatusMessage").AppendChild(parent.OwnerDocument.CreateTextNode(Message));
    }

    internal static SamlStatus Read(XmlElement status)
    {
        var children = MessageXml.Children(status, Sequence);
        var code = children.FirstOrDefault(c => c.Rule == StatusCodeRule).Element
            ?? throw new SamlMessageException(MessageCodes.StatusMissing, "The Status has no StatusCode.");
        var subCode = MessageXml.Children(code, StatusCodeRule).Select(c => c.Element).FirstOrDefault();
        var message = children.FirstOrDefault(c => c.Rule == StatusMessageRule).Element;
        return new SamlStatus
        {
            Code = CodeValue(code),
            // Deeper levels of nesting are allowed by the schema and carry nothing this library acts on.
            SubCode = subCode is null ? null : CodeValue(subCode),
            Message = message is null ? null : MessageXml.IdentityText(message),
        };
    }

    private static string CodeValue(XmlElement code) =>
        MessageXml.Uri(code, "Value") ?? throw new SamlMessageException(MessageCodes.StatusMissing, "A StatusCode has no Value.");
}
