using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Messages;

public sealed class AuthnRequestTests
{
    private const string P = "urn:oasis:names:tc:SAML:2.0:protocol";
    private const string A = "urn:oasis:names:tc:SAML:2.0:assertion";

    private static readonly DateTimeOffset Issued = new(2026, 11, 26, 14, 30, 5, TimeSpan.Zero);

    /// <summary>What ServiceNow's Multi-Provider SSO sends to Entra (spec/servicenow.md 5.4).</summary>
    private static AuthnRequest ServiceNowRequest() => new()
    {
        Id = "SNC0123456789abcdef0123456789abcdef",
        IssueInstant = Issued,
        Destination = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/saml2",
        AssertionConsumerServiceUrl = "https://inst.service-now.com/navpage.do",
        ProviderName = "https://inst.service-now.com/navpage.do",
        Issuer = "https://inst.service-now.com",
        NameIdPolicy = new NameIdPolicy { Format = SamlNames.NameIdUnspecified, AllowCreate = true },
    };

    /// <summary>An AuthnRequest as text, with the root's attributes and children given.</summary>
    private static string Request(string attributes = "ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\"",
        string children = "<saml2:Issuer>https://sp.example</saml2:Issuer>") =>
        $"<saml2p:AuthnRequest xmlns:saml2p=\"{P}\" xmlns:saml2=\"{A}\" {attributes}>{children}</saml2p:AuthnRequest>";

    private static SamlMessageException Refusal(string xml) => Assert.Throws<SamlMessageException>(() => AuthnRequest.Parse(xml));

    [Fact]
    public void request_is_written_in_service_now_shape()
    {
        var xml = ServiceNowRequest().ToXml();

        Assert.Equal(
            $"<saml2p:AuthnRequest xmlns:saml2p=\"{P}\" AssertionConsumerServiceURL=\"https://inst.service-now.com/navpage.do\" " +
            "Destination=\"https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/saml2\" ForceAuthn=\"false\" " +
            "ID=\"SNC0123456789abcdef0123456789abcdef\" IsPassive=\"false\" IssueInstant=\"2026-11-26T14:30:05Z\" " +
            "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" ProviderName=\"https://inst.service-now.com/navpage.do\" Version=\"2.0\">" +
            $"<saml2:Issuer xmlns:saml2=\"{A}\">https://inst.service-now.com</saml2:Issuer>" +
            "<saml2p:NameIDPolicy AllowCreate=\"true\" Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\" />" +
            "</saml2p:AuthnRequest>",
            xml);
    }

    [Fact]
    public void requested_authn_context_is_written_with_saml2_class_refs()
    {
        var request = ServiceNowRequest() with
        {
            RequestedAuthnContext = new RequestedAuthnContext
            {
                Comparison = AuthnContextComparison.Exact,
                ClassRefs = [SamlNames.PasswordProtectedTransport],
            },
        };

        var document = request.ToXmlDocument();
        var context = (XmlElement)document.DocumentElement!.LastChild!;
        Assert.Equal("saml2p:RequestedAuthnContext", context.Name);
        Assert.Equal("exact", context.GetAttribute("Comparison"));
        var classRef = (XmlElement)context.FirstChild!;
        Assert.Equal("saml2:AuthnContextClassRef", classRef.Name);
        Assert.Equal(A, classRef.NamespaceURI);
        Assert.Equal(SamlNames.PasswordProtectedTransport, classRef.InnerText);
    }

    [Fact]
    public void issue_instant_is_written_in_utc_to_the_second()
    {
        var request = ServiceNowRequest() with { IssueInstant = new DateTimeOffset(2026, 11, 26, 15, 30, 5, 999, TimeSpan.FromHours(1)) };

        Assert.Contains("IssueInstant=\"2026-11-26T14:30:05Z\"", request.ToXml());
    }

