using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Tests.Parsing;

/// <summary>The syntax of spec §3.2 and the errors that name the problem and its position.</summary>
public class ParserTests
{
    private static ExpressionSyntax Parse(string text)
    {
        var result = ExpressionParser.Parse(text);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Syntax!;
    }

    private static ExpressionError Error(string text)
    {
        var result = ExpressionParser.Parse(text);
        Assert.False(result.Succeeded, $"{text} should not parse");
        return result.Errors[0];
    }

    [Fact]
    public void a_call_holds_every_kind_of_argument()
    {
        var syntax = Parse("InStr([extension_0a1b_costCenter], \"a\\\"b\", 12, vbTextCompare)");
        var call = Assert.IsType<FunctionCallSyntax>(syntax);
        Assert.Equal("InStr", call.Name);
        Assert.Equal(new AttributeSyntax("extension_0a1b_costCenter"), call.Arguments[0]);
        Assert.Equal(new StringSyntax("a\"b"), call.Arguments[1]);
        Assert.Equal(new NumberSyntax(12, false), call.Arguments[2]);
        Assert.Equal(new WordSyntax("vbTextCompare"), call.Arguments[3]);
    }

    [Theory]
    [InlineData("[manager]", "manager")]
    [InlineData("[appRoleAssignments]", "appRoleAssignments")]
    [InlineData("[IsSoftDeleted]", "IsSoftDeleted")]
    [InlineData("[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager]", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")]
    public void any_attribute_name_graph_can_carry_is_a_reference(string text, string name) =>
        Assert.Equal(new AttributeSyntax(name), Parse(text));

    [Fact]
    public void string_constants_escape_quotes_and_backslashes() =>
        Assert.Equal(new StringSyntax("Company name: \"Contoso\" \\ done"), Parse("\"Company name: \\\"Contoso\\\" \\\\ done\""));

    [Fact]
    public void other_backslashes_stay_in_the_string_for_regular_expressions() =>
        Assert.Equal(new StringSyntax("\\d+\\s"), Parse("\"\\d+\\s\""));

    [Fact]
    public void hexadecimal_constants_are_numbers() =>
        Assert.Equal(new NumberSyntax(0xF7, true), Parse("&HF7"));

    [Fact]
    public void negative_numbers_are_constants() =>
        Assert.Equal(new NumberSyntax(-10, false), Parse("-10"));

    [Fact]
    public void empty_arguments_are_omitted_parameters()
    {
        var call = Assert.IsType<FunctionCallSyntax>(Parse("Replace([x], , \"a\", , \"\", , )"));
        Assert.Equal(7, call.Arguments.Count);
        Assert.IsType<OmittedSyntax>(call.Arguments[1]);
        Assert.IsType<OmittedSyntax>(call.Arguments[6]);
    }

    [Fact]
    public void a_call_without_arguments_has_none() =>
        Assert.Empty(Assert.IsType<FunctionCallSyntax>(Parse("Guid( )")).Arguments);

    [Fact]
    public void white_space_between_tokens_is_ignored() =>
        Assert.Equal(Parse("Append([a],\"b\")"), Parse("  Append ( [a] ,\n\t\"b\" )  "));

    [Fact]
    public void nesting_has_no_limit_within_the_length()
    {
        const int depth = 1_500;
        var text = string.Concat(Enumerable.Repeat("Not(", depth)) + "\"True\"" + new string(')', depth);
        var compiled = MappingExpression.Compile(text);
        Assert.True(compiled.Succeeded, string.Join("; ", compiled.Errors));
        Assert.Equal("True", compiled.Expression!.Evaluate(new AttributeBag()).Value.Text);
    }

    [Fact]
    public void an_expression_of_ten_thousand_characters_is_accepted_and_one_more_is_refused()
    {
        var longest = "\"" + new string('x', ExpressionParser.MaximumLength - 2) + "\"";
        Assert.True(ExpressionParser.Parse(longest).Succeeded);
        var error = Error(longest + " ");
        Assert.Equal(ErrorCodes.ExpressionTooLong, error.Code);
        Assert.Equal(ExpressionParser.MaximumLength, error.Span.Start);
    }

    [Fact]
    public void function_names_are_case_sensitive_and_the_error_suggests_the_right_one()
    {
        var error = Error("iif([a] = \"b\", 1, 2)");
        Assert.Equal(ErrorCodes.UnknownFunction, error.Code);
        Assert.Contains("Did you mean IIF?", error.Message);
        Assert.Equal(new TextSpan(0, 3), error.Span);
    }

    [Fact]
    public void an_unknown_function_is_named_with_its_position()
    {
        var error = Error("Append([a], Frobnicate([b]))");
        Assert.Equal(ErrorCodes.UnknownFunction, error.Code);
        Assert.Contains("Frobnicate", error.Message);
        Assert.Equal(12, error.Span.Start);
    }

    [Fact]
    public void a_wrong_number_of_arguments_names_the_parameters()
    {
        var error = Error("Left(\"abc\")");
        Assert.Equal(ErrorCodes.WrongArgumentCount, error.Code);
        Assert.Contains("Left(string, numChars) takes 2 arguments; this call has 1", error.Message);
    }

    [Fact]
    public void switch_needs_its_keys_and_values_in_pairs() =>
        Assert.Equal(ErrorCodes.WrongArgumentCount, Error("Switch([a], \"d\", \"k\")").Code);

    [Fact]
    public void a_required_argument_cannot_be_left_empty()
    {
        var error = Error("Append(, \"x\")");
        Assert.Equal(ErrorCodes.MissingArgument, error.Code);
        Assert.Equal(7, error.Span.Start);
    }

    [Fact]
    public void an_unterminated_string_points_at_its_opening_quote()
    {
        var error = Error("Append([a], \"abc)");
        Assert.Equal(ErrorCodes.UnterminatedString, error.Code);
        Assert.Equal(new TextSpan(12, 1), error.Span);
    }

    [Fact]
    public void a_missing_parenthesis_points_at_the_end()
    {
        var error = Error("Append([a], \"b\"");
        Assert.Equal(ErrorCodes.MissingParenthesis, error.Code);
        Assert.Equal(15, error.Span.Start);
        Assert.Contains("Append", error.Message);
    }

    [Fact]
    public void a_closing_parenthesis_too_many_is_named() =>
        Assert.Equal(ErrorCodes.UnexpectedCharacter, Error("Append([a], \"b\"))").Code);

    [Fact]
    public void an_unterminated_attribute_and_an_empty_one_are_errors()
    {
        Assert.Equal(ErrorCodes.UnterminatedAttribute, Error("Append([a, \"b\")").Code);
        Assert.Equal(ErrorCodes.EmptyAttributeName, Error("Append([ ], \"b\")").Code);
    }

    [Fact]
    public void an_empty_expression_is_an_error() =>
        Assert.Equal(ErrorCodes.EmptyExpression, Error("   ").Code);

    [Fact]
    public void a_missing_comma_is_named_with_the_argument() =>
        Assert.Contains("after argument 1 of Append", Error("Append([a] \"b\")").Message);

    [Theory]
    [InlineData("=")]
    [InlineData("<>")]
    [InlineData(">")]
    [InlineData(">=")]
    [InlineData("<")]
    [InlineData("<=")]
    public void every_comparison_operator_parses_in_an_iif_condition(string op)
    {
        var call = Assert.IsType<FunctionCallSyntax>(Parse($"IIF([a] {op} \"b\", 1, 2)"));
        var comparison = Assert.IsType<ComparisonSyntax>(call.Arguments[0]);
        Assert.Equal(op, ExpressionPrinter.Symbol(comparison.Operator));
    }

    [Fact]
    public void comparisons_are_allowed_in_cbool() =>
        Assert.IsType<ComparisonSyntax>(Assert.IsType<FunctionCallSyntax>(Parse("CBool([a]=[b])")).Arguments[0]);

    [Theory]
    [InlineData("[a] = [b]")]
    [InlineData("Append([a] = [b], \"x\")")]
    [InlineData("IIF(\"True\", [a] = [b], 2)")]
    public void comparisons_elsewhere_are_refused(string text) =>
        Assert.Equal(ErrorCodes.ComparisonNotAllowed, Error(text).Code);

    [Fact]
    public void a_condition_compares_once_since_there_is_no_and_or_or() =>
        Assert.Contains("no AND or OR", Error("IIF([a] = [b] = [c], 1, 2)").Message);

    [Fact]
    public void select_unique_value_must_be_the_whole_expression() =>
        Assert.Equal(ErrorCodes.NestedSelectUniqueValue, Error("ToLower(SelectUniqueValue([a], [b]))").Code);

    [Fact]
    public void replace_without_a_usable_mode_is_refused() =>
        Assert.Equal(ErrorCodes.InvalidArgumentCombination, Error("Replace([a], \"x\", , , , , )").Code);

    [Fact]
    public void a_function_name_without_parentheses_is_refused() =>
        Assert.Equal(ErrorCodes.FunctionWithoutParentheses, Error("Append([a], Now)").Code);

    [Fact]
    public void decimal_numbers_are_constants_that_stand_for_their_text()
    {
        // Microsoft's Len(42568.75) needs them.
        Assert.Equal(new WordSyntax("42568.75"), Parse("42568.75"));
        Assert.Equal(new WordSyntax("-1.5"), Parse("-1.5"));
        Assert.Equal("Len(42568.75)", Parse("Len(42568.75)").ToString());
        Assert.Contains("digits after", Error("Left([a], 1.)").Message);
    }

    [Fact]
    public void a_decimal_number_where_a_whole_number_is_needed_is_an_evaluation_error() =>
        Assert.Equal(ErrorCodes.InvalidNumber, MappingExpression.CompileValid("Left(\"abc\", 1.5)").Evaluate(new AttributeBag()).Error!.Code);

    [Fact]
    public void parameters_that_microsofts_reference_requires_cannot_be_left_out()
    {
        Assert.Equal(ErrorCodes.MissingArgument, Error("Join(, [a], [b])").Code);
        Assert.Equal(ErrorCodes.WrongArgumentCount, Error("RandomString(6)").Code);
        Assert.Equal(ErrorCodes.WrongArgumentCount, Error("RandomString(6,3,0,0)").Code);
        Assert.Equal(ErrorCodes.MissingArgument, Error("RandomString(6,3,,0,3)").Code);
        Assert.Equal(ErrorCodes.WrongArgumentCount, Error("Switch([a], \"d\")").Code);
        Assert.Equal(ErrorCodes.MissingArgument, Error("Switch([a], \"d\", \"k\", )").Code);
    }

    [Fact]
    public void numbers_beyond_64_bits_are_refused() =>
        Assert.Equal(ErrorCodes.NumberOutOfRange, Error("Left([a], 99999999999999999999)").Code);

    [Fact]
    public void every_semantic_problem_is_reported_at_once()
    {
        var result = ExpressionParser.Parse("Join(\",\", Frob([a]), Left([b]), Mid([c], 1, 2, 3))");
        Assert.Equal([ErrorCodes.UnknownFunction, ErrorCodes.WrongArgumentCount, ErrorCodes.WrongArgumentCount], result.Errors.Select(e => e.Code));
    }

    [Theory]
    [InlineData("Switch([IsSoftDeleted],,\"False\",\"1\",\"True\",\"0\")", "Switch([IsSoftDeleted], , \"False\", \"1\", \"True\", \"0\")")]
    [InlineData("Replace([x],,\"a\",,\"\",,)", "Replace([x], , \"a\", , \"\", , )")]
    [InlineData("IIF([a]=\"b\",&hff,-3)", "IIF([a] = \"b\", &HFF, -3)")]
    [InlineData("Append([a],\"say \\\"hi\\\" \\\\o/\")", "Append([a], \"say \\\"hi\\\" \\\\o/\")")]
    public void printing_gives_the_canonical_text(string text, string canonical) =>
        Assert.Equal(canonical, Parse(text).ToString());

    [Fact]
    public void a_compiled_expression_lists_the_attributes_it_reads()
    {
        var expression = MappingExpression.CompileValid("IIF([a] = [b], Join(\",\", [c], [A]), [d])");
        Assert.Equal(["a", "b", "c", "d"], expression.Attributes);
    }
}
