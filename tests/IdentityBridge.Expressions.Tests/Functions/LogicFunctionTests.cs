using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>Conditions, tests and flow functions of spec §3.3.</summary>
public class LogicFunctionTests
{
    [Fact]
    public void bit_and_of_hexadecimal_constants_as_in_microsofts_example() =>
        Assert.Equal("7", Text("BitAnd(&HF, &HF7)"));

    [Fact]
    public void bit_and_reads_numbers_from_attributes() =>
        Assert.Equal("2", Text("BitAnd([userAccountControl], 2)", new() { ["userAccountControl"] = "514" }));

    [Fact]
    public void cbool_of_a_comparison_is_true_when_both_attributes_match_as_in_microsofts_example()
    {
        var same = new AttributeBag { ["attribute1"] = "x", ["attribute2"] = "x" };
        var different = new AttributeBag { ["attribute1"] = "x", ["attribute2"] = "y" };
        Assert.Equal("True", Text("CBool([attribute1] = [attribute2])", same));
        Assert.Equal("False", Text("CBool([attribute1] = [attribute2])", different));
    }

    [Theory]
    [InlineData("CBool(1)", "True")]
    [InlineData("CBool(0)", "False")]
    [InlineData("CBool(-5)", "True")]
    [InlineData("CBool(\"True\")", "True")]
    [InlineData("CBool(\"false\")", "False")]
    [InlineData("CBool(\"0\")", "False")]
    public void cbool_is_true_for_true_and_non_zero_numbers(string expression, string expected) =>
        Assert.Equal(expected, Text(expression));

