using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>Functions over multi-valued attributes (spec §3.3).</summary>
public class MultiValueFunctionTests
{
    private static readonly AttributeBag Proxies = new()
    {
        ["proxyAddresses"] = ExpressionValue.FromStrings("SMTP:john@contoso.com", "smtp:jd@contoso.com", "smtp:jd@contoso.com", "SMTP:JD@contoso.com"),
    };

    [Fact]
    public void count_counts_the_values_of_a_multi_valued_attribute()
    {
        Assert.Equal("4", Text("Count([proxyAddresses])", Proxies));
        Assert.Equal("1", Text("Count([mail])", new() { ["mail"] = "a@b.c" }));
        Assert.Equal("0", Text("Count([missing])"));
    }

    [Fact]
    public void item_returns_a_value_by_its_one_based_index_as_in_microsofts_example() =>
        Assert.Equal("SMTP:john@contoso.com", Text("Item([proxyAddresses], 1)", Proxies));

    [Fact]
    public void item_past_the_last_value_gives_no_value() =>
        Assert.Null(Text("Item([proxyAddresses], 9)", Proxies));

    [Fact]
    public void item_zero_is_refused_because_the_index_is_one_based() =>
        Assert.Equal(ErrorCodes.InvalidArgument, ErrorCode("Item([proxyAddresses], 0)", Proxies));

    [Fact]
    public void item_of_a_single_value_is_that_value_at_index_one() =>
        Assert.Equal("a", Text("Item([x], 1)", new() { ["x"] = "a" }));

    [Fact]
    public void join_joins_every_value_of_multi_valued_sources()
    {
        var source = new AttributeBag { ["roles"] = ExpressionValue.FromStrings("a", "b"), ["extra"] = "c" };
        Assert.Equal("a;b;c", Text("Join(\";\", [roles], [extra])", source));
    }

    [Fact]
    public void join_puts_a_comma_between_last_and_first_name_and_leaves_out_the_empty_string_as_in_microsofts_example() =>
        Assert.Equal("Doe, John", Text("Join(\", \", \"\", [surname], [givenName])", new() { ["givenName"] = "John", ["surname"] = "Doe" }));

    [Fact]
    public void join_leaves_out_empty_values_of_a_multi_valued_source() =>
        Assert.Equal("a|b", Text("Join(\"|\", Split(\"a,,b\", \",\"))"));

    [Fact]
    public void join_leaves_out_missing_sources() =>
        Assert.Equal("John", Text("Join(\" \", [givenName], [surname])", new() { ["givenName"] = "John" }));

    [Fact]
    public void join_without_any_value_gives_no_value() =>
        Assert.Null(Text("Join(\" \", [givenName], [surname])"));

    [Fact]
    public void join_with_an_empty_separator_concatenates() =>
        Assert.Equal("JohnDoe", Text("Join(\"\", [givenName], [surname])", new() { ["givenName"] = "John", ["surname"] = "Doe" }));

    [Fact]
    public void remove_duplicates_removes_exact_duplicates_only_as_in_microsofts_example()
    {
        var value = Value("RemoveDuplicates([proxyAddresses])", Proxies);
        Assert.Equal(["SMTP:john@contoso.com", "smtp:jd@contoso.com", "SMTP:JD@contoso.com"], value.Values.Select(v => v.Text));
    }

    [Fact]
    public void split_turns_a_string_into_a_multi_valued_attribute_as_in_microsofts_example()
    {
        var value = Value("Split([extensionAttribute5], \",\")", new() { ["extensionAttribute5"] = "PermissionSetOne, PermissionSetTwo" });
        Assert.Equal(ValueKind.MultiValued, value.Kind);
        Assert.Equal(["PermissionSetOne", "PermissionSetTwo"], value.Values.Select(v => v.Text));
    }

    [Fact]
    public void split_of_a_join_gives_alias_and_primary_proxy_addresses_as_in_microsofts_example()
    {
        const string expression = """
            Split(
                Join(",",
                    Append("smtp:", Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.onmicrosoft.com")),
                    Append("SMTP:", Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))
                ),
                ","
            )
            """;
        var value = Value(expression, new() { ["givenName"] = "John", ["surname"] = "Doe" });
        Assert.Equal(["smtp:John.Doe@contoso.onmicrosoft.com", "SMTP:John.Doe@contoso.com"], value.Values.Select(v => v.Text));
    }

    [Fact]
    public void split_keeps_the_space_after_a_delimiter_until_the_result_is_trimmed()
    {
        // Inside an expression a part keeps its leading space, as .NET's String.Split leaves it; only the result that
        // flows is trimmed, as Microsoft's Split example shows.
        Assert.Equal("2", Text("Len(Item(Split(\"a, b\", \",\"), 2))"));
    }

    [Fact]
    public void split_keeps_empty_parts_as_dotnet_does() =>
        Assert.Equal(3, Value("Split(\"a,,b\", \",\")").Values.Count);

    [Fact]
    public void split_then_join_round_trips() =>
        Assert.Equal("a|b|c", Text("Join(\"|\", Split(\"a,b,c\", \",\"))"));

    [Fact]
    public void a_multi_valued_value_where_one_value_is_needed_is_an_error_naming_the_function()
    {
        var result = Evaluate("ToUpper([proxyAddresses])", Proxies);
        Assert.Equal(ErrorCodes.MultiValuedNotAllowed, result.Error!.Code);
        Assert.Contains("ToUpper", result.Error.Message);
    }
}
