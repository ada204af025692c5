using System.Text;
using System.Xml;

namespace IdentityBridge.Saml.Xml;

/// <summary>
/// Exclusive XML Canonicalization 1.0 without comments (http://www.w3.org/2001/10/xml-exc-c14n#) of one element's
/// subtree, read straight from the parsed DOM, optionally leaving out one descendant (the enveloped signature).
/// </summary>
/// <remarks>
/// <see cref="System.Security.Cryptography.Xml.SignedXml"/> serialises and re-parses the referenced element, then
/// copies it twice more, before it canonicalises; that is most of the cost of checking a SAML signature. Working on
/// the nodes the validator then reads also means the bytes that were verified come from the very tree whose claims
/// are used: there is no second parse to disagree with the first. Every escape below is what makes the output
/// injective, so that no two different trees give the same bytes; the tests compare it with
/// <see cref="System.Security.Cryptography.Xml.XmlDsigExcC14NTransform"/> on the same inputs.
/// </remarks>
internal static class ExclusiveCanonicalizer
{
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    /// <summary>The canonical UTF-8 bytes of <paramref name="apex"/> and its descendants, minus <paramref name="omit"/>.</summary>
    public static byte[] Canonicalize(XmlElement apex, XmlNode? omit = null, IReadOnlyCollection<string>? inclusivePrefixes = null)
    {
        var output = new StringBuilder(4096);
        var rendered = new List<(string Prefix, string Uri)>();
        Element(output, apex, omit, inclusivePrefixes ?? [], rendered);
        return Encoding.UTF8.GetBytes(output.ToString());
    }

    private static void Element(StringBuilder output, XmlElement element, XmlNode? omit, IReadOnlyCollection<string> inclusive,
        List<(string Prefix, string Uri)> rendered)
    {
        output.Append('<').Append(element.Name);

        // Namespaces visibly utilised by the element and its attributes, plus the InclusiveNamespaces prefixes in
        // scope, each rendered only when the nearest output ancestor did not already render that prefix with the
        // same URI. `rendered` is the stack of what output ancestors declared; the innermost entry wins.
        var declarations = new List<(string Prefix, string Uri)>(4);
        Consider(element.Prefix, element.NamespaceURI);
        var attributes = new List<XmlAttribute>(element.HasAttributes ? element.Attributes.Count : 0);
        if (element.HasAttributes)
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.NamespaceURI == SamlNames.Xmlns) continue;
            attributes.Add(attribute);
            if (attribute.Prefix.Length > 0 && attribute.NamespaceURI != XmlNamespace) Consider(attribute.Prefix, attribute.NamespaceURI);
        }
        foreach (var prefix in inclusive)
        {
            var key = prefix == "#default" ? "" : prefix;
            var uri = element.GetNamespaceOfPrefix(key);
            if (uri.Length > 0 || key.Length == 0) Consider(key, uri);
        }
        declarations.Sort((a, b) => string.CompareOrdinal(a.Prefix, b.Prefix));
        foreach (var (prefix, uri) in declarations)
        {
            output.Append(prefix.Length == 0 ? " xmlns=\"" : " xmlns:").Append(prefix.Length == 0 ? "" : prefix + "=\"");
            AttributeValue(output, uri);
            output.Append('"');
        }
        attributes.Sort((a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.NamespaceURI, b.NamespaceURI);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.LocalName, b.LocalName);
        });
        foreach (var attribute in attributes)
        {
            output.Append(' ').Append(attribute.Name).Append("=\"");
            AttributeValue(output, attribute.Value);
            output.Append('"');
        }
        output.Append('>');

        var depth = rendered.Count;
        rendered.AddRange(declarations);
        for (var child = element.FirstChild; child is not null; child = child.NextSibling)
        {
            if (ReferenceEquals(child, omit)) continue;
            switch (child.NodeType)
            {
                case XmlNodeType.Element:
                    Element(output, (XmlElement)child, omit, inclusive, rendered);
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    Text(output, child.Value!);
                    break;
                case XmlNodeType.Comment:
                    break;
                case XmlNodeType.ProcessingInstruction:
                    output.Append("<?").Append(child.Name);
                    if (!string.IsNullOrEmpty(child.Value)) output.Append(' ').Append(child.Value);
                    output.Append("?>");
                    break;
                default:
                    // Entity references cannot occur: DTDs are refused before anything is parsed.
                    throw new InvalidOperationException($"Cannot canonicalize a {child.NodeType} node.");
            }
        }
        rendered.RemoveRange(depth, rendered.Count - depth);
        output.Append("</").Append(element.Name).Append('>');

        void Consider(string prefix, string uri)
        {
            if (prefix == "xml" || declarations.Exists(d => d.Prefix == prefix)) return;
            string? inEffect = null;
            for (var i = rendered.Count - 1; i >= 0; i--)
                if (rendered[i].Prefix == prefix)
                {
                    inEffect = rendered[i].Uri;
                    break;
                }
            // An unrendered default namespace is the empty one; an unrendered prefix is not declared at all.
            if (inEffect is null && prefix.Length == 0) inEffect = "";
            if (inEffect != uri) declarations.Add((prefix, uri));
        }
    }

    private static void Text(StringBuilder output, string value)
    {
        foreach (var c in value)
            switch (c)
            {
                case '&': output.Append("&amp;"); break;
                case '<': output.Append("&lt;"); break;
                case '>': output.Append("&gt;"); break;
                case '\r': output.Append("&#xD;"); break;
                default: output.Append(c); break;
            }
    }

    private static void AttributeValue(StringBuilder output, string value)
    {
        foreach (var c in value)
            switch (c)
            {
                case '&': output.Append("&amp;"); break;
                case '<': output.Append("&lt;"); break;
                case '"': output.Append("&quot;"); break;
                case '\t': output.Append("&#x9;"); break;
                case '\n': output.Append("&#xA;"); break;
                case '\r': output.Append("&#xD;"); break;
                default: output.Append(c); break;
            }
    }
}
