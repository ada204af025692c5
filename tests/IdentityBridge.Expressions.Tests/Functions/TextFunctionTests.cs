using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>The string functions of spec §3.3, with the examples of Microsoft's function reference.</summary>
public class TextFunctionTests
{
    [Fact]
    public void append_adds_the_suffix_as_in_microsofts_example() =>
        Assert.Equal("John.Doe@contoso.com.test",
            Text("Append([userPrincipalName], \".test\")", new() { ["userPrincipalName"] = "John.Doe@contoso.com" }));

    [Fact]
    public void append_to_a_missing_source_gives_no_value() =>
        Assert.Null(Text("Append([userPrincipalName], \".test\")"));

    [Fact]
    public void append_of_a_missing_suffix_keeps_the_source() =>
        Assert.Equal("john", Text("Append([a], [b])", new() { ["a"] = "john" }));

    [Fact]
    public void convert_to_base64_encodes_utf16_as_in_microsofts_example() =>
        Assert.Equal("SABlAGwAbABvACAAdwBvAHIAbABkACEA", Text("ConvertToBase64(\"Hello world!\")"));

    [Fact]
    public void convert_to_utf8_hex_gives_upper_case_hex_as_in_microsofts_example() =>
        Assert.Equal("48656C6C6F20776F726C6421", Text("ConvertToUTF8Hex(\"Hello world!\")"));

    [Fact]
    public void convert_to_utf8_hex_encodes_non_ascii_as_several_bytes() =>
        Assert.Equal("C3A9", Text("ConvertToUTF8Hex(\"é\")"));

    [Fact]
    public void cstr_keeps_a_string_as_in_microsofts_example() =>
        Assert.Equal("cn=Joe,dc=contoso,dc=com", Text("CStr([dn])", new() { ["dn"] = "cn=Joe,dc=contoso,dc=com" }));

    [Fact]
    public void cstr_turns_numbers_booleans_and_references_into_strings()
    {
        var source = new AttributeBag
        {
            ["n"] = ExpressionValue.FromNumber(42),
            ["b"] = ExpressionValue.True,
            ["manager"] = ExpressionValue.FromReference("9f3c"),
        };
        Assert.Equal(ValueKind.String, Value("CStr([n])", source).Kind);
        Assert.Equal("42", Text("CStr([n])", source));
        Assert.Equal("True", Text("CStr([b])", source));
        Assert.Equal("9f3c", Text("CStr([manager])", source));
    }

    [Fact]
    public void cstr_of_a_multi_valued_attribute_is_an_error() =>
        Assert.Equal(ErrorCodes.MultiValuedNotAllowed, ErrorCode("CStr([p])", new() { ["p"] = ExpressionValue.FromStrings("a", "b") }));

    [Fact]
    public void instr_finds_a_word_as_in_microsofts_example() =>
        Assert.Equal("5", Text("InStr(\"The quick brown fox\", \"quick\")"));

    [Fact]
    public void instr_from_a_start_with_binary_compare_as_in_microsofts_example() =>
        Assert.Equal("7", Text("InStr(\"repEated\", \"e\", 3, vbBinaryCompare)"));

    [Fact]
    public void instr_with_text_compare_ignores_case() =>
        Assert.Equal("4", Text("InStr(\"repEated\", \"e\", 3, vbTextCompare)"));

    [Fact]
    public void instr_gives_zero_when_absent_or_past_the_end()
    {
        Assert.Equal("0", Text("InStr(\"abc\", \"z\")"));
        Assert.Equal("0", Text("InStr(\"abc\", \"a\", 9)"));
    }

