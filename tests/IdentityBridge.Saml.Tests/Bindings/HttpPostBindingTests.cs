using System.Text;
using System.Text.RegularExpressions;
using IdentityBridge.Saml.Bindings;

namespace IdentityBridge.Saml.Tests.Bindings;

public sealed partial class HttpPostBindingTests
{
    private const string Acs = "https://inst.example.test/navpage.do";
    private const string ResponseXml = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" Version=\"2.0\"/>";

    private static readonly HttpPostBinding Binding = new();

    private static KeyValuePair<string, string> Field(string name, string value) => new(name, value);

    /// <summary>The value of a hidden input of a page this binding wrote, HTML-decoded as a browser would.</summary>
    private static string? InputValue(string page, string name)
    {
        var match = Regex.Match(page, $"<input type=\"hidden\" name=\"{name}\" value=\"([^\"]*)\">");
        return match.Success ? System.Net.WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    [Fact]
    public void page_posts_the_message_and_relay_state_to_the_action()
    {
        var page = Binding.BuildPage(Acs, SamlMessageKind.Response, ResponseXml, "https://inst.example.test/home");

        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains($"<form method=\"post\" action=\"{Acs}\">", page);
        Assert.Equal(ResponseXml, Encoding.UTF8.GetString(Convert.FromBase64String(InputValue(page, "SAMLResponse")!)));
        Assert.Equal("https://inst.example.test/home", InputValue(page, "RelayState"));
        Assert.Null(InputValue(page, "SAMLRequest"));
    }

    [Fact]
    public void page_submits_itself_by_script_and_offers_a_button_and_notice_without_it()
    {
        var page = Binding.BuildPage(Acs, SamlMessageKind.Request, "<x/>");

        Assert.Contains("<script>document.forms[0].submit();</script>", page);
        Assert.Matches("<noscript>.*Continue.*</noscript>", page);
        Assert.Contains("<button type=\"submit\">Continue</button>", page);
        Assert.NotNull(InputValue(page, "SAMLRequest"));
        Assert.Null(InputValue(page, "RelayState"));
    }

    [Fact]
    public void page_encodes_every_value_for_html()
    {
        const string hostile = "\"><script>alert(1)</script><x a='";
        var page = Binding.BuildPage("https://evil.example/\"><script>x()</script>", SamlMessageKind.Response, ResponseXml, hostile, "n\"onload=\"x()");

        Assert.Single(ScriptTag().Matches(page));
        Assert.DoesNotContain("alert(1)</script>", page);
        Assert.DoesNotContain("<x a='", page);
        Assert.Contains("nonce=\"n&quot;onload=&quot;x()\"", page);
        Assert.Equal(hostile, InputValue(page, "RelayState"));
    }

    [Fact]
    public void csp_nonce_is_set_on_the_script_element()
    {
        var page = Binding.BuildPage(Acs, SamlMessageKind.Response, ResponseXml, scriptNonce: "r4nd0m+/=");

        Assert.Contains("<script nonce=\"r4nd0m+/=\">", page);
    }

    [Fact]
    public void posted_form_round_trips()
    {
        var page = Binding.BuildPage(Acs, SamlMessageKind.Response, ResponseXml, "state");

        var result = Binding.Decode([Field("SAMLResponse", InputValue(page, "SAMLResponse")!), Field("RelayState", "state"), Field("other", "x")]);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(SamlMessageKind.Response, result.Value.Kind);
        Assert.Equal(ResponseXml, Encoding.UTF8.GetString(result.Value.Xml));
        Assert.Equal("state", result.Value.RelayState);
    }

    [Fact]
    public void value_wrapped_into_lines_by_the_idp_is_accepted()
    {
        var xml = "<samlp:Response>" + new string('x', 500) + "</samlp:Response>";
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(xml));
        var wrapped = string.Join("\r\n", base64.Chunk(76).Select(c => new string(c))) + "\n \t";

        var result = Binding.DecodeValue(wrapped);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(xml, Encoding.UTF8.GetString(result.Value));
    }

    [Theory]
    [InlineData("PHg+PC94Pg==*")]
    [InlineData("PHg-PC94Pg==")]
    [InlineData("PHg+PC94Pg\u000b==")]
    [InlineData("PHg+PC94Pg\u00a0==")]
    [InlineData("PHg+PC94Pg=")]
    [InlineData("PHg+PC94Ph==")]
    [InlineData("PHg+PC94Pg==PHg+")]
    public void value_with_anything_but_base64_and_line_whitespace_is_refused(string value)
    {
        Assert.Equal(BindingCodes.InvalidBase64, Binding.DecodeValue(value).Code);
    }

    [Fact]
    public void oversize_value_is_refused_before_decoding()
    {
        var binding = new HttpPostBinding(new HttpPostBindingOptions { MaxEncodedLength = 64 });

        Assert.Equal(BindingCodes.TooLarge, binding.DecodeValue(new string('A', 68)).Code);
        Assert.True(binding.DecodeValue(new string('A', 64)).Succeeded);
    }

    [Fact]
    public void default_cap_refuses_a_megabyte()
    {
        Assert.Equal(BindingCodes.TooLarge, Binding.DecodeValue(new string('A', 1024 * 1024)).Code);
    }

    [Theory]
    [InlineData("SAMLResponse")]
    [InlineData("RelayState")]
    public void field_posted_twice_is_refused(string name)
    {
        var fields = new[] { Field("SAMLResponse", "PHgvPg=="), Field("RelayState", "a"), Field(name, "PHgvPg==") };

        Assert.Equal(BindingCodes.DuplicateParameter, Binding.Decode(fields).Code);
    }

    [Fact]
    public void field_in_another_spelling_is_refused()
    {
        Assert.Equal(BindingCodes.MalformedParameters, Binding.Decode([Field("SAMLResponse", "PHgvPg=="), Field("relaystate", "a")]).Code);
    }

    [Fact]
    public void request_and_response_together_are_refused()
    {
        Assert.Equal(BindingCodes.AmbiguousMessage, Binding.Decode([Field("SAMLResponse", "PHgvPg=="), Field("SAMLRequest", "PHgvPg==")]).Code);
    }

    [Fact]
    public void form_without_a_message_is_refused()
    {
        Assert.Equal(BindingCodes.MessageMissing, Binding.Decode([Field("RelayState", "a")]).Code);
        Assert.Equal(BindingCodes.MessageMissing, Binding.Decode([Field("SAMLResponse", "")]).Code);
    }

    [GeneratedRegex("<script")]
    private static partial Regex ScriptTag();
}