    [Fact]
    public void request_round_trips()
    {
        var request = ServiceNowRequest() with
        {
            ForceAuthn = true,
            IsPassive = true,
            NameIdPolicy = new NameIdPolicy { Format = SamlNames.NameIdEmail, SpNameQualifier = "urn:affiliation", AllowCreate = false },
            RequestedAuthnContext = new RequestedAuthnContext
            {
                Comparison = AuthnContextComparison.Minimum,
                ClassRefs = [SamlNames.PasswordProtectedTransport, "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"],
            },
        };

        var parsed = AuthnRequest.Parse(request.ToXml());

        Assert.Equal(request with { RequestedAuthnContext = null }, parsed with { RequestedAuthnContext = null });
        Assert.Equal(AuthnContextComparison.Minimum, parsed.RequestedAuthnContext!.Comparison);
        Assert.Equal(request.RequestedAuthnContext.ClassRefs, parsed.RequestedAuthnContext.ClassRefs);
    }

    [Fact]
    public void minimal_request_round_trips_without_optional_parts()
    {
        var request = new AuthnRequest { Id = "_min", IssueInstant = Issued, Issuer = "https://sp.example", ProtocolBinding = null };

        var xml = request.ToXml();
        Assert.DoesNotContain("NameIDPolicy", xml);
        Assert.DoesNotContain("Destination", xml);
        Assert.Equal(request, AuthnRequest.Parse(xml));
    }

