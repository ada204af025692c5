using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Messages;

public sealed class LogoutResponseTests
{
    private const string P = "urn:oasis:names:tc:SAML:2.0:protocol";
    private const string A = "urn:oasis:names:tc:SAML:2.0:assertion";

    private static readonly DateTimeOffset Issued = new(2026, 11, 26, 14, 30, 5, TimeSpan.Zero);

    private static LogoutResponse Sample(SamlStatus status) => new()
    {
        Id = "_lr1",
        IssueInstant = Issued,
        Destination = "https://inst.service-now.com/navpage.do",
        InResponseTo = "SNC0123456789abcdef0123456789abcdef",
        Issuer = "https://sts.windows.net/tenant/",
        Status = status,
    };

    private static string Response(string children, string extraAttributes = "") =>
        $"<samlp:LogoutResponse xmlns:samlp=\"{P}\" xmlns:saml=\"{A}\" ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\"{extraAttributes}>{children}</samlp:LogoutResponse>";

    [Fact]
    public void success_response_round_trips()
    {
        var response = Sample(SamlStatus.Success);

        var parsed = LogoutResponse.Parse(response.ToXml());

        Assert.Equal(response, parsed);
        Assert.True(parsed.Status.IsSuccess);
    }

    [Fact]
    public void failure_with_nested_code_and_message_round_trips()
    {
        var response = Sample(new SamlStatus { Code = SamlNames.StatusResponder, SubCode = SamlNames.StatusPartialLogout, Message = "Some sessions are still open." });

        var parsed = LogoutResponse.Parse(response.ToXml());

        Assert.Equal(response, parsed);
        Assert.False(parsed.Status.IsSuccess);
    }

    [Fact]
    public void response_is_written_with_saml2_prefixes_and_nested_status()
    {
        var root = Sample(new SamlStatus { Code = SamlNames.StatusRequester, SubCode = SamlNames.StatusPartialLogout, Message = "m" }).ToXmlDocument().DocumentElement!;

        Assert.Equal("saml2p:LogoutResponse", root.Name);
        Assert.Equal("SNC0123456789abcdef0123456789abcdef", root.GetAttribute("InResponseTo"));
        var ns = new XmlNamespaceManager(root.OwnerDocument.NameTable);
        ns.AddNamespace("p", P);
        ns.AddNamespace("a", A);
        Assert.Equal("saml2:Issuer", root.SelectSingleNode("a:Issuer", ns)!.Name);
        Assert.Equal(SamlNames.StatusRequester, ((XmlElement)root.SelectSingleNode("p:Status/p:StatusCode", ns)!).GetAttribute("Value"));
        Assert.Equal(SamlNames.StatusPartialLogout, ((XmlElement)root.SelectSingleNode("p:Status/p:StatusCode/p:StatusCode", ns)!).GetAttribute("Value"));
        Assert.Equal("m", root.SelectSingleNode("p:Status/p:StatusMessage", ns)!.InnerText);
    }

    [Fact]
    public void status_detail_is_allowed_and_not_read()
    {
        var response = LogoutResponse.Parse(Response(
            $"<saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/><samlp:StatusDetail><saml:Assertion/></samlp:StatusDetail></samlp:Status>"));

        Assert.True(response.Status.IsSuccess);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "no Status", Response("<saml:Issuer>https://idp</saml:Issuer>"), MessageCodes.StatusMissing },
        { "Status without StatusCode", Response("<saml:Issuer>https://idp</saml:Issuer><samlp:Status/>"), MessageCodes.StatusMissing },
        { "StatusCode without Value", Response("<saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode/></samlp:Status>"), MessageCodes.StatusMissing },
        { "two Statuses", Response($"<saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/></samlp:Status><samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/></samlp:Status>"), MessageCodes.DuplicateElement },
        { "StatusMessage with an element", Response($"<saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/><samlp:StatusMessage>a<b/></samlp:StatusMessage></samlp:Status>"), MessageCodes.IdentityFieldStructure },
        { "no Issuer", Response($"<samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/></samlp:Status>"), MessageCodes.IssuerMissing },
        { "InResponseTo not an NCName", Response($"<saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{SamlNames.StatusSuccess}\"/></samlp:Status>", " InResponseTo=\"a b\""), MessageCodes.InvalidAttribute },
        { "a LogoutRequest", $"<samlp:LogoutRequest xmlns:samlp=\"{P}\" ID=\"_a\" Version=\"2.0\"/>", MessageCodes.UnexpectedRoot },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void malformed_response_is_refused_with_a_code(string what, string xml, string code)
    {
        var refusal = Assert.Throws<SamlMessageException>(() => LogoutResponse.Parse(xml));

        Assert.True(code == refusal.Code, $"{what}: expected {code}, got {refusal.Code} ({refusal.Message})");
    }

    [Fact]
    public void parse_from_a_safe_xml_document_gives_the_same_result_as_from_text()
    {
        var xml = Sample(SamlStatus.Success).ToXml();

        Assert.Equal(LogoutResponse.Parse(xml), LogoutResponse.Parse(SafeXml.Load(xml)));
    }
}
