using System.Globalization;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Messages;

/// <summary>Why a SAML protocol message was refused: a stable <see cref="Code"/> (see <see cref="MessageCodes"/>) and a message saying what is wrong.</summary>
public sealed class SamlMessageException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A stable reason code from <see cref="MessageCodes"/> (or <see cref="SafeXml"/> for documents refused before parsing).</summary>
    public string Code { get; } = code;
}

/// <summary>The reason codes message parsing reports. Stable: logs, tests and users filter on them.</summary>
public static class MessageCodes
{
    /// <summary>The document is larger than <see cref="SafeXml"/> accepts.</summary>
    public const string TooLarge = SafeXml.TooLargeCode;
    /// <summary>The document has a DOCTYPE, refused outright by <see cref="SafeXml"/>.</summary>
    public const string Doctype = SafeXml.DoctypeCode;
    /// <summary>The document is not well-formed XML.</summary>
    public const string Malformed = SafeXml.MalformedCode;
    /// <summary>The document contains a processing instruction.</summary>
    public const string ProcessingInstruction = SafeXml.ProcessingInstructionCode;

    /// <summary>The root element is not the expected protocol element in the SAML protocol namespace.</summary>
    public const string UnexpectedRoot = "UNEXPECTED_ROOT";
    /// <summary>Version is missing or not "2.0".</summary>
    public const string UnsupportedVersion = "UNSUPPORTED_VERSION";
    /// <summary>The ID attribute is missing or empty.</summary>
    public const string MissingId = "MISSING_ID";
    /// <summary>The ID attribute is not an NCName, so no signature reference could point at it.</summary>
    public const string InvalidId = "INVALID_ID";
    /// <summary>A required attribute is missing.</summary>
    public const string MissingAttribute = "MISSING_ATTRIBUTE";
    /// <summary>An attribute value is not of its type (time, boolean, enumeration, URI).</summary>
    public const string InvalidAttribute = "INVALID_ATTRIBUTE";
    /// <summary>An element that does not belong there, out of schema order, or unsupported; or stray text.</summary>
    public const string UnexpectedElement = "UNEXPECTED_ELEMENT";
    /// <summary>An element that may appear once appears more than once.</summary>
    public const string DuplicateElement = "DUPLICATE_ELEMENT";
    /// <summary>The Issuer element is missing or empty.</summary>
    public const string IssuerMissing = "ISSUER_MISSING";
    /// <summary>The NameID element is missing or empty.</summary>
    public const string NameIdMissing = "NAMEID_MISSING";
    /// <summary>The Status element or its StatusCode is missing.</summary>
    public const string StatusMissing = "STATUS_MISSING";
    /// <summary>An identity field (Issuer, NameID, SessionIndex, AuthnContextClassRef) contains child elements.</summary>
    public const string IdentityFieldStructure = "IDENTITY_FIELD_STRUCTURE";
}