    [Fact]
    public void instr_refuses_a_start_below_one_and_an_unknown_compare_type()
    {
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("InStr(\"abc\", \"a\", 0)"));
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("InStr(\"abc\", \"a\", 1, vbDatabaseCompare)"));
    }

    [Fact]
    public void left_takes_characters_from_the_left_as_in_microsofts_example() =>
        Assert.Equal("Joh", Text("Left(\"John Doe\", 3)"));

    [Theory]
    [InlineData("Left(\"John Doe\", 0)", "")]
    [InlineData("Left(\"John Doe\", -1)", "John Doe")]
    [InlineData("Left(\"John Doe\", 50)", "John Doe")]
    [InlineData("Left([missing], 3)", "")]
    [InlineData("Left(\"John Doe\", \"2\")", "Jo")]
    public void left_follows_the_documented_edge_cases(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));

    [Theory]
    [InlineData("Len(\"John Doe\")", "8")]
    [InlineData("Len([missing])", "0")]
    [InlineData("Len(\"\")", "0")]
    [InlineData("Len(12345)", "5")]
    public void len_counts_characters_of_strings_and_numbers(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));

    [Theory]
    [InlineData("Mid(\"John Doe\", 1, 3)", "Joh")]
    [InlineData("Mid(\"John Doe\", 6, 3)", "Doe")]
    [InlineData("Mid(\"John Doe\", 6, 100)", "Doe")]
    [InlineData("Mid(\"John Doe\", 20, 2)", "")]
    [InlineData("Mid(\"John Doe\", 1, 0)", "")]
    public void mid_takes_a_one_based_substring_clipped_at_the_end(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));

    [Fact]
    public void mid_refuses_a_start_below_one_and_a_negative_length()
    {
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("Mid(\"John\", 0, 2)"));
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("Mid(\"John\", 1, -2)"));
    }

    [Fact]
    public void mid_builds_an_alias_from_first_and_last_names_as_in_microsofts_example() =>
        Assert.Equal("JohDoe", Text("Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))",
            new() { ["givenName"] = "John", ["surname"] = "Doe" }));

    [Fact]
    public void normalize_diacritics_as_in_microsofts_example() =>
        Assert.Equal("Zoe", Text("NormalizeDiacritics([givenName])", new() { ["givenName"] = "Zoë" }));

    [Theory]
    [InlineData("Zoë", "Zoe")]
    [InlineData("Ærøskøbing", "AEroeskoebing")]
    [InlineData("Straße", "Strasse")]
    [InlineData("Łódź", "Lodz")]
    [InlineData("Şişli İzmir ığdır", "Sisli Izmir igdir")]
    [InlineData("Dvořák Škoda", "Dvorak Skoda")]
    [InlineData("plain ascii", "plain ascii")]
    public void normalize_diacritics_follows_the_documented_table(string input, string expected) =>
        Assert.Equal(expected, Text("NormalizeDiacritics([x])", new() { ["x"] = input }));

    [Fact]
    public void normalize_diacritics_reads_decomposed_letters_and_letters_with_two_marks()
    {
        Assert.Equal("Zoe", Text("NormalizeDiacritics([x])", new() { ["x"] = "Zoe\u0308" }));
        Assert.Equal("a", Text("NormalizeDiacritics([x])", new() { ["x"] = "\u0101\u0301" }));
        Assert.Equal("a", Text("NormalizeDiacritics([x])", new() { ["x"] = "a\u0304\u0301" }));
    }

    [Fact]
    public void normalize_diacritics_leaves_letters_the_table_does_not_list()
    {
        // đ, þ and œ without a macron are not in Microsoft's table.
        Assert.Equal("đþœ", Text("NormalizeDiacritics([x])", new() { ["x"] = "đþœ" }));
    }

    [Fact]
    public void pcase_without_separators_uses_title_case_as_in_microsofts_example() =>
        Assert.Equal("Pablo Gonsalves (Second)", Text("PCase([firstName])", new() { ["firstName"] = "PABLO GONSALVES (SECOND)" }));

    [Fact]
    public void pcase_with_separators_starts_words_only_after_them_as_in_microsofts_example() =>
        Assert.Equal("Pinto-De'Silva", Text("PCase([lastName], \" '-\")", new() { ["lastName"] = "PINTO-DE'SILVA" }));

    [Fact]
    public void pcase_of_a_join_as_in_microsofts_example() =>
        Assert.Equal("Gregory James", Text("PCase(Join(\" \", [firstName], [lastName]))",
            new() { ["firstName"] = "GREGORY", ["lastName"] = "JAMES" }));

    [Fact]
    public void pcase_default_separators_include_punctuation_but_custom_ones_replace_them()
    {
        Assert.Equal("Jean-Luc", Text("PCase(\"jean-luc\")"));
        Assert.Equal("Jean-luc", Text("PCase(\"jean-luc\", \" \")"));
    }

    [Fact]
    public void strip_spaces_removes_every_space_character_only()
    {
        Assert.Equal("HelloWorld", Text("StripSpaces(\"  Hello World  \")"));
        Assert.Equal("a\tb", Text("StripSpaces(\"a \tb\")"));
    }

    [Fact]
    public void to_lower_uses_the_invariant_culture_by_default() =>
        Assert.Equal("john.doe@contoso.com", Text("ToLower([userPrincipalName])", new() { ["userPrincipalName"] = "John.Doe@Contoso.COM" }));

    [Fact]
    public void to_lower_lowers_a_generated_upn() =>
        Assert.Equal("natasha@contoso.com",
            Text("ToLower(Join(\"@\", NormalizeDiacritics(StripSpaces([preferredFirstName])), \"contoso.com\"))",
                new() { ["preferredFirstName"] = "Natasha" }));

    [Fact]
    public void to_upper_uses_the_invariant_culture_by_default() =>
        Assert.Equal("JOHN", Text("ToUpper(\"john\")"));

    [Fact]
    public void turkish_culture_maps_dotted_and_dotless_i()
    {
        Assert.Equal("İSTANBUL", Text("ToUpper(\"istanbul\", \"tr-TR\")"));
        Assert.Equal("ısparta", Text("ToLower(\"ISPARTA\", \"tr-TR\")"));
        Assert.Equal("ISTANBUL", Text("ToUpper(\"istanbul\", \"en-US\")"));
    }

    [Fact]
    public void a_culture_name_that_is_not_one_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("ToUpper(\"x\", \"not a culture\")"));

    [Fact]
    public void word_picks_the_nth_word_as_in_microsofts_examples()
    {
        Assert.Equal("brown", Text("Word(\"The quick brown fox\", 3, \" \")"));
        Assert.Equal("has", Text("Word(\"This,string!has&many separators\", 3, \",!&#\")"));
    }

    [Theory]
    [InlineData("Word(\"a b\", 0, \" \")", "")]
    [InlineData("Word(\"a b\", 3, \" \")", "")]
    [InlineData("Word([missing], 1, \" \")", "")]
    [InlineData("Word(\"a  b\", 2, \" \")", "b")]
    public void word_gives_an_empty_string_outside_the_words(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));
}
