using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Signatures;

/// <summary>
/// The canonicalizer that signatures are verified with gives, byte for byte, what .NET's own exclusive C14N transform
/// gives on the same element: a difference would reject good signatures, and a missing escape could let two
/// different documents verify alike.
/// </summary>
public sealed class CanonicalizationTests
{
    public static TheoryData<string, string?> Documents => new()
    {
        { """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</Issuer><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><Subject><NameID>a&amp;b&lt;c&gt;d</NameID></Subject></Assertion></samlp:Response>""", null },
        { """<root xmlns="urn:default" xmlns:unused="urn:unused" xmlns:p="urn:p"><p:child p:attr="1" b="2" a="&quot;x&#9;y&#10;z&#13;"><inner xmlns="">text&#13;</inner><!-- dropped --><![CDATA[<cdata & stuff>]]></p:child></root>""", null },
        { "<a:root xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" xml:lang=\"en\"><a:x b:z=\"1\" a:y=\"2\" xmlns:c=\"urn:c\"><c:y/><b:q xmlns:b=\"urn:b2\"/></a:x>\n   <y xmlns=\"urn:y\" >  spaced   </y></a:root>", null },
        { """<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion ID="_x"><saml:Issuer>i</saml:Issuer><ds:Signature><ds:SignedInfo/></ds:Signature><saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">v</saml:AttributeValue></saml:Assertion></r>""", "xs" },
        { """<r xmlns="urn:r"><s xmlns="urn:s"><t xmlns="urn:r">ü € 𝄞  </t></s><e/></r>""", "#default" },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void matches_the_framework_exclusive_canonicalization_on_every_element(string xml, string? prefixes)
    {
        var document = SafeXml.Load(xml);
        foreach (var element in document.GetElementsByTagName("*").Cast<XmlElement>())
        {
            var ours = Encoding.UTF8.GetString(ExclusiveCanonicalizer.Canonicalize(element, null, prefixes?.Split(' ') ?? []));
            Assert.Equal(Framework(element, prefixes), ours);
        }
    }

    [Fact]
    public void the_enveloped_signature_is_left_out_and_nothing_else()
    {
        var document = SafeXml.Load("""<a xmlns="urn:a" ID="_1"><b>x</b> <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><c/></Signature> <d/></a>""");
        var signature = document.GetElementsByTagName("Signature", SamlNames.DSig)[0]!;

        var canonical = Encoding.UTF8.GetString(ExclusiveCanonicalizer.Canonicalize(document.DocumentElement!, signature));

        Assert.Equal("""<a xmlns="urn:a" ID="_1"><b>x</b>  <d></d></a>""", canonical);
    }

    [Fact]
    public void a_comment_inside_text_changes_nothing_but_an_element_does()
    {
        var plain = SafeXml.Load("<n>admin@x.com.evil.com</n>").DocumentElement!;
        var commented = SafeXml.Load("<n>admin@x.com<!---->.evil.com</n>").DocumentElement!;

        Assert.Equal(ExclusiveCanonicalizer.Canonicalize(plain), ExclusiveCanonicalizer.Canonicalize(commented));
        Assert.NotEqual(ExclusiveCanonicalizer.Canonicalize(plain),
            ExclusiveCanonicalizer.Canonicalize(SafeXml.Load("<n>admin@x.com<x/>.evil.com</n>").DocumentElement!));
    }

    private static string Framework(XmlElement element, string? prefixes)
    {
        // The framework canonicalizes a document, so the element is lifted out with its in-scope namespaces, as
        // SignedXml does for a same-document reference.
        var copy = new XmlDocument { PreserveWhitespace = true };
        var imported = (XmlElement)copy.ImportNode(element, true);
        copy.AppendChild(imported);
        for (var ancestor = element.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
            foreach (XmlAttribute attribute in ancestor.Attributes)
                if (attribute.NamespaceURI == "http://www.w3.org/2000/xmlns/" && !imported.HasAttribute(attribute.Name))
                    imported.SetAttribute(attribute.Name, attribute.Value);
        var transform = new XmlDsigExcC14NTransform(false, prefixes);
        transform.LoadInput(copy);
        using var output = (Stream)transform.GetOutput(typeof(Stream));
        return new StreamReader(output, Encoding.UTF8).ReadToEnd();
    }
}
