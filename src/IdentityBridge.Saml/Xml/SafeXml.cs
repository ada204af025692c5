using System.Xml;

namespace IdentityBridge.Saml.Xml;

/// <summary>Why a document was refused before any SAML rule looked at it.</summary>
public sealed class SamlXmlException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A stable reason code (see <see cref="SafeXml"/>).</summary>
    public string Code { get; } = code;
}

/// <summary>
/// The one way SAML XML is parsed. A document with any DOCTYPE is refused outright, whatever it declares: DTDs carry
/// entity expansion (billion laughs), external entities (XXE), DTD-declared IDs that change what a signature
/// reference points at, and the DOCTYPE/CDATA parser-differential of ruby-saml CVE-2025-25291 (spec/saml.md 2.2).
/// Nothing is fetched while parsing, and processing instructions are refused. Whitespace is preserved, because
/// signatures are computed over it. The same parsed tree is then verified and read, never a second parse.
/// </summary>
public static class SafeXml
{
    public const string DoctypeCode = "DOCTYPE_FORBIDDEN";
    public const string MalformedCode = "MALFORMED_XML";
    public const string TooLargeCode = "MESSAGE_TOO_LARGE";
    public const string ProcessingInstructionCode = "PROCESSING_INSTRUCTION_FORBIDDEN";
    public const string NestingCode = "NESTING_TOO_DEEP";

    /// <summary>
    /// The deepest element nesting accepted. SAML messages and metadata need a dozen levels; a document nested
    /// tens of thousands deep (still under the size limit) would otherwise exhaust the stack of any code that
    /// follows the tree recursively, and a stack overflow ends the process.
    /// </summary>
    public const int MaxDepth = 128;

    /// <summary>The largest document accepted, in characters, unless a caller asks for less.</summary>
    public const int DefaultMaxCharacters = 1024 * 1024;

    public static XmlDocument Load(byte[] bytes, int maxCharacters = DefaultMaxCharacters) => Load(new ArraySegment<byte>(bytes), maxCharacters);

    public static XmlDocument Load(ArraySegment<byte> bytes, int maxCharacters = DefaultMaxCharacters)
    {
        if (bytes.Count > maxCharacters * 4L)
            throw new SamlXmlException(TooLargeCode, $"The message is {bytes.Count} bytes, more than the {maxCharacters} characters allowed.");
        using var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
        return Load(XmlReader.Create(stream, Settings(maxCharacters)));
    }

    public static XmlDocument Load(string xml, int maxCharacters = DefaultMaxCharacters)
    {
        if (xml.Length > maxCharacters)
            throw new SamlXmlException(TooLargeCode, $"The message is {xml.Length} characters, more than the {maxCharacters} allowed.");
        return Load(XmlReader.Create(new StringReader(xml), Settings(maxCharacters)));
    }

    private static XmlReaderSettings Settings(int maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 0,
        IgnoreProcessingInstructions = false,
        IgnoreComments = false,
        IgnoreWhitespace = false,
        CloseInput = true,
    };

    private static XmlDocument Load(XmlReader reader)
    {
        using (reader)
        {
            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            try
            {
                document.Load(reader);
            }
            catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) ||
                                         e.Message.Contains("DOCTYPE", StringComparison.OrdinalIgnoreCase))
            {
                throw new SamlXmlException(DoctypeCode, "The message contains a DOCTYPE declaration, which SAML messages never need and which is refused.", e);
            }
            catch (XmlException e) when (e.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal) ||
                                         e.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase))
            {
                throw new SamlXmlException(TooLargeCode, "The message is larger than allowed.", e);
            }
            catch (XmlException e)
            {
                throw new SamlXmlException(MalformedCode, $"The message is not well-formed XML: {e.Message}", e);
            }
            if (document.DocumentType is not null)
                throw new SamlXmlException(DoctypeCode, "The message contains a DOCTYPE declaration, which is refused.");
            if (document.DocumentElement is null)
                throw new SamlXmlException(MalformedCode, "The message has no root element.");
            CheckTree(document);
            return document;
        }
    }

    /// <summary>One pass with an explicit stack (recursion is what deep nesting attacks): depth and processing instructions.</summary>
    private static void CheckTree(XmlDocument document)
    {
        var pending = new Stack<(XmlNode Node, int Depth)>();
        pending.Push((document, 0));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            for (var child = node.FirstChild; child is not null; child = child.NextSibling)
            {
                if (child.NodeType == XmlNodeType.ProcessingInstruction)
                    throw new SamlXmlException(ProcessingInstructionCode, "The message contains a processing instruction, which SAML messages never carry.");
                if (child.NodeType != XmlNodeType.Element) continue;
                if (depth + 1 > MaxDepth)
                    throw new SamlXmlException(NestingCode, $"The message nests elements more than {MaxDepth} levels deep, which no SAML message needs.");
                if (child.HasChildNodes) pending.Push((child, depth + 1));
            }
        }
    }
}