    [Fact]
    public void request_with_other_prefixes_and_a_default_namespace_parses()
    {
        var xml = $"<samlp:AuthnRequest xmlns:samlp=\"{P}\" ID=\"id-1\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05.123Z\" " +
                  "AssertionConsumerServiceURL=\"https://sp.example/acs\">\n" +
                  $"  <Issuer xmlns=\"{A}\">https://sp.example</Issuer>\n" +
                  "  <samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" AllowCreate=\"1\"/>\n" +
                  "</samlp:AuthnRequest>";

        var request = AuthnRequest.Parse(xml);
        Assert.Equal("id-1", request.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 14, 30, 5, 123, TimeSpan.Zero), request.IssueInstant);
        Assert.Equal("https://sp.example", request.Issuer);
        Assert.Equal("https://sp.example/acs", request.AssertionConsumerServiceUrl);
        Assert.True(request.NameIdPolicy!.AllowCreate);
        Assert.False(request.ForceAuthn);
        Assert.Null(request.ProtocolBinding);
    }

    [Fact]
    public void issuer_is_read_whole_across_a_comment()
    {
        var request = AuthnRequest.Parse(Request(children: "<saml2:Issuer>https://sp.example<!---->.evil.example</saml2:Issuer>"));

        Assert.Equal("https://sp.example.evil.example", request.Issuer);
    }

    [Fact]
    public void subject_conditions_and_scoping_are_allowed()
    {
        var request = AuthnRequest.Parse(Request(children:
            "<saml2:Issuer>https://sp.example</saml2:Issuer><saml2p:Extensions/><saml2:Subject/><saml2p:NameIDPolicy/><saml2:Conditions/><saml2p:Scoping/>"));

        Assert.NotNull(request.NameIdPolicy);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "wrong root", $"<saml2p:Response xmlns:saml2p=\"{P}\" ID=\"_a\" Version=\"2.0\"/>", MessageCodes.UnexpectedRoot },
        { "wrong namespace", $"<AuthnRequest xmlns=\"urn:oasis:names:tc:SAML:1.0:protocol\" ID=\"_a\" Version=\"2.0\"/>", MessageCodes.UnexpectedRoot },
        { "version 1.1", Request("ID=\"_a\" Version=\"1.1\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.UnsupportedVersion },
        { "no version", Request("ID=\"_a\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.UnsupportedVersion },
        { "no ID", Request("Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.MissingId },
        { "empty ID", Request("ID=\"\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.MissingId },
        { "ID not an NCName", Request("ID=\"1abc\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.InvalidId },
        { "ID with a colon", Request("ID=\"a:b\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\""), MessageCodes.InvalidId },
        { "no IssueInstant", Request("ID=\"_a\" Version=\"2.0\""), MessageCodes.MissingAttribute },
        { "local IssueInstant", Request("ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05\""), MessageCodes.InvalidAttribute },
        { "offset IssueInstant", Request("ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05+01:00\""), MessageCodes.InvalidAttribute },
        { "boolean not a boolean", Request("ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\" ForceAuthn=\"yes\""), MessageCodes.InvalidAttribute },
        { "relative ACS URL", Request("ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-26T14:30:05Z\" AssertionConsumerServiceURL=\"navpage.do\""), MessageCodes.InvalidAttribute },
        { "no Issuer", Request(children: "<saml2p:NameIDPolicy/>"), MessageCodes.IssuerMissing },
        { "empty Issuer", Request(children: "<saml2:Issuer></saml2:Issuer>"), MessageCodes.IssuerMissing },
        { "Issuer with an element inside", Request(children: "<saml2:Issuer>https://sp<b>x</b></saml2:Issuer>"), MessageCodes.IdentityFieldStructure },
        { "two Issuers", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2:Issuer>b</saml2:Issuer>"), MessageCodes.DuplicateElement },
        { "Issuer after NameIDPolicy", Request(children: "<saml2p:NameIDPolicy/><saml2:Issuer>a</saml2:Issuer>"), MessageCodes.UnexpectedElement },
        { "unknown element", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:Evil/>"), MessageCodes.UnexpectedElement },
        { "Issuer in protocol namespace", Request(children: "<saml2p:Issuer>a</saml2p:Issuer>"), MessageCodes.UnexpectedElement },
        { "stray text", Request(children: "<saml2:Issuer>a</saml2:Issuer>text"), MessageCodes.UnexpectedElement },
        { "two NameIDPolicies", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:NameIDPolicy/><saml2p:NameIDPolicy/>"), MessageCodes.DuplicateElement },
        { "NameIDPolicy with content", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:NameIDPolicy><x/></saml2p:NameIDPolicy>"), MessageCodes.UnexpectedElement },
        { "bad Comparison", Request(children: $"<saml2:Issuer>a</saml2:Issuer><saml2p:RequestedAuthnContext Comparison=\"Exact\"><saml2:AuthnContextClassRef>x</saml2:AuthnContextClassRef></saml2p:RequestedAuthnContext>"), MessageCodes.InvalidAttribute },
        { "empty RequestedAuthnContext", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:RequestedAuthnContext/>"), MessageCodes.UnexpectedElement },
        { "AuthnContextDeclRef", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:RequestedAuthnContext><saml2:AuthnContextDeclRef>x</saml2:AuthnContextDeclRef></saml2p:RequestedAuthnContext>"), MessageCodes.UnexpectedElement },
        { "class ref with an element", Request(children: "<saml2:Issuer>a</saml2:Issuer><saml2p:RequestedAuthnContext><saml2:AuthnContextClassRef>x<y/></saml2:AuthnContextClassRef></saml2p:RequestedAuthnContext>"), MessageCodes.IdentityFieldStructure },
        { "DOCTYPE", "<!DOCTYPE x [<!ENTITY e \"x\">]>" + Request(), MessageCodes.Doctype },
        { "processing instruction", Request(children: "<?evil x?><saml2:Issuer>a</saml2:Issuer>"), MessageCodes.ProcessingInstruction },
        { "not XML", "<saml2p:AuthnRequest", MessageCodes.Malformed },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void malformed_request_is_refused_with_a_code(string what, string xml, string code)
    {
        var refusal = Refusal(xml);

        Assert.True(code == refusal.Code, $"{what}: expected {code}, got {refusal.Code} ({refusal.Message})");
        Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
    }

    [Fact]
    public void refusal_message_says_what_is_wrong()
    {
        var refusal = Refusal(Request("ID=\"_a\" Version=\"1.1\" IssueInstant=\"2026-11-26T14:30:05Z\""));

        Assert.Contains("1.1", refusal.Message);
        Assert.Contains("2.0", refusal.Message);
    }

    [Fact]
    public void request_with_an_id_that_is_not_an_ncname_cannot_be_written()
    {
        Assert.Throws<ArgumentException>(() => (ServiceNowRequest() with { Id = "1-not-ncname" }).ToXml());
    }
}
