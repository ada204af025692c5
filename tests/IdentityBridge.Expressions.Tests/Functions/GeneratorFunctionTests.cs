using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>Guid, RandomString and DefaultDomain (spec §3.3), against a seeded random source.</summary>
public class GeneratorFunctionTests
{
    [Fact]
    public void guid_is_a_new_version_4_guid_in_lower_case()
    {
        var text = Text("Guid()")!;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", text);
        Assert.NotEqual(text, Text("Guid()", context: Context(seed: 7)));
    }

    [Fact]
    public void guid_has_the_shape_of_microsofts_sample_output()
    {
        // Microsoft's sample, 00aa00aa-bb11-cc22-dd33-44ee44ee44ee, is a placeholder: only its shape can be checked.
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", Text("Guid()")!);
    }

    [Fact]
    public void random_string_has_the_length_and_kinds_asked_for_as_in_microsofts_example()
    {
        // RandomString(6,3,0,0,3): six characters, three numbers and three lower-case letters.
        for (var seed = 0; seed < 20; seed++)
        {
            var text = Text("RandomString(6,3,0,0,3)", context: Context(seed: seed))!;
            Assert.Equal(6, text.Length);
            Assert.Equal(3, text.Count(char.IsAsciiDigit));
            Assert.Equal(3, text.Count(char.IsAsciiLetterLower));
        }
    }

    [Fact]
    public void random_string_meets_every_minimum_and_avoids_characters_as_in_microsofts_example()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var text = Text("RandomString(10,2,2,2,1,\"?,\")", context: Context(seed: seed))!;
            Assert.Equal(10, text.Length);
            Assert.True(text.Count(char.IsAsciiDigit) >= 2, text);
            Assert.True(text.Count(c => !char.IsAsciiLetterOrDigit(c)) >= 2, text);
            Assert.True(text.Count(char.IsAsciiLetterUpper) >= 2, text);
            Assert.True(text.Count(char.IsAsciiLetterLower) >= 1, text);
            Assert.DoesNotContain('?', text);
            Assert.DoesNotContain(',', text);
        }
    }

    [Fact]
    public void random_string_is_at_most_256_characters()
    {
        Assert.Equal(256, Text("RandomString(256,0,0,0,0)")!.Length);
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("RandomString(257,0,0,0,0)"));
    }

    [Fact]
    public void random_string_whose_minimums_exceed_its_length_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("RandomString(3,2,2,0,0)"));

    [Fact]
    public void random_string_that_avoids_every_digit_cannot_have_numbers() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("RandomString(5,1,0,0,0,\"0123456789\")"));

    [Fact]
    public void default_domain_is_the_tenants_default_verified_domain() =>
        Assert.Equal("contoso.com", Text("DefaultDomain()", context: Context(defaultDomain: "contoso.com")));

    [Fact]
    public void default_domain_completes_a_user_principal_name_as_in_microsofts_example() =>
        Assert.Equal("jsmith@contoso.com", Text("Join(\"@\", [mailNickname], DefaultDomain())",
            new() { ["mailNickname"] = "jsmith" }, Context(defaultDomain: "contoso.com")));

    [Fact]
    public void default_domain_without_one_is_an_error() =>
        Assert.Equal(ErrorCodes.NoDefaultDomain, ErrorCode("DefaultDomain()"));
}
