using System.Text;
using System.Xml;
using IdentityBridge.Saml.Tests.Validation.World;
using IdentityBridge.Saml.Validation;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// The message as received, before any SAML rule: size, base64, well-formedness, and anything a DTD or a
/// processing instruction could smuggle in (spec/saml.md 2.2, 2.4 "size cap → strict base64 → XmlReader with
/// DtdProcessing.Prohibit").
/// </summary>
public sealed class MessageParsingTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task doctype_with_an_internal_entity_is_rejected()
    {
        // A DTD can declare entities and IDs that change what a reference points at; SAML never needs one.
        var xml = Doctype("""<!DOCTYPE samlp:Response [<!ENTITY who "admin@contoso.com">]>""", nameIdText: "&who;");

        Verdict.Rejected(await _world.ValidateXmlAsync(xml), Codes.Doctype);
    }

    [Fact]
    public async Task doctype_with_an_external_entity_is_rejected()
    {
        // XXE: the entity would read /etc/passwd into the NameID (or fetch a URL) while parsing.
        var xml = Doctype("""<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>""", nameIdText: "&xxe;");

        var result = await _world.ValidateXmlAsync(xml);

        Verdict.Rejected(result, Codes.Doctype);
        Assert.DoesNotContain(result.Problems, p => p.Message.Contains("root:", StringComparison.Ordinal) || (p.Evidence ?? "").Contains("root:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task billion_laughs_is_rejected()
    {
        // Entity expansion to gigabytes from a kilobyte message.
        var entities = new StringBuilder("""<!ENTITY lol "lol">""");
        entities.Append("""<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">""");
        for (var i = 2; i <= 9; i++)
            entities.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        var xml = Doctype($"<!DOCTYPE samlp:Response [{entities}]>", nameIdText: "&lol9;");

        Verdict.Rejected(await _world.ValidateXmlAsync(xml), Codes.Doctype);
    }

    [Fact]
    public async Task doctype_without_any_declaration_is_rejected()
    {
        var xml = Doctype("<!DOCTYPE samlp:Response>", nameIdText: null);

        Verdict.Rejected(await _world.ValidateXmlAsync(xml), Codes.Doctype);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ruby_saml_parser_differential_payload_is_rejected(bool evilDocumentFirst)
    {
        // ruby-saml CVE-2025-25291 as SAMLRaider builds it: a SYSTEM literal that one parser ends early, so one
        // parser reads the first document and the other the one hidden in CDATA/comments. Debian's ruby-saml
        // 1.13.0 accepted the forged NameID (spec 3.4); the swapped order fooled node-saml and pysaml2 into the
        // legitimate one.
        var original = _world.SignedResponse().OuterXml;
        var forgedDoc = new XmlDocument { PreserveWhitespace = true };
        forgedDoc.LoadXml(original);
        Dom.MakeEvil(Dom.Assertion(forgedDoc));
        var forged = forgedDoc.OuterXml;
        const string endTag = "</samlp:Response>";
        var (first, second) = evilDocumentFirst ? (forged, original) : (original, forged);

        var xml = "<!DOCTYPE response SYSTEM 'x\"><!--'>\n" +
                  first[..first.LastIndexOf(endTag, StringComparison.Ordinal)] +
                  "<![CDATA[-->\n" +
                  second[..second.LastIndexOf(endTag, StringComparison.Ordinal)] +
                  "<!--]]>-->\n" +
                  endTag;

        var result = await _world.ValidateXmlAsync(xml);

        Verdict.Rejected(result, Codes.Doctype);
        Verdict.NeverVouchesFor(result, Entra.EvilUser);
    }

    [Fact]
    public async Task processing_instruction_before_the_root_is_rejected()
    {
        var xml = "<?xml-stylesheet type=\"text/xsl\" href=\"https://evil.example/x.xsl\"?>" + _world.SignedResponse().OuterXml;

        Verdict.Rejected(await _world.ValidateXmlAsync(xml), Codes.ProcessingInstruction);
    }

    [Fact]
    public async Task processing_instruction_inside_the_name_id_is_rejected()
    {
        // Like a comment, a PI splits the text node; SAML messages never carry one.
        var doc = _world.SignedResponse();
        var nameId = Dom.NameId(Dom.Assertion(doc));
        nameId.AppendChild(doc.CreateProcessingInstruction("evil", "x"));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.ProcessingInstruction);
    }

    [Fact]
    public async Task encoded_message_over_the_size_limit_is_rejected()
    {
        // Checked before decoding: the cap is what keeps a huge post from being decoded and parsed at all.
        var encoded = new string('A', ResponseValidator.MaxEncodedLength + 4);

        Verdict.Rejected(await _world.ValidateEncodedAsync(encoded), Codes.TooLarge);
    }

    [Fact]
    public async Task signed_response_padded_past_the_size_limit_is_rejected()
    {
        var doc = _world.Signed(_world.Response().WithClaim(Entra.DisplayNameClaim, new string('x', ResponseValidator.MaxEncodedLength)));

        Verdict.Rejected(await _world.ValidateAsync(doc), Codes.TooLarge);
    }

    [Theory]
    [InlineData("<samlp:Status>")] // in Extensions, before the assertion: only structure checks see it
    [InlineData("</AttributeValue>")] // inside a signed claim: canonicalisation and digesting see it too
    public async Task deeply_nested_elements_within_the_size_limit_do_not_bring_the_service_down(string before)
    {
        // 50,000 nested elements fit in the size cap (7 bytes a level). A recursive walk or canonicaliser over them
        // exhausts the thread's stack, and a StackOverflowException cannot be caught: one unauthenticated POST
        // would end the process.
        const int depth = 50_000;
        var nested = "<a xmlns=\"urn:example:deep\">" + string.Concat(Enumerable.Repeat("<a>", depth)) +
                     string.Concat(Enumerable.Repeat("</a>", depth)) + "</a>";
        if (before == "<samlp:Status>") nested = $"<samlp:Extensions>{nested}</samlp:Extensions>";
        var xml = _world.SignedResponse().OuterXml;
        var at = xml.IndexOf(before, StringComparison.Ordinal);
        var encoded = SamlWorld.Encode(xml[..at] + nested + xml[at..]);
        Assert.True(encoded.Length < ResponseValidator.MaxEncodedLength, "the vector must stay under the size cap to test anything");

        var result = await _world.ValidateEncodedAsync(encoded);

        // Refusing an absurd depth, or accepting harmless Extensions content, are both fine; ending the process is not.
        if (result.IsValid) Assert.Equal(Entra.LegitimateUser, result.Assertion!.NameId);
        else Assert.NotEmpty(result.Problems);
    }

    [Theory]
    [InlineData("%%% not base64 %%%")]
    [InlineData("PHNhbWxwOlJlc3BvbnNl*")]
    [InlineData("PHNhbWxwOlJlc3BvbnNl=")]
    public async Task value_that_is_not_base64_is_rejected(string encoded)
    {
        Verdict.Rejected(await _world.ValidateEncodedAsync(encoded), Codes.InvalidBase64);
    }

    [Theory]
    [InlineData("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">")]
    [InlineData("not xml at all")]
    [InlineData("<a></b>")]
    public async Task value_that_is_not_well_formed_xml_is_rejected(string xml)
    {
        Verdict.Rejected(await _world.ValidateXmlAsync(xml), Codes.Malformed);
    }

    [Fact]
    public async Task empty_value_is_rejected()
    {
        var result = await _world.ValidateEncodedAsync("");

        Verdict.RejectedWithAnyOf(result, Codes.InvalidBase64, Codes.Malformed);
    }

    /// <summary>A validly signed response behind a DOCTYPE, with the NameID text replaced by an entity reference.</summary>
    private string Doctype(string doctype, string? nameIdText)
    {
        var xml = _world.SignedResponse().OuterXml;
        if (nameIdText is not null) xml = xml.Replace($">{Entra.LegitimateUser}</NameID>", $">{nameIdText}</NameID>", StringComparison.Ordinal);
        return doctype + xml;
    }
}
