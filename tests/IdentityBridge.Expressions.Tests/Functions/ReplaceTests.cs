using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>Replace's five modes (spec §3.3), with the examples of Microsoft's function reference.</summary>
public class ReplaceTests
{
    [Fact]
    public void old_value_and_replacement_value_replace_a_whole_title_as_in_microsofts_example() =>
        Assert.Equal("Software Engineer", Text("Replace([BusinessTitle],\"Product Developer\", , , \"Software Engineer\", , )",
            new() { ["BusinessTitle"] = "Product Developer" }));

    [Fact]
    public void old_value_and_replacement_value_strip_a_known_domain_as_in_microsofts_example() =>
        Assert.Equal("john.doe", Text("Replace([mail], \"@contoso.com\", , ,\"\", ,)",
            new() { ["mail"] = "john.doe@contoso.com" }));

    [Fact]
    public void literal_replacement_is_case_sensitive_and_replaces_every_occurrence() =>
        Assert.Equal("xAx", Text("Replace(\"aAa\", \"a\", , , \"x\", , )"));

    [Fact]
    public void old_value_and_template_put_the_source_into_the_template_as_in_microsofts_example() =>
        Assert.Equal("jsmith@contoso.com", Text("Replace([UserID],\"<username>\", , , , , \"<username>@contoso.com\")",
            new() { ["UserID"] = "jsmith" }));

    [Fact]
    public void regex_pattern_and_replacement_value_with_a_named_group_as_in_microsofts_example() =>
        Assert.Equal("9998887777", Text("Replace([telephoneNumber], , \"\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})\", , \"${phoneNumber}\", , )",
            new() { ["telephoneNumber"] = "+91 9998887777" }));

    [Fact]
    public void regex_pattern_removes_punctuation_from_a_mobile_number()
    {
        // Microsoft documents the output as "19998887777", but the pattern [()\s-]+ does not match '+', and .NET's
        // Regex.Replace (which Entra uses) keeps it: the output is "+19998887777".
        Assert.Equal("+19998887777", Text("Replace([mobile], , \"[()\\\\s-]+\", , \"\", , )", new() { ["mobile"] = "+1 (999) 888-7777" }));
    }

    [Fact]
    public void regex_pattern_removes_letters_and_underscores_as_in_microsofts_example() =>
        Assert.Equal("72", Text("Replace([mailNickname], , \"[a-zA-Z_]*\", , \"\", , )", new() { ["mailNickname"] = "john_doe72" }));

    [Fact]
    public void regex_pattern_removes_the_letters_of_an_object_ids_utf8_hex_behind_1000()
    {
        // Microsoft's example gives "100064303565343762312333930392343435612626135652636136306362633065346234" for
        // the object id 00aa00aa-bb11-cc22-dd33-44ee44ee44ee, an output no semantics can give: the id's hex begins
        // 3030 ("00"), and that output comes from another id. What the expression gives for that id is checked instead:
        // its UTF-8 hex with the D of every 2D (the hyphens) removed.
        Assert.Equal("100030306161303061612626231312636332322646433332343465653434656534346565",
            Text("Join(\"\", 1000, Replace(ConvertToUTF8Hex([objectId]), , \"[a-zA-Z_]*\", , \"\", , ))",
                new() { ["objectId"] = "00aa00aa-bb11-cc22-dd33-44ee44ee44ee" }));
    }

    [Fact]
    public void regex_group_name_replaces_only_the_group_as_in_microsofts_example() =>
        Assert.Equal("888 Tremont Street", Text("Replace([AddressLineData], ,\"(?<streetNumber>^\\\\d*)\",\"streetNumber\", \"888\", , )",
            new() { ["AddressLineData"] = "545 Tremont Street" }));

    [Fact]
    public void regex_group_name_strips_the_upn_suffix_as_in_microsofts_example() =>
        Assert.Equal("jsmith", Text("Replace([userPrincipalName], , \"(?<Suffix>@(.)*)\", \"Suffix\", \"\", , )",
            new() { ["userPrincipalName"] = "jsmith@contoso.com" }));

    [Fact]
    public void replacement_attribute_supplies_the_value_when_the_source_is_empty_as_in_microsofts_example() =>
        Assert.Equal("8887779999", Text("Replace([telephoneNumber], , \"\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})\", \"phoneNumber\" , , [mobile], )",
            new() { ["telephoneNumber"] = "", ["mobile"] = "+91 8887779999" }));

    [Fact]
    public void replacement_attribute_is_not_used_when_the_source_has_a_value() =>
        Assert.Equal("+1 555", Text("Replace([telephoneNumber], , \"(?<n>\\\\d+)\", \"n\", , [mobile], )",
            new() { ["telephoneNumber"] = "+1 555", ["mobile"] = "+91 8887779999" }));

    [Fact]
    public void regex_replacement_is_case_sensitive() =>
        Assert.Equal("Ab", Text("Replace(\"Aa\", , \"a\", , \"b\", , )"));

    [Fact]
    public void a_missing_source_gives_no_value() =>
        Assert.Null(Text("Replace([missing], \"a\", , , \"b\", , )"));

    [Fact]
    public void an_invalid_regular_expression_is_an_error_result_not_a_crash()
    {
        var result = Evaluate("Replace([x], , \"(unclosed\", , \"\", , )", new() { ["x"] = "value" });
        Assert.Equal(ErrorCodes.InvalidRegularExpression, result.Error!.Code);
        Assert.Equal(15, result.Error.Span.Start);
    }

    [Fact]
    public void a_regular_expression_from_an_attribute_is_compiled_when_evaluated()
    {
        Assert.Equal("x-y", Text("Replace(\"x y\", , [pattern], , \"-\", , )", new() { ["pattern"] = "\\s" }));
        Assert.Equal(ErrorCodes.InvalidRegularExpression, ErrorCode("Replace(\"x y\", , [pattern], , \"-\", , )", new() { ["pattern"] = "[" }));
    }

    [Fact]
    public void a_template_wins_over_a_replacement_value() =>
        Assert.Equal("jsmith@contoso.com", Text("Replace([UserID], \"<u>\", , , \"ignored\", , \"<u>@contoso.com\")", new() { ["UserID"] = "jsmith" }));
}