/// <summary>Reading and writing helpers shared by the protocol messages.</summary>
internal static class MessageXml
{
    /// <summary>ServiceNow (OpenSAML) prefixes: <c>saml2p:</c> for the protocol, <c>saml2:</c> for assertion elements.</summary>
    public const string ProtocolPrefix = "saml2p";
    public const string AssertionPrefix = "saml2";
    public const string Version = "2.0";

    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.f'Z'", "yyyy-MM-dd'T'HH:mm:ss.ff'Z'", "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.ffff'Z'", "yyyy-MM-dd'T'HH:mm:ss.fffff'Z'", "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'",
    ];

    // ---- reading ----

    /// <summary>Loads a message through <see cref="SafeXml"/>, turning its refusal into a <see cref="SamlMessageException"/> with the same code.</summary>
    public static XmlDocument Load(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        try
        {
            return SafeXml.Load(xml);
        }
        catch (SamlXmlException e)
        {
            throw new SamlMessageException(e.Code, e.Message, e);
        }
    }

    /// <summary>The root element, which must be <c>samlp:{localName}</c> with Version 2.0 and an NCName ID.</summary>
    public static XmlElement Root(XmlDocument document, string localName)
    {
        ArgumentNullException.ThrowIfNull(document);
        var root = document.DocumentElement
            ?? throw new SamlMessageException(MessageCodes.Malformed, "The document has no root element.");
        if (root.LocalName != localName || root.NamespaceURI != SamlNames.Protocol)
            throw new SamlMessageException(MessageCodes.UnexpectedRoot,
                $"Expected a {localName} in namespace {SamlNames.Protocol}, found '{root.LocalName}' in namespace '{root.NamespaceURI}'.");
        var version = Attribute(root, "Version");
        if (version != Version)
            throw new SamlMessageException(MessageCodes.UnsupportedVersion,
                version is null ? $"The {localName} has no Version; SAML 2.0 messages carry Version=\"2.0\"." : $"The {localName} has Version \"{Shorten(version)}\"; only \"2.0\" is supported.");
        return root;
    }

    /// <summary>The ID attribute, required to be an NCName: the only form a signature reference <c>#ID</c> can name.</summary>
    public static string Id(XmlElement root)
    {
        var id = Attribute(root, "ID");
        if (string.IsNullOrEmpty(id))
            throw new SamlMessageException(MessageCodes.MissingId, $"The {root.LocalName} has no ID attribute.");
        if (!IsNcName(id))
            throw new SamlMessageException(MessageCodes.InvalidId, $"The {root.LocalName} ID \"{Shorten(id)}\" is not an NCName.");
        return id;
    }

    /// <summary>An attribute's value, or null when absent (no namespace: SAML attributes are unqualified).</summary>
    public static string? Attribute(XmlElement element, string name) =>
        element.GetAttributeNode(name) is { } attribute ? attribute.Value : null;

    public static DateTimeOffset RequiredInstant(XmlElement element, string name) =>
        Instant(element, name) ?? throw new SamlMessageException(MessageCodes.MissingAttribute, $"The {element.LocalName} has no {name}.");

    /// <summary>An xs:dateTime in UTC with a 'Z' (SAML Core 1.3.3: SAML times carry no other time zone).</summary>
    public static DateTimeOffset? Instant(XmlElement element, string name)
    {
        var value = Attribute(element, name);
        if (value is null) return null;
        if (DateTimeOffset.TryParseExact(value, InstantFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            return instant;
        throw new SamlMessageException(MessageCodes.InvalidAttribute,
            $"The {element.LocalName} {name} \"{Shorten(value)}\" is not a UTC time such as 2026-01-31T12:00:00Z.");
    }

    /// <summary>An xs:boolean ("true", "false", "1", "0"), or the default when absent.</summary>
    public static bool Boolean(XmlElement element, string name, bool absent = false) => Attribute(element, name) switch
    {
        null => absent,
        "true" or "1" => true,
        "false" or "0" => false,
        var other => throw new SamlMessageException(MessageCodes.InvalidAttribute,
            $"The {element.LocalName} {name} \"{Shorten(other)}\" is not a boolean (true or false)."),
    };

    /// <summary>An attribute holding a URI (such as a Destination or a Format); null when absent.</summary>
    public static string? Uri(XmlElement element, string name)
    {
        var value = Attribute(element, name);
        if (value is null || System.Uri.TryCreate(value, UriKind.Absolute, out _)) return value;
        throw new SamlMessageException(MessageCodes.InvalidAttribute, $"The {element.LocalName} {name} \"{Shorten(value)}\" is not an absolute URI.");
    }

    /// <summary>
    /// The whole text of an identity field. Read with <c>InnerText</c> so a comment inside cannot cut the value short
    /// (the Duo 2018 truncation, CVE-2017-11427 and relatives: exclusive c14n drops comments, so a signed
    /// "admin@x.com.evil.com" still verifies with a comment after "admin@x.com"). Child elements are refused: an
    /// identity is text, and mixed content is where readers disagree.
    /// </summary>
    public static string IdentityText(XmlElement element)
    {
        foreach (XmlNode child in element.ChildNodes)
            if (child.NodeType == XmlNodeType.Element)
                throw new SamlMessageException(MessageCodes.IdentityFieldStructure,
                    $"The {element.LocalName} contains the element '{child.LocalName}'; it must hold text only.");
        return element.InnerText;
    }

    /// <summary>
    /// The child elements of <paramref name="parent"/>, checked against the schema's sequence: each must be one of
    /// <paramref name="sequence"/> (in that order; single ones at most once), and no text may stand between them.
    /// Comments and whitespace are allowed.
    /// </summary>
    public static IReadOnlyList<(XmlElement Element, ChildRule Rule)> Children(XmlElement parent, params ChildRule[] sequence)
    {
        var children = new List<(XmlElement, ChildRule)>();
        var position = 0;
        ChildRule? previous = null;
        foreach (XmlNode node in parent.ChildNodes)
        {
            switch (node.NodeType)
            {
                case XmlNodeType.Comment or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    continue;
                case XmlNodeType.Element:
                    break;
                default:
                    if (string.IsNullOrWhiteSpace(node.Value)) continue;
                    throw new SamlMessageException(MessageCodes.UnexpectedElement, $"The {parent.LocalName} contains text outside its elements.");
            }

            var element = (XmlElement)node;
            var index = Array.FindIndex(sequence, r => r.LocalName == element.LocalName && r.Namespace == element.NamespaceURI);
            if (index < 0)
                throw new SamlMessageException(MessageCodes.UnexpectedElement,
                    $"The {parent.LocalName} contains '{element.LocalName}' in namespace '{element.NamespaceURI}', which does not belong there.");
            var rule = sequence[index];
            if (rule == previous && !rule.Repeats)
                throw new SamlMessageException(MessageCodes.DuplicateElement, $"The {parent.LocalName} contains more than one {rule.LocalName}.");
            if (index < position)
                throw new SamlMessageException(MessageCodes.UnexpectedElement,
                    $"The {parent.LocalName} has {rule.LocalName} after {previous!.LocalName}; the schema puts it before.");
            if (rule.Unsupported is { } why)
                throw new SamlMessageException(MessageCodes.UnexpectedElement, $"The {parent.LocalName} contains {rule.LocalName}, which is not supported: {why}");
            position = index;
            previous = rule;
            children.Add((element, rule));
        }

        return children;
    }

    /// <summary>The Issuer: first in every protocol message, required here, its whole text.</summary>
    public static string Issuer(XmlElement root, IReadOnlyList<(XmlElement Element, ChildRule Rule)> children)
    {
        var issuer = children.FirstOrDefault(c => c.Rule == ChildRule.Issuer).Element
            ?? throw new SamlMessageException(MessageCodes.IssuerMissing, $"The {root.LocalName} has no Issuer.");
        var value = IdentityText(issuer);
        if (value.Length == 0)
            throw new SamlMessageException(MessageCodes.IssuerMissing, $"The {root.LocalName} Issuer is empty.");
        return value;
    }

    public static bool IsNcName(string value)
    {
        try
        {
            XmlConvert.VerifyNCName(value);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    public static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "...");

    // ---- writing ----

    /// <summary>A new document whose root is <c>saml2p:{localName}</c> with ID, IssueInstant and Version.</summary>
    public static (XmlDocument Document, XmlElement Root) NewMessage(string localName, string id)
    {
        if (!IsNcName(id))
            throw new ArgumentException($"The message ID \"{id}\" is not an NCName; signatures could not reference it.", nameof(id));
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var root = document.CreateElement(ProtocolPrefix, localName, SamlNames.Protocol);
        root.SetAttribute($"xmlns:{ProtocolPrefix}", SamlNames.Protocol);
        document.AppendChild(root);
        return (document, root);
    }

    /// <summary>Sets the attributes in the order given, skipping nulls (callers list them alphabetically, as OpenSAML's serializer writes them).</summary>
    public static void SetAttributes(XmlElement element, params (string Name, string? Value)[] attributes)
    {
        foreach (var (name, value) in attributes)
            if (value is not null) element.SetAttribute(name, value);
    }

    /// <summary><c>saml2p:{localName}</c>, appended to <paramref name="parent"/>.</summary>
    public static XmlElement AddProtocol(XmlElement parent, string localName)
    {
        var element = parent.OwnerDocument.CreateElement(ProtocolPrefix, localName, SamlNames.Protocol);
        parent.AppendChild(element);
        return element;
    }

    /// <summary>
    /// <c>saml2:{localName}</c> holding <paramref name="text"/>, appended to <paramref name="parent"/>, declaring its
    /// namespace on itself as ServiceNow's requests do (<c>&lt;saml2:Issuer xmlns:saml2="..."&gt;</c>).
    /// </summary>
    public static XmlElement AddAssertion(XmlElement parent, string localName, string text)
    {
        var element = parent.OwnerDocument.CreateElement(AssertionPrefix, localName, SamlNames.Assertion);
        element.SetAttribute($"xmlns:{AssertionPrefix}", SamlNames.Assertion);
        element.AppendChild(parent.OwnerDocument.CreateTextNode(text));
        parent.AppendChild(element);
        return element;
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ssZ</c> in UTC; fractions of a second are dropped.</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string FormatBoolean(bool value) => value ? "true" : "false";
}

/// <summary>One element a message may contain, in schema order.</summary>
internal sealed record ChildRule(string LocalName, string Namespace, bool Repeats = false, string? Unsupported = null)
{
    public static readonly ChildRule Issuer = new("Issuer", SamlNames.Assertion);
    /// <summary>Enveloped signatures are verified elsewhere (Xml/XmlSigner); here they are only allowed in place.</summary>
    public static readonly ChildRule Signature = new("Signature", SamlNames.DSig);
    public static readonly ChildRule Extensions = new("Extensions", SamlNames.Protocol);
}
