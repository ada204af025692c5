using System.Text;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// What an attacker does to a response after the peer signed it. Each takes and returns the base64 SAMLResponse, and
/// changes nothing but the one thing named, keeping whitespace so signatures over untouched parts still hold.
/// </summary>
internal static class Tampering
{
    public static string ChangeNameId(string samlResponse, string nameId) => Edit(samlResponse, document =>
        Single(document, "NameID", SamlNames.Assertion).InnerText = nameId);

    public static string ChangeAudience(string samlResponse, string audience) => Edit(samlResponse, document =>
        Single(document, "Audience", SamlNames.Assertion).InnerText = audience);

    /// <summary>Splits the NameID's text with an empty comment after <paramref name="position"/> characters.</summary>
    public static string InsertCommentInNameId(string samlResponse, int position) => Edit(samlResponse, document =>
    {
        var nameId = Single(document, "NameID", SamlNames.Assertion);
        var text = nameId.InnerText;
        while (nameId.FirstChild is { } child) nameId.RemoveChild(child);
        nameId.AppendChild(document.CreateTextNode(text[..position]));
        nameId.AppendChild(document.CreateComment(""));
        nameId.AppendChild(document.CreateTextNode(text[position..]));
    });

    /// <summary>Strips every XML signature (CVE-2025-40934 class: a verifier that passes when there is nothing to verify).</summary>
    public static string RemoveSignatures(string samlResponse) => Edit(samlResponse, document =>
    {
        foreach (var signature in document.GetElementsByTagName("Signature", SamlNames.DSig).Cast<XmlElement>().ToList())
            signature.ParentNode!.RemoveChild(signature);
    });

    /// <summary>
    /// XSW3 (spec/saml.md 2.1): an unsigned copy of the assertion with a new ID and the attacker's NameID, put before
    /// the signed one, for a service provider that verifies one assertion and reads the first.
    /// </summary>
    public static string InsertUnsignedAssertion(string samlResponse, string nameId) => Edit(samlResponse, document =>
    {
        var signed = Single(document, "Assertion", SamlNames.Assertion);
        var evil = (XmlElement)signed.CloneNode(deep: true);
        foreach (var signature in evil.GetElementsByTagName("Signature", SamlNames.DSig).Cast<XmlElement>().ToList())
            signature.ParentNode!.RemoveChild(signature);
        evil.SetAttribute("ID", "_" + Guid.NewGuid().ToString("N"));
        ((XmlElement)evil.GetElementsByTagName("NameID", SamlNames.Assertion)[0]!).InnerText = nameId;
        signed.ParentNode!.InsertBefore(evil, signed);
    });

    public static string Xml(string samlResponse) => Encoding.UTF8.GetString(Convert.FromBase64String(samlResponse));

    private static string Edit(string samlResponse, Action<XmlDocument> edit)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        document.LoadXml(Xml(samlResponse));
        edit(document);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(document.OuterXml));
    }

    private static XmlElement Single(XmlDocument document, string localName, string namespaceUri) =>
        document.GetElementsByTagName(localName, namespaceUri).Cast<XmlElement>().Single();
}
