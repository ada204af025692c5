using System.Text.Json;
using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Evaluation;

/// <summary>What an evaluation gives the engine, beyond each function's value.</summary>
public class EvaluationTests
{
    [Fact]
    public void a_direct_mapping_gives_the_attributes_value_unchanged()
    {
        var result = Evaluate("[mail]", new() { ["mail"] = "ann@contoso.com" });
        Assert.True(result.HasValue);
        Assert.Equal("ann@contoso.com", result.Value.Text);
    }

    [Fact]
    public void a_missing_attribute_gives_no_value_so_nothing_flows()
    {
        var result = Evaluate("[mail]");
        Assert.True(result.Succeeded);
        Assert.False(result.HasValue);
        Assert.False(result.FlowIgnored);
    }

    [Fact]
    public void attribute_names_match_without_regard_to_case() =>
        Assert.Equal("x", Text("[UserPrincipalName]", new() { ["userPrincipalName"] = "x" }));

    [Fact]
    public void a_constant_mapping_gives_the_constant() =>
        Assert.Equal("ServiceNow", Text("\"ServiceNow\""));

    [Fact]
    public void the_result_is_trimmed_of_surrounding_white_space() =>
        Assert.Equal("a b", Text("Join(\" \", \" a\", \"b \")"));

    [Fact]
    public void white_space_inside_a_function_is_kept_until_the_end() =>
        Assert.Equal("3", Text("Len(\" a \")"));

    [Fact]
    public void an_evaluation_error_names_the_problem_and_its_position()
    {
        var result = Evaluate("Append([a], CDate([hired]))", new() { ["a"] = "x", ["hired"] = "soon" });
        Assert.False(result.Succeeded);
        Assert.Equal(ErrorCodes.InvalidDate, result.Error!.Code);
        Assert.Equal(18, result.Error.Span.Start);
        Assert.StartsWith("error IDB3102", result.LogText);
    }

    [Fact]
    public void redaction_survives_nesting() =>
        Assert.True(Evaluate("Join(\"-\", Redact([ssn]), \"x\")", new() { ["ssn"] = "123" }).Redacted);

    [Theory]
    [InlineData(0, "John.Smith@contoso.com")]
    [InlineData(1, "J.Smith@contoso.com")]
    [InlineData(2, "Jo.Smith@contoso.com")]
    public async Task select_unique_value_takes_the_first_upn_the_target_does_not_have_as_in_microsofts_example(int taken, string expected)
    {
        var expression = MappingExpression.CompileValid("""
                SelectUniqueValue( 
                    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"), 
                    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 1), [PreferredLastName]))), "contoso.com"),
                    Join("@", NormalizeDiacritics(StripSpaces(Join(".",  Mid([PreferredFirstName], 1, 2), [PreferredLastName]))), "contoso.com")
                )
            """);
        var user = new AttributeBag { ["PreferredFirstName"] = "John", ["PreferredLastName"] = "Smith" };
        string[] candidates = ["John.Smith@contoso.com", "J.Smith@contoso.com", "Jo.Smith@contoso.com"];
        var asked = new List<string>();
        var result = await expression.EvaluateAsync(user, (candidate, _) =>
        {
            asked.Add(candidate);
            return ValueTask.FromResult(!candidates[..taken].Contains(candidate));
        });
        Assert.Equal(expected, result.Value.Text);
        Assert.Equal(candidates[..(taken + 1)], asked);
    }

    [Fact]
    public async Task select_unique_value_with_every_candidate_taken_is_an_error_that_lists_them()
    {
        var expression = MappingExpression.CompileValid("SelectUniqueValue([a], [b])");
        var result = await expression.EvaluateAsync(new AttributeBag { ["a"] = "x", ["b"] = "y" }, (_, _) => ValueTask.FromResult(false));
        Assert.Equal(ErrorCodes.NoUniqueValue, result.Error!.Code);
        Assert.Contains("x, y", result.Error.Message);
    }

    [Fact]
    public void select_unique_value_without_a_uniqueness_check_says_it_needs_one()
    {
        var expression = MappingExpression.CompileValid("SelectUniqueValue([a], [b])");
        Assert.True(expression.SelectsUniqueValue);
        Assert.Equal(ErrorCodes.UniquenessCheckRequired, expression.Evaluate(new AttributeBag()).Error!.Code);
    }

    [Fact]
    public void one_compiled_expression_evaluates_on_many_threads_at_once()
    {
        var expression = MappingExpression.CompileValid("Join(\"@\", ToLower(NormalizeDiacritics(StripSpaces([name]))), \"contoso.com\")");
        var results = new string?[2_000];
        Parallel.For(0, results.Length, i =>
            results[i] = expression.Evaluate(new AttributeBag { ["name"] = $"Zoë {i}" }).Value.Text);
        for (var i = 0; i < results.Length; i++) Assert.Equal($"zoe{i}@contoso.com", results[i]);
    }

    [Fact]
    public void deep_nesting_on_a_thread_with_a_small_stack_ends_in_an_error_not_a_crash()
    {
        var text = string.Concat(Enumerable.Repeat("Not(", 1_990)) + "\"True\"" + new string(')', 1_990);
        var expression = MappingExpression.CompileValid(text);
        EvaluationResult result = default;
        var thread = new Thread(() => result = expression.Evaluate(new AttributeBag()), maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.True(result.Error?.Code == ErrorCodes.NestingTooDeep, result.LogText);
    }

    [Fact]
    public void a_source_object_reads_from_graph_json()
    {
        using var json = JsonDocument.Parse("""
            {
              "userPrincipalName": "ann@contoso.com",
              "accountEnabled": true,
              "employeeHireDate": "2020-03-16T07:00:00Z",
              "proxyAddresses": ["SMTP:ann@contoso.com", "smtp:a@contoso.com"],
              "manager": { "id": "b5e9", "displayName": "Bob" },
              "extension_0a1b_costCenter": 4711,
              "appRoleAssignments": [ { "displayName": "Admin", "value": "WriteAccess" } ]
            }
            """);
        var user = AttributeBag.FromJson(json.RootElement);
        Assert.Equal("ann@contoso.com", user["userPrincipalName"].Text);
        Assert.Equal(ValueKind.Boolean, user["accountEnabled"].Kind);
        Assert.Equal(2, user["proxyAddresses"].Values.Count);
        Assert.Equal(ExpressionValue.FromReference("b5e9"), user["manager"]);
        Assert.Equal(ExpressionValue.FromNumber(4711), user["extension_0a1b_costCenter"]);
        Assert.Equal("WriteAccess", Text("SingleAppRoleAssignment([appRoleAssignments])", user));
    }

    [Fact]
    public void values_print_as_text_or_json()
    {
        Assert.Equal("null", ExpressionValue.Null.ToString());
        Assert.Equal("""["a","b"]""", ExpressionValue.FromStrings("a", "b").ToString());
        Assert.Equal("3/16/2020 7:00:00 AM", ExpressionValue.FromDateTime(new DateTime(2020, 3, 16, 7, 0, 0, DateTimeKind.Utc)).ToString());
        Assert.Equal("False", ExpressionValue.False.ToString());
    }
}