    [Fact]
    public void cbool_of_a_word_that_is_no_boolean_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidBoolean, ErrorCode("CBool(\"maybe\")"));

    [Fact]
    public void coalesce_flows_user_principal_name_when_mail_is_null_as_in_microsofts_example() =>
        Assert.Equal("John.Doe@contoso.com", Text("Coalesce([mail], [userPrincipalName])", new() { ["userPrincipalName"] = "John.Doe@contoso.com" }));

    [Fact]
    public void coalesce_gives_the_first_source_with_a_value() =>
        Assert.Equal("b", Text("Coalesce([x], [y], [z], \"default\")", new() { ["y"] = "b", ["z"] = "c" }));

    [Fact]
    public void coalesce_gives_the_default_value_when_no_source_has_one() =>
        Assert.Equal("default", Text("Coalesce([x], [y], \"default\")"));

    [Fact]
    public void coalesce_gives_null_when_nothing_has_a_value() =>
        Assert.Null(Text("Coalesce([x], [y])"));

    [Fact]
    public void coalesce_skips_empty_strings_but_not_a_single_space()
    {
        // Spec §3.2: an attribute holding a single space is not empty for Coalesce.
        Assert.Equal("b", Text("Coalesce([x], [y])", new() { ["x"] = "", ["y"] = "b" }));
        Assert.Equal("1", Text("Len(Coalesce([x], [y]))", new() { ["x"] = " ", ["y"] = "b" }));
    }

    [Fact]
    public void ignore_flow_if_null_or_empty_drops_a_null_or_empty_department_as_in_microsofts_example()
    {
        var empty = Evaluate("IgnoreFlowIfNullOrEmpty([department])", new() { ["department"] = "" });
        Assert.True(empty.FlowIgnored);
        Assert.False(empty.HasValue);
        var missing = Evaluate("IgnoreFlowIfNullOrEmpty([department])");
        Assert.True(missing.FlowIgnored);
    }

    [Fact]
    public void ignore_flow_if_null_or_empty_passes_a_value_through()
    {
        var result = Evaluate("IgnoreFlowIfNullOrEmpty([department])", new() { ["department"] = "Sales" });
        Assert.False(result.FlowIgnored);
        Assert.Equal("Sales", result.Value.Text);
    }

    [Theory]
    [InlineData("3444", "Prof.")]
    [InlineData("3445", "Prof. Dr.")]
    [InlineData("9999", null)]
    [InlineData(null, null)]
    public void ignore_flow_if_null_or_empty_drops_a_title_that_switch_leaves_empty_as_in_microsofts_example(string? prefix, string? expected)
    {
        const string expression = "IgnoreFlowIfNullOrEmpty(Switch([prefix], \"\", \"3443\", \"Dr.\", \"3444\", \"Prof.\", \"3445\", \"Prof. Dr.\"))";
        var result = Evaluate(expression, prefix is null ? [] : new() { ["prefix"] = prefix });
        Assert.Equal(expected is null, result.FlowIgnored);
        Assert.Equal(expected, result.Value.Text);
    }

    [Fact]
    public void ignore_flow_if_null_or_empty_may_wrap_a_whole_iif_as_in_microsofts_example()
    {
        const string expression = "IgnoreFlowIfNullOrEmpty(IIF([country]=\"USA\",[region],\"\"))";
        Assert.Equal("West", Text(expression, new() { ["country"] = "USA", ["region"] = "West" }));
        Assert.True(Evaluate(expression, new() { ["country"] = "Canada", ["region"] = "West" }).FlowIgnored);
    }

    [Fact]
    public void ignore_flow_if_null_or_empty_inside_another_function_still_drops_the_attribute() =>
        Assert.True(Evaluate("ToUpper(IgnoreFlowIfNullOrEmpty([department]))").FlowIgnored);

    [Fact]
    public void iif_flows_country_or_department_as_in_microsofts_example()
    {
        const string expression = "IIF([country]=\"USA\",[country],[department])";
        Assert.Equal("USA", Text(expression, new() { ["country"] = "USA", ["department"] = "Finance" }));
        Assert.Equal("Finance", Text(expression, new() { ["country"] = "Canada", ["department"] = "Finance" }));
    }

    [Theory]
    [InlineData("USA", "CA", "True")]
    [InlineData("USA", "WA", "False")]
    [InlineData("Canada", "CA", "False")]
    public void nested_iif_along_the_true_branch_is_an_and_as_in_microsofts_example(string country, string state, string expected) =>
        Assert.Equal(expected, Text("IIF([country]=\"USA\",IIF([state]=\"CA\",\"True\",\"False\"),\"False\")",
            new() { ["country"] = country, ["state"] = state }));

    [Theory]
    [InlineData("USA", "WA", "True")]
    [InlineData("Canada", "CA", "True")]
    [InlineData("Canada", "WA", "False")]
    public void nested_iif_along_the_false_branch_is_an_or_as_in_microsofts_example(string country, string state, string expected) =>
        Assert.Equal(expected, Text("IIF([country]=\"USA\",\"True\",IIF([state]=\"CA\",\"True\",\"False\"))",
            new() { ["country"] = country, ["state"] = state }));

    [Theory]
    [InlineData("IIF([n] = 5, \"y\", \"n\")", "y")]
    [InlineData("IIF([n] <> 5, \"y\", \"n\")", "n")]
    [InlineData("IIF([n] > 4, \"y\", \"n\")", "y")]
    [InlineData("IIF([n] >= 5, \"y\", \"n\")", "y")]
    [InlineData("IIF([n] < 5, \"y\", \"n\")", "n")]
    [InlineData("IIF([n] <= 5, \"y\", \"n\")", "y")]
    [InlineData("IIF([n] > 10, \"y\", \"n\")", "n")]
    public void iif_supports_every_comparison_operator(string expression, string expected) =>
        Assert.Equal(expected, Text(expression, new() { ["n"] = "5" }));

    [Fact]
    public void comparisons_of_numbers_are_numeric_and_of_strings_ordinal_and_case_sensitive()
    {
        Assert.Equal("y", Text("IIF([n] > 9, \"y\", \"n\")", new() { ["n"] = "10" }));
        Assert.Equal("n", Text("IIF([s] = \"usa\", \"y\", \"n\")", new() { ["s"] = "USA" }));
        Assert.Equal("y", Text("IIF([s] < \"b\", \"y\", \"n\")", new() { ["s"] = "a" }));
    }

    [Fact]
    public void comparisons_of_dates_compare_the_moments() =>
        Assert.Equal("future", Text("IIF(CDate([hire]) > Now(), \"future\", \"past\")", new() { ["hire"] = "2012-03-16T07:00:00Z" }));

    [Fact]
    public void a_boolean_attribute_equals_true_in_any_case() =>
        Assert.Equal("y", Text("IIF([accountEnabled] = \"true\", \"y\", \"n\")", new() { ["accountEnabled"] = ExpressionValue.True }));

    [Fact]
    public void iif_whose_condition_reads_a_null_or_empty_attribute_gives_no_value()
    {
        // Microsoft: the condition fails when an attribute in it is null or empty; use Switch instead (spec §3.3).
        Assert.Null(Text("IIF([country] = \"USA\", \"us\", \"other\")"));
        Assert.Null(Text("IIF([country] = \"USA\", \"us\", \"other\")", new() { ["country"] = "" }));
        // One of Microsoft's unsupported examples: the check against "" fails too, so "Other" never comes out.
        Assert.Null(Text("IIF([country]=\"\",\"Other\",[country])", new() { ["country"] = "" }));
    }

    [Theory]
    [InlineData(null, "Other")]
    [InlineData("", "Other")]
    [InlineData("USA", "USA")]
    public void switch_with_an_empty_key_replaces_a_missing_country_as_in_microsofts_workaround(string? country, string expected) =>
        Assert.Equal(expected, Text("Switch([country],[country],\"\",\"Other\")", country is null ? [] : new() { ["country"] = country }));

    [Fact]
    public void iif_evaluates_only_the_branch_it_takes() =>
        Assert.Equal("ok", Text("IIF(\"True\", \"ok\", Mid(\"x\", 0, 1))"));

    [Fact]
    public void iif_accepts_a_function_that_gives_a_boolean() =>
        Assert.Equal("has mail", Text("IIF(IsPresent([mail]), \"has mail\", \"no mail\")", new() { ["mail"] = "a@b.c" }));

    [Fact]
    public void is_null_is_true_only_for_a_missing_value_as_in_microsofts_example()
    {
        Assert.Equal("True", Text("IsNull([displayName])"));
        Assert.Equal("False", Text("IsNull([displayName])", new() { ["displayName"] = "" }));
    }

    [Fact]
    public void is_null_or_empty_is_true_for_missing_and_empty_values_but_not_a_space_as_in_microsofts_example()
    {
        Assert.Equal("True", Text("IsNullOrEmpty([displayName])"));
        Assert.Equal("True", Text("IsNullOrEmpty([displayName])", new() { ["displayName"] = "" }));
        Assert.Equal("False", Text("IsNullOrEmpty([displayName])", new() { ["displayName"] = " " }));
    }

    [Fact]
    public void is_present_is_the_inverse_of_is_null_or_empty()
    {
        Assert.Equal("False", Text("IsPresent([displayName])"));
        Assert.Equal("False", Text("IsPresent([displayName])", new() { ["displayName"] = "" }));
        Assert.Equal("True", Text("IsPresent([displayName])", new() { ["displayName"] = "Ann" }));
    }

    [Fact]
    public void is_present_is_true_when_the_direct_manager_has_a_value_as_in_microsofts_example()
    {
        Assert.Equal("True", Text("IsPresent([directManager])", new() { ["directManager"] = "direct" }));
        Assert.Equal("False", Text("IsPresent([directManager])", new() { ["directManager"] = "" }));
        Assert.Equal("False", Text("IsPresent([directManager])"));
    }

    [Fact]
    public void switch_on_is_present_matches_the_words_true_and_false()
    {
        // Microsoft warns against IsPresent as Switch's source; it works only with True and False as keys, which the
        // bare words give here.
        const string expression = "Switch(IsPresent([directManager]), [directManager], True, [skiplevelManager], False, [director])";
        Assert.Equal("skip", Text(expression, new() { ["directManager"] = "direct", ["skiplevelManager"] = "skip", ["director"] = "dir" }));
        Assert.Equal("dir", Text(expression, new() { ["skiplevelManager"] = "skip", ["director"] = "dir" }));
    }

    [Fact]
    public void is_string_is_true_for_strings_only()
    {
        var source = new AttributeBag { ["s"] = "x", ["b"] = ExpressionValue.True, ["m"] = ExpressionValue.FromStrings("a") };
        Assert.Equal("True", Text("IsString([s])", source));
        Assert.Equal("False", Text("IsString([b])", source));
        Assert.Equal("False", Text("IsString([m])", source));
        Assert.Equal("False", Text("IsString([missing])", source));
        Assert.Equal("False", Text("IsString(5)", source));
    }

    [Fact]
    public void not_flips_a_boolean()
    {
        Assert.Equal("False", Text("Not([accountEnabled])", new() { ["accountEnabled"] = ExpressionValue.True }));
        Assert.Equal("True", Text("Not([accountEnabled])", new() { ["accountEnabled"] = "False" }));
        Assert.Null(Text("Not([accountEnabled])"));
    }

    [Fact]
    public void not_of_something_that_is_no_boolean_is_an_error() =>
        Assert.Equal(ErrorCodes.InvalidBoolean, ErrorCode("Not(\"yes\")"));

    [Fact]
    public void redact_hides_an_attribute_a_constant_and_a_random_string_from_the_logs_as_in_microsofts_examples()
    {
        var attribute = Evaluate("Redact([userPrincipalName])", new() { ["userPrincipalName"] = "john@contoso.com" });
        Assert.Equal("john@contoso.com", attribute.Value.Text);
        Assert.Equal("[Redact]", attribute.LogText);
        var constant = Evaluate("Redact(\"StringToBeRedacted\")");
        Assert.Equal("StringToBeRedacted", constant.Value.Text);
        Assert.Equal("[Redact]", constant.LogText);
        var random = Evaluate("Redact(RandomString(6,3,0,0,3))");
        Assert.Equal(6, random.Value.Text!.Length);
        Assert.True(random.Redacted);
        Assert.Equal("[Redact]", random.LogText);
    }

    [Fact]
    public void redact_keeps_the_value_and_marks_it_for_the_logs()
    {
        var result = Evaluate("Redact([employeeId])", new() { ["employeeId"] = "12345" });
        Assert.Equal("12345", result.Value.Text);
        Assert.True(result.Redacted);
        Assert.Equal("[Redact]", result.LogText);
    }

    [Fact]
    public void switch_maps_a_state_to_a_time_zone_as_in_microsofts_example()
    {
        const string expression = "Switch([state], \"Australia/Sydney\", \"NSW\", \"Australia/Sydney\",\"QLD\", \"Australia/Brisbane\", \"SA\", \"Australia/Adelaide\")";
        Assert.Equal("Australia/Brisbane", Text(expression, new() { ["state"] = "QLD" }));
        Assert.Equal("Australia/Sydney", Text(expression, new() { ["state"] = "WA" }));
    }

    [Theory]
    [InlineData("True")]
    [InlineData("true")]
    [InlineData("TRUE")]
    public void switch_on_a_lowered_source_compares_without_regard_to_case_as_in_microsofts_example(string statusFlag) =>
        Assert.Equal("1", Text("Switch(ToLower([statusFlag]), \"0\", \"true\", \"1\", \"false\", \"0\")", new() { ["statusFlag"] = statusFlag }));

    [Fact]
    public void switch_with_an_empty_key_maps_an_empty_source_as_in_microsofts_example()
    {
        const string expression = "Switch([statusFlag], \"Default Value\", \"true\", \"1\", \"\", \"0\")";
        Assert.Equal("0", Text(expression, new() { ["statusFlag"] = "" }));
        Assert.Equal("1", Text(expression, new() { ["statusFlag"] = "true" }));
        Assert.Equal("Default Value", Text(expression, new() { ["statusFlag"] = "maybe" }));
    }

    [Theory]
    [InlineData("Company A", "A")]
    [InlineData("Company B", "B")]
    [InlineData("Company C", "External")]
    public void nested_iif_gives_what_microsofts_company_switch_gives_as_in_microsofts_example(string companyName, string expected)
    {
        // Microsoft writes the Switch form as switch(...) in lower case, although it says the syntax is case-sensitive;
        // function names are case-sensitive here, so it is written Switch.
        var source = new AttributeBag { ["companyName"] = companyName };
        Assert.Equal(expected, Text("IIF([companyName] = \"Company A\", \"A\", IIF([companyName] = \"Company B\", \"B\", \"External\"))", source));
        Assert.Equal(expected, Text("Switch([companyName], \"External\", \"Company A\", \"A\", \"Company B\", \"B\")", source));
    }

    [Fact]
    public void switch_defaulting_to_its_source_inside_ignore_flow_as_in_microsofts_example()
    {
        const string expression = "IgnoreFlowIfNullOrEmpty(Switch([companyName], [companyName], \"Company A\", \"A\", \"Company B\", \"B\"))";
        Assert.Equal("A", Text(expression, new() { ["companyName"] = "Company A" }));
        Assert.Equal("Contoso", Text(expression, new() { ["companyName"] = "Contoso" }));
        Assert.True(Evaluate(expression).FlowIgnored);
    }

    [Fact]
    public void switch_in_lower_case_as_microsoft_writes_it_in_prose_is_an_unknown_function()
    {
        var compiled = MappingExpression.Compile("switch([companyName], \"External\", \"Company A\", \"A\", \"Company B\", \"B\")");
        Assert.Equal(ErrorCodes.UnknownFunction, compiled.Errors[0].Code);
        Assert.Contains("Did you mean Switch?", compiled.Errors[0].Message);
    }

    [Fact]
    public void switch_on_is_soft_deleted_drives_servicenows_active_flag()
    {
        const string expression = "Switch([IsSoftDeleted], , \"False\", \"1\", \"True\", \"0\")";
        Assert.Equal("1", Text(expression, new() { ["IsSoftDeleted"] = ExpressionValue.False }));
        Assert.Equal("0", Text(expression, new() { ["IsSoftDeleted"] = ExpressionValue.True }));
        Assert.Null(Text(expression, new() { ["IsSoftDeleted"] = "maybe" }));
    }

    [Fact]
    public void switch_compares_keys_case_sensitively() =>
        Assert.Equal("default", Text("Switch([x], \"default\", \"qld\", \"lower\")", new() { ["x"] = "QLD" }));

    [Fact]
    public void switch_matches_a_missing_source_with_the_empty_key() =>
        Assert.Equal("was empty", Text("Switch([x], \"default\", \"\", \"was empty\")"));

    [Fact]
    public void switch_with_keys_from_attributes_reads_them_at_evaluation() =>
        Assert.Equal("hit", Text("Switch([x], \"miss\", [k], \"hit\")", new() { ["x"] = "a", ["k"] = "a" }));
}
