using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Messages;

public sealed class LogoutRequestTests
{
    private const string P = "urn:oasis:names:tc:SAML:2.0:protocol";
    private const string A = "urn:oasis:names:tc:SAML:2.0:assertion";

    private static readonly DateTimeOffset Issued = new(2026, 11, 26, 14, 30, 5, TimeSpan.Zero);

    private static LogoutRequest Sample() => new()
    {
        Id = "_logout1",
        IssueInstant = Issued,
        Destination = "https://login.microsoftonline.com/tenant/saml2",
        NotOnOrAfter = Issued.AddMinutes(5),
        Reason = "urn:oasis:names:tc:SAML:2.0:logout:user",
        Issuer = "https://inst.service-now.com",
        NameId = new NameIdentifier
        {
            Value = "ada@example.com",
            Format = SamlNames.NameIdEmail,
            NameQualifier = "https://sts.windows.net/tenant/",
            SpNameQualifier = "https://inst.service-now.com",
        },
        SessionIndexes = ["_session1", "_session2"],
    };

    private static string Request(string children) =>
        $"<samlp:LogoutRequest xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"_l\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\">{children}</samlp:LogoutRequest>";

    [Fact]
    public void request_round_trips()
    {
        var request = Sample();

        var parsed = LogoutRequest.Parse(request.ToXml());

        Assert.Equal(request with { SessionIndexes = [] }, parsed with { SessionIndexes = [] });
        Assert.Equal(request.SessionIndexes, parsed.SessionIndexes);
    }

    [Fact]
    public void request_is_written_with_saml2_prefixes()
    {
        var root = Sample().ToXmlDocument().DocumentElement!;

        Assert.Equal("saml2p:LogoutRequest", root.Name);
        Assert.Equal(["Destination", "ID", "IssueInstant", "NotOnOrAfter", "Reason", "Version"],
            root.Attributes.Cast<XmlAttribute>().Where(a => a.Prefix != "xmlns").Select(a => a.Name).ToArray());
        Assert.Equal("2026-11-26T14:35:05Z", root.GetAttribute("NotOnOrAfter"));
        var children = root.ChildNodes.Cast<XmlElement>().ToArray();
        Assert.Equal(["saml2:Issuer", "saml2:NameID", "saml2p:SessionIndex", "saml2p:SessionIndex"], children.Select(c => c.Name).ToArray());
        Assert.Equal(SamlNames.NameIdEmail, children[1].GetAttribute("Format"));
        Assert.Equal("https://sts.windows.net/tenant/", children[1].GetAttribute("NameQualifier"));
        Assert.Equal("https://inst.service-now.com", children[1].GetAttribute("SPNameQualifier"));
        Assert.Equal("ada@example.com", children[1].InnerText);
    }

    [Fact]
    public void request_without_optional_parts_round_trips()
    {
        var request = new LogoutRequest { Id = "_l", IssueInstant = Issued, Issuer = "https://idp", NameId = new NameIdentifier { Value = "u" } };

        var xml = request.ToXml();
        Assert.DoesNotContain("SessionIndex", xml);
        Assert.DoesNotContain("NotOnOrAfter", xml);
        var parsed = LogoutRequest.Parse(xml);
        Assert.Equal(request.NameId, parsed.NameId);
        Assert.Empty(parsed.SessionIndexes);
        Assert.Null(parsed.NotOnOrAfter);
    }

    [Fact]
    public void name_id_is_read_whole_across_a_comment()
    {
        // The Duo 2018 truncation: the signed value is admin@x.com.evil.com; a reader that stops at the comment sees admin@x.com.
        var request = LogoutRequest.Parse(Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>admin@x.com<!---->.evil.com</saml:NameID>"));

        Assert.Equal("admin@x.com.evil.com", request.NameId.Value);
    }

    [Fact]
    public void session_index_and_issuer_are_read_whole_across_comments()
    {
        var request = LogoutRequest.Parse(Request(
            "<saml:Issuer>https://idp<!-- x -->.evil</saml:Issuer><saml:NameID>u</saml:NameID><samlp:SessionIndex>_s<!---->1</samlp:SessionIndex>"));

        Assert.Equal("https://idp.evil", request.Issuer);
        Assert.Equal(["_s1"], request.SessionIndexes);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "no NameID", Request("<saml:Issuer>https://idp</saml:Issuer><samlp:SessionIndex>s</samlp:SessionIndex>"), MessageCodes.NameIdMissing },
        { "empty NameID", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID/>"), MessageCodes.NameIdMissing },
        { "NameID with an element inside", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>admin@x.com<x/>.evil.com</saml:NameID>"), MessageCodes.IdentityFieldStructure },
        { "SessionIndex with an element inside", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>u</saml:NameID><samlp:SessionIndex>s<x/></samlp:SessionIndex>"), MessageCodes.IdentityFieldStructure },
        { "empty SessionIndex", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>u</saml:NameID><samlp:SessionIndex/>"), MessageCodes.InvalidAttribute },
        { "two NameIDs", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>u</saml:NameID><saml:NameID>v</saml:NameID>"), MessageCodes.DuplicateElement },
        { "EncryptedID", Request("<saml:Issuer>https://idp</saml:Issuer><saml:EncryptedID/>"), MessageCodes.UnexpectedElement },
        { "BaseID", Request("<saml:Issuer>https://idp</saml:Issuer><saml:BaseID/>"), MessageCodes.UnexpectedElement },
        { "SessionIndex before NameID", Request("<saml:Issuer>https://idp</saml:Issuer><samlp:SessionIndex>s</samlp:SessionIndex><saml:NameID>u</saml:NameID>"), MessageCodes.UnexpectedElement },
        { "no Issuer", Request("<saml:NameID>u</saml:NameID>"), MessageCodes.IssuerMissing },
        { "bad NotOnOrAfter", Request("<saml:Issuer>https://idp</saml:Issuer><saml:NameID>u</saml:NameID>").Replace("Version=", "NotOnOrAfter=\"soon\" Version="), MessageCodes.InvalidAttribute },
        { "an AuthnRequest", $"<samlp:AuthnRequest xmlns:samlp=\"{P}\" ID=\"_a\" Version=\"2.0\"/>", MessageCodes.UnexpectedRoot },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void malformed_request_is_refused_with_a_code(string what, string xml, string code)
    {
        var refusal = Assert.Throws<SamlMessageException>(() => LogoutRequest.Parse(xml));

        Assert.True(code == refusal.Code, $"{what}: expected {code}, got {refusal.Code} ({refusal.Message})");
    }
}
