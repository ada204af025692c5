using IdentityBridge.Saml.Tests.Validation.World;
using IdentityBridge.Saml.Validation;
using Codes = IdentityBridge.Saml.Validation.ValidationCodes;

namespace IdentityBridge.Saml.Tests.Validation;

/// <summary>
/// Comment truncation (Duo 2018: CVE-2017-11427/11428/11429/11430, CVE-2018-0489, CVE-2018-7340). Exclusive c14n
/// drops comments, so a comment inserted into a signed NameID leaves the digest unchanged; an SP that reads the first
/// text node sees a shorter, different identity. Either the comment is refused or the full text is read.
/// </summary>
public sealed class IdentityFieldTests(SamlKeys keys) : IClassFixture<SamlKeys>
{
    private const string Registered = "admin@x.com.evil.com";
    private const string Truncated = "admin@x.com";

    private readonly SamlWorld _world = new(keys);

    [Fact]
    public async Task comment_injected_in_name_id_never_yields_the_truncated_identity()
    {
        // The attacker owns admin@x.com.evil.com, gets it signed, then splits the text with <!----> after admin@x.com.
        var doc = _world.Signed(_world.Response().WithNameId(Registered));
        var nameId = Dom.NameId(Dom.Assertion(doc));
        var tail = ((System.Xml.XmlText)nameId.FirstChild!).SplitText(Truncated.Length);
        nameId.InsertBefore(doc.CreateComment(""), tail);

        var result = await _world.ValidateAsync(doc);

        AssertFullValueOrRefused(result, result.Assertion?.NameId);
        Verdict.NeverVouchesFor(result, Truncated);
    }

    [Fact]
    public async Task comment_injected_in_an_attribute_value_never_yields_the_truncated_value()
    {
        // ServiceNow can match users on the e-mail claim instead of NameID, so claims get the same rule.
        var doc = _world.Signed(_world.Response().WithClaim(Entra.EmailClaim, Registered));
        var value = Dom.Select(Dom.Assertion(doc), $"a:AttributeStatement/a:Attribute[@Name='{Entra.EmailClaim}']/a:AttributeValue");
        var tail = ((System.Xml.XmlText)value.FirstChild!).SplitText(Truncated.Length);
        value.InsertBefore(doc.CreateComment(""), tail);

        var result = await _world.ValidateAsync(doc);

        var email = result.Assertion?.Attributes.GetValueOrDefault(Entra.EmailClaim)?.Single();
        AssertFullValueOrRefused(result, email);
        Assert.NotEqual(Truncated, email);
    }

    private static void AssertFullValueOrRefused(ValidationResult result, string? value)
    {
        if (result.IsValid)
            Assert.Equal(Registered, value);
        else
            Verdict.Rejected(result, Codes.IdentityFieldStructure);
    }
}
