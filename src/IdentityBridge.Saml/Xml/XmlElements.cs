using System.Xml;

namespace IdentityBridge.Saml.Xml;

/// <summary>
/// The element children of an element, read as SAML's rules name them: by local name and namespace, never by prefix,
/// and only direct children (a document-wide search is how ruby-saml read a DigestValue from the wrong place,
/// CVE-2024-45409).
/// </summary>
internal static class XmlElements
{
    public static List<XmlElement> Children(XmlElement parent)
    {
        var list = new List<XmlElement>();
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
            if (node is XmlElement e) list.Add(e);
        return list;
    }

    public static IEnumerable<XmlElement> Children(XmlElement parent, string localName, string namespaceUri)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
            if (node is XmlElement e && e.LocalName == localName && e.NamespaceURI == namespaceUri) yield return e;
    }

    public static XmlElement? First(XmlElement parent, string localName, string namespaceUri)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
            if (node is XmlElement e && e.LocalName == localName && e.NamespaceURI == namespaceUri) return e;
        return null;
    }
}
