using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Validation;

/// <summary>
/// One pass over every element of a message: where its assertions and signatures are, and which ID values occur
/// more than once under any of the spellings SignedXml resolves (<c>ID</c>, <c>Id</c>, <c>id</c>, in any namespace).
/// </summary>
internal sealed class DocumentWalk
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public List<XmlElement> Assertions { get; } = [];
    public List<XmlElement> Signatures { get; } = [];
    public List<string> DuplicateIds { get; } = [];

    /// <summary>Walks with an explicit stack, in document order: no nesting can exhaust the call stack.</summary>
    public static DocumentWalk Of(XmlElement root)
    {
        var walk = new DocumentWalk();
        var pending = new Stack<XmlElement>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var element = pending.Pop();
            walk.Visit(element);
            for (var child = element.LastChild; child is not null; child = child.PreviousSibling)
                if (child is XmlElement e) pending.Push(e);
        }
        return walk;
    }

    private void Visit(XmlElement element)
    {
        if (element.NamespaceURI == SamlNames.Assertion && element.LocalName is "Assertion" or "EncryptedAssertion") Assertions.Add(element);
        else if (element.NamespaceURI == SamlNames.DSig && element.LocalName == "Signature") Signatures.Add(element);
        if (element.HasAttributes)
            foreach (XmlAttribute attribute in element.Attributes)
                if (attribute.LocalName is "ID" or "Id" or "id" && !_ids.Add(attribute.Value) && !DuplicateIds.Contains(attribute.Value))
                    DuplicateIds.Add(attribute.Value);
    }
}
