using System.Xml;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>Finds and edits the parts of a response that attack vectors move around, by namespace, never by prefix.</summary>
public static class Dom
{
    public static XmlNamespaceManager Namespaces(XmlDocument doc)
    {
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("p", ResponseBuilder.ProtocolNs);
        ns.AddNamespace("a", ResponseBuilder.AssertionNs);
        ns.AddNamespace("ds", XmlSigner.DsigNs);
        return ns;
    }

    public static XmlElement Select(XmlNode node, string xpath)
    {
        var doc = node as XmlDocument ?? node.OwnerDocument!;
        return node.SelectSingleNode(xpath, Namespaces(doc)) as XmlElement
            ?? throw new InvalidOperationException($"The test document has no {xpath}.");
    }

    public static XmlElement Response(XmlDocument doc) => Select(doc, "/p:Response");

    /// <summary>The first Assertion child of the Response.</summary>
    public static XmlElement Assertion(XmlDocument doc) => Select(doc, "/p:Response/a:Assertion");

    public static XmlElement Issuer(XmlElement parent) => Child(parent, ResponseBuilder.AssertionNs, "Issuer");

    /// <summary>The Signature directly under <paramref name="parent"/>.</summary>
    public static XmlElement Signature(XmlElement parent) => Child(parent, XmlSigner.DsigNs, "Signature");

    public static XmlElement NameId(XmlElement assertion) => Select(assertion, "a:Subject/a:NameID");

    public static XmlElement Child(XmlElement parent, string ns, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().FirstOrDefault(e => e.NamespaceURI == ns && e.LocalName == localName)
        ?? throw new InvalidOperationException($"<{parent.LocalName}> has no {localName} child.");

    public static XmlElement Descendant(XmlElement parent, string ns, string localName) =>
        parent.GetElementsByTagName(localName, ns).OfType<XmlElement>().FirstOrDefault()
        ?? throw new InvalidOperationException($"<{parent.LocalName}> has no {localName} descendant.");

    public static XmlElement NewProtocolElement(XmlDocument doc, string localName) =>
        doc.CreateElement("samlp", localName, ResponseBuilder.ProtocolNs);

    public static XmlElement NewAssertionElement(XmlDocument doc, string localName) =>
        doc.CreateElement(localName, ResponseBuilder.AssertionNs);

    /// <summary>
    /// The attacker's edit of a copy: Mallory's NameID and e-mail claims become the administrator's. Used by every
    /// wrapping vector, so a test can check that this identity never comes back.
    /// </summary>
    public static void MakeEvil(XmlElement assertionOrResponse)
    {
        foreach (var nameId in assertionOrResponse.GetElementsByTagName("NameID", ResponseBuilder.AssertionNs).OfType<XmlElement>().ToList())
            nameId.InnerText = Entra.EvilUser;
        foreach (var value in assertionOrResponse.GetElementsByTagName("AttributeValue", ResponseBuilder.AssertionNs).OfType<XmlElement>().ToList())
            if (value.InnerText == Entra.LegitimateUser) value.InnerText = Entra.EvilUser;
    }

    /// <summary>Removes the Signature directly under <paramref name="parent"/>.</summary>
    public static void RemoveSignature(XmlElement parent) => parent.RemoveChild(Signature(parent));

    public static void InsertAfterIssuer(XmlElement parent, XmlNode node) => parent.InsertAfter(node, Issuer(parent));

    public static XmlElement Status(XmlDocument doc) => Select(doc, "/p:Response/p:Status");
}
