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
    public void append_prefixes_a_primary_smtp_address_as_in_microsofts_proxy_addresses_example() =>
        Assert.Equal("SMTP:John.Doe@contoso.com",
            Text("Append(\"SMTP:\", Join(\"@\", Join(\".\", [givenName], [surname]), \"contoso.com\"))",
                new() { ["givenName"] = "John", ["surname"] = "Doe" }));

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
    [InlineData("Len(42568)", "5")]
    [InlineData("Len(42568.75)", "8")]
    public void len_counts_the_characters_of_a_string_or_a_number_as_in_microsofts_examples(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));

    [Theory]
    [InlineData("Smith", "SmithJohn")]
    [InlineData("Parker", "ParkerJ")]
    public void len_chooses_how_to_build_a_ten_character_alias_as_in_microsofts_example(string lastName, string expected)
    {
        // Microsoft's text, blank lines and the space in "Join (" included.
        const string expression = """
            IIF(Len([LastName]) <= 5,  

              Left(Join ("",[LastName],[FirstName]),10),  
              Join("", Mid([LastName],1,9), Mid([FirstName],1,1)) 

            )
            """;
        Assert.Equal(expected, Text(expression, new() { ["FirstName"] = "John", ["LastName"] = lastName }));
    }

    [Theory]
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

    /// <summary>
    /// Microsoft's NormalizeDiacritics table, row by row: the replacement, then every letter of the row, each written
    /// both precomposed (where Unicode has one) and decomposed.
    /// </summary>
    private static readonly (string Replacement, string Letters)[] MicrosoftsDiacriticsTable =
    [
        ("a", "\u00E4 a\u0308 \u00E0 a\u0300 \u00E2 a\u0302 \u00E3 a\u0303 \u00E5 a\u030A \u00E1 a\u0301 \u0105 a\u0328 \u0103 a\u0306 \u0101 a\u0304 \u0101\u0301 a\u0304\u0301 \u0101\u0300 a\u0304\u0300 \u0101\u0302 a\u0304\u0302 \u0101\u0303 a\u0304\u0303 \u01DF a\u0308\u0304 \u0101\u0308 a\u0304\u0308 \u01E1 a\u0307\u0304 a\u0331 \u00E5\u0304 a\u030A\u0304"),
        ("A", "\u00C4 A\u0308 \u00C0 A\u0300 \u00C2 A\u0302 \u00C3 A\u0303 \u00C5 A\u030A \u00C1 A\u0301 \u0104 A\u0328 \u0102 A\u0306 \u0100 A\u0304 \u0100\u0301 A\u0304\u0301 \u0100\u0300 A\u0304\u0300 \u0100\u0302 A\u0304\u0302 \u0100\u0303 A\u0304\u0303 \u01DE A\u0308\u0304 \u0100\u0308 A\u0304\u0308 \u01E0 A\u0307\u0304 A\u0331 \u00C5\u0304 A\u030A\u0304"),
        ("ae", "\u00E6 \u01E3 \u00E6\u0304"),
        ("AE", "\u00C6 \u01E2 \u00C6\u0304"),
        ("c", "\u00E7 c\u0327 \u010D c\u030C \u0107 c\u0301 c\u0304 c\u0331"),
        ("C", "\u00C7 C\u0327 \u010C C\u030C \u0106 C\u0301 C\u0304 C\u0331"),
        ("d", "\u010F d\u030C d\u0304 \u1E0F d\u0331"),
        ("D", "\u010E D\u030C D\u0304 \u1E0E D\u0331"),
        ("e", "\u00EB e\u0308 \u00E8 e\u0300 \u00E9 e\u0301 \u00EA e\u0302 \u0119 e\u0328 \u011B e\u030C \u0117 e\u0307 \u0113 e\u0304 \u1E17 e\u0304\u0301 \u1E15 e\u0304\u0300 \u0113\u0302 e\u0304\u0302 \u0113\u0303 e\u0304\u0303 \u00EA\u0304 e\u0302\u0304 e\u0331 \u00EB\u0304 e\u0308\u0304 e\u030A\u0304"),
        ("E", "\u00CB E\u0308 \u00C8 E\u0300 \u00C9 E\u0301 \u00CA E\u0302 \u0118 E\u0328 \u011A E\u030C \u0116 E\u0307 \u0112 E\u0304 \u1E16 E\u0304\u0301 \u1E14 E\u0304\u0300 \u0112\u0302 E\u0304\u0302 \u0112\u0303 E\u0304\u0303 \u00CA\u0304 E\u0302\u0304 E\u0331 \u00CB\u0304 E\u0308\u0304 E\u030A\u0304"),
        ("g", "\u011F g\u0306 \u1E21 g\u0304 g\u0331"),
        ("G", "\u011E G\u0306 \u1E20 G\u0304 G\u0331"),
        ("i", "\u00EF i\u0308 \u00EE i\u0302 \u00EC i\u0300 \u00ED i\u0301 \u0131 \u012B i\u0304 \u012B\u0301 i\u0304\u0301 \u012B\u0300 i\u0304\u0300 \u012B\u0302 i\u0304\u0302 \u012B\u0303 i\u0304\u0303 i\u0331"),
        ("I", "\u00CF I\u0308 \u00CE I\u0302 \u00CC I\u0300 \u00CD I\u0301 \u0130 I\u0307 \u012A I\u0304 \u012A\u0301 I\u0304\u0301 \u012A\u0300 I\u0304\u0300 \u012A\u0302 I\u0304\u0302 \u012A\u0303 I\u0304\u0303 I\u0331"),
        ("l", "\u013E l\u030C \u0142 l\u0304 \u1E39 l\u0323\u0304 \u1E3B l\u0331"),
        ("L", "\u0141 \u013D L\u030C L\u0304 \u1E38 L\u0323\u0304 \u1E3A L\u0331"),
        ("n", "\u00F1 n\u0303 \u0144 n\u0301 \u0148 n\u030C n\u0304 \u1E49 n\u0331"),
        ("N", "\u00D1 N\u0303 \u0143 N\u0301 \u0147 N\u030C N\u0304 \u1E48 N\u0331"),
        ("o", "\u00F6 o\u0308 \u00F2 o\u0300 \u0151 o\u030B \u00F5 o\u0303 \u00F4 o\u0302 \u00F3 o\u0301 \u014D o\u0304 \u1E53 o\u0304\u0301 \u1E51 o\u0304\u0300 \u014D\u0302 o\u0304\u0302 \u014D\u0303 o\u0304\u0303 \u022B o\u0308\u0304 \u014D\u0308 o\u0304\u0308 \u01ED o\u0328\u0304 \u022D o\u0303\u0304 \u0231 o\u0307\u0304 o\u0331"),
        ("O", "\u00D6 O\u0308 \u00D2 O\u0300 \u0150 O\u030B \u00D5 O\u0303 \u00D4 O\u0302 \u00D3 O\u0301 \u014C O\u0304 \u1E52 O\u0304\u0301 \u1E50 O\u0304\u0300 \u014C\u0302 O\u0304\u0302 \u014C\u0303 O\u0304\u0303 \u022A O\u0308\u0304 \u014C\u0308 O\u0304\u0308 \u01EC O\u0328\u0304 \u022C O\u0303\u0304 \u0230 O\u0307\u0304 O\u0331"),
        ("oe", "\u00F8 \u00F8\u0304 \u0153\u0304"),
        ("OE", "\u00D8 \u00D8\u0304 \u0152\u0304"),
        ("r", "\u0159 r\u030C r\u0304 \u1E5F r\u0331 \u1E5D r\u0323\u0304"),
        ("R", "\u0158 R\u030C R\u0304 \u1E5E R\u0331 \u1E5C R\u0323\u0304"),
        ("ss", "\u00DF"),
        ("s", "\u0161 s\u030C \u015B s\u0301 \u0219 s\u0326 \u015F s\u0327 s\u0304 s\u0331"),
        ("S", "\u0160 S\u030C \u015A S\u0301 \u0218 S\u0326 \u015E S\u0327 S\u0304 S\u0331"),
        ("t", "\u0165 t\u030C \u021B t\u0326 t\u0304 \u1E6F t\u0331"),
        ("T", "\u0164 T\u030C \u021A T\u0326 T\u0304 \u1E6E T\u0331"),
        ("u", "\u00FC u\u0308 \u00F9 u\u0300 \u00FB u\u0302 \u00FA u\u0301 \u016F u\u030A \u0171 u\u030B \u016B u\u0304 \u016B\u0301 u\u0304\u0301 \u016B\u0300 u\u0304\u0300 \u016B\u0302 u\u0304\u0302 \u016B\u0303 u\u0304\u0303 u\u0307\u0304 \u01D6 u\u0308\u0304 \u1E7B u\u0304\u0308 \u1E73\u0304 u\u0324\u0304 u\u0331"),
        ("U", "\u00DC U\u0308 \u00D9 U\u0300 \u00DB U\u0302 \u00DA U\u0301 \u016E U\u030A \u0170 U\u030B \u016A U\u0304 \u016A\u0301 U\u0304\u0301 \u016A\u0300 U\u0304\u0300 \u016A\u0302 U\u0304\u0302 \u016A\u0303 U\u0304\u0303 U\u0307\u0304 \u01D5 U\u0308\u0304 \u1E7A U\u0304\u0308 \u1E72\u0304 U\u0324\u0304 U\u0331"),
        ("y", "\u00FF y\u0308 \u00FD y\u0301 \u0233 y\u0304 \u0233\u0301 y\u0304\u0301 \u0233\u0300 y\u0304\u0300 \u0233\u0303 y\u0304\u0303 y\u0331"),
        ("Y", "\u0178 Y\u0308 \u00DD Y\u0301 \u0232 Y\u0304 \u0232\u0301 Y\u0304\u0301 \u0232\u0300 Y\u0304\u0300 \u0232\u0303 Y\u0304\u0303 Y\u0331"),
        ("z", "\u017A z\u0301 \u017E z\u030C \u017C z\u0307 z\u0304 \u1E95 z\u0331"),
        ("Z", "\u0179 Z\u0301 \u017D Z\u030C \u017B Z\u0307 Z\u0304 \u1E94 Z\u0331"),
    ];

    [Fact]
    public void normalize_diacritics_replaces_every_letter_of_microsofts_table()
    {
        foreach (var (replacement, letters) in MicrosoftsDiacriticsTable)
            foreach (var letter in letters.Split(' '))
                Assert.True(replacement == Text("NormalizeDiacritics([x])", new() { ["x"] = $"<{letter}>" })?[1..^1],
                    $"{string.Join(" ", letter.Select(c => $"U+{(int)c:X4}"))} should become {replacement}");
    }

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
        // đ, þ and œ without a macron are not in Microsoft's table, nor are ǘ, ǚ and ǜ (only ǖ is).
        Assert.Equal("đþœ", Text("NormalizeDiacritics([x])", new() { ["x"] = "đþœ" }));
        Assert.Equal("\u01D8\u01DA\u01DC\u01D7", Text("NormalizeDiacritics([x])", new() { ["x"] = "\u01D8\u01DA\u01DC\u01D7" }));
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
    public void to_lower_lowers_a_upn_built_from_preferred_names_as_in_microsofts_example() =>
        Assert.Equal("john.smith@contoso.com",
            Text("ToLower(Join(\"@\", NormalizeDiacritics(StripSpaces(Join(\".\",  [PreferredFirstName], [PreferredLastName]))), \"contoso.com\"))",
                new() { ["PreferredFirstName"] = "John", ["PreferredLastName"] = "Smith" }));

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
