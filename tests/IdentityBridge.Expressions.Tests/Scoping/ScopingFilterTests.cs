using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Expressions.Scoping;

namespace IdentityBridge.Expressions.Tests.Scoping;

/// <summary>Scoping filters (spec §4): every operator, AND within a filter, OR across filters, and the explanations.</summary>
public class ScopingFilterTests
{
    private static FilterClause Clause(string attribute, string op, params string[] values) => new()
    {
        SourceOperandName = attribute,
        OperatorName = op,
        TargetOperand = new FilterOperand { Values = values },
    };

    private static ScopingFilter Filter(params FilterClause[][] groups)
    {
        var compilation = ScopingFilter.Compile(groups.Select((clauses, i) => new FilterGroup { Name = $"filter {i + 1}", Clauses = clauses }).ToArray());
        Assert.True(compilation.Succeeded, string.Join("; ", compilation.Problems));
        return compilation.Filter!;
    }

    private static bool Passes(FilterClause clause, ExpressionValue value) =>
        Filter([clause]).IsInScope(new AttributeBag { [clause.SourceOperandName!] = value });

    [Theory]
    [InlineData("EQUALS", "Sales", "Sales", true)]
    [InlineData("EQUALS", "sales", "Sales", false)]
    [InlineData("NOT EQUALS", "Marketing", "Sales", true)]
    [InlineData("NOT EQUALS", "Sales", "Sales", false)]
    [InlineData("&", "Sales", "Sales,Marketing", true)]
    [InlineData("&", "Legal", "Sales,Marketing", false)]
    [InlineData("!&", "Legal", "Sales,Marketing", true)]
    [InlineData("!&", "Sales", "Sales,Marketing", false)]
    [InlineData("ENDS_WITH", "ann@contoso.com", "@contoso.com", true)]
    [InlineData("ENDS_WITH", "ann@fabrikam.com", "@contoso.com", false)]
    [InlineData("StartsWith", "EMEA-Sales", "EMEA", true)]
    [InlineData("StartsWith", "Sales-EMEA", "EMEA", false)]
    [InlineData("Includes", "Senior Engineer", "Engineer", true)]
    [InlineData("Includes", "Senior engineer", "Engineer", false)]
    [InlineData("Greater_Than", "10", "9", true)]
    [InlineData("Greater_Than", "9", "9", false)]
    [InlineData("Greater_Than_OR_EQUALS", "9", "9", true)]
    [InlineData("Greater_Than_OR_EQUALS", "8", "9", false)]
    [InlineData("Less_Than", "8", "9", true)]
    [InlineData("Less_Than", "9", "9", false)]
    [InlineData("Less_Than_OR_EQUALS", "9", "9", true)]
    [InlineData("Less_Than_OR_EQUALS", "10", "9", false)]
    [InlineData("Greater_Than", "ten", "9", false)]
    [InlineData("REGEX MATCH", "EMP-1234", "^EMP-\\d{4}$", true)]
    [InlineData("REGEX MATCH", "emp-1234", "^EMP-\\d{4}$", false)]
    [InlineData("NOT REGEX MATCH", "CON-1", "^EMP-", true)]
    [InlineData("NOT REGEX MATCH", "EMP-1", "^EMP-", false)]
    public void each_operator_tests_the_attributes_value(string op, string value, string target, bool expected) =>
        Assert.Equal(expected, Passes(Clause("attr", op, target), value));

    [Fact]
    public void with_several_values_positive_operators_need_one_match_and_negative_ones_none()
    {
        Assert.True(Passes(Clause("department", "EQUALS", "Sales", "Legal"), "Legal"));
        Assert.False(Passes(Clause("department", "NOT EQUALS", "Sales", "Legal"), "Legal"));
        Assert.True(Passes(Clause("department", "NOT EQUALS", "Sales", "Legal"), "HR"));
    }

    [Fact]
    public void is_true_and_is_false_read_booleans_and_their_text()
    {
        Assert.True(Passes(Clause("accountEnabled", "IS TRUE"), ExpressionValue.True));
        Assert.True(Passes(Clause("accountEnabled", "IS TRUE"), "true"));
        Assert.False(Passes(Clause("accountEnabled", "IS TRUE"), ExpressionValue.False));
        Assert.True(Passes(Clause("accountEnabled", "IS FALSE"), "False"));
        Assert.False(Passes(Clause("accountEnabled", "IS FALSE"), "no"));
    }

    [Fact]
    public void is_null_and_is_not_null_see_empty_as_null()
    {
        Assert.True(Passes(Clause("department", "IS NULL"), ExpressionValue.Null));
        Assert.True(Passes(Clause("department", "IS NULL"), ""));
        Assert.False(Passes(Clause("department", "IS NULL"), "Sales"));
        Assert.True(Passes(Clause("department", "IS NOT NULL"), "Sales"));
        Assert.False(Passes(Clause("department", "IS NOT NULL"), ""));
    }

    [Theory]
    [InlineData("EQUALS", "x")]
    [InlineData("NOT EQUALS", "x")]
    [InlineData("!&", "x")]
    [InlineData("NOT REGEX MATCH", "x")]
    [InlineData("IS FALSE", null)]
    [InlineData("Less_Than", "5")]
    public void a_null_or_empty_value_fails_every_clause_but_is_null(string op, string? target)
    {
        var clause = target is null ? Clause("attr", op) : Clause("attr", op, target);
        Assert.False(Passes(clause, ExpressionValue.Null));
        Assert.False(Passes(clause, ""));
    }

    [Fact]
    public void a_multi_valued_attribute_fails_every_clause() =>
        Assert.False(Passes(Clause("proxyAddresses", "Includes", "contoso"), ExpressionValue.FromStrings("smtp:a@contoso.com")));

    [Fact]
    public void clauses_of_one_filter_must_all_hold()
    {
        var filter = Filter([Clause("department", "EQUALS", "Sales"), Clause("country", "EQUALS", "US")]);
        Assert.True(filter.IsInScope(new AttributeBag { ["department"] = "Sales", ["country"] = "US" }));
        Assert.False(filter.IsInScope(new AttributeBag { ["department"] = "Sales", ["country"] = "FR" }));
    }

    [Fact]
    public void any_one_filter_is_enough()
    {
        var filter = Filter([Clause("department", "EQUALS", "Sales")], [Clause("department", "EQUALS", "Legal")]);
        Assert.True(filter.IsInScope(new AttributeBag { ["department"] = "Legal" }));
        Assert.False(filter.IsInScope(new AttributeBag { ["department"] = "HR" }));
    }

    [Fact]
    public void without_filters_everyone_is_in_scope()
    {
        Assert.True(ScopingFilter.Everyone.IsInScope(new AttributeBag()));
        Assert.Equal("In scope: there are no scoping filters.", ScopingFilter.Everyone.Evaluate(new AttributeBag()).Summary);
    }

    [Fact]
    public void the_explanation_names_each_filter_and_clause_with_the_value_it_saw()
    {
        var filter = Filter(
            [Clause("department", "EQUALS", "Sales"), Clause("country", "EQUALS", "US")],
            [Clause("jobTitle", "Includes", "Engineer")]);
        var evaluation = filter.Evaluate(new AttributeBag { ["department"] = "Sales", ["country"] = "FR", ["jobTitle"] = "Senior Engineer" });

        Assert.True(evaluation.InScope);
        Assert.Equal("In scope: filter \"filter 2\" passed.", evaluation.Summary);
        var first = evaluation.Groups[0];
        Assert.False(first.Passed);
        Assert.Equal([true, false], first.Clauses.Select(c => c.Passed));
        Assert.Equal("FR", first.Clauses[1].ActualValue);
        Assert.Equal("\"FR\" does not satisfy EQUALS \"US\"", first.Clauses[1].Reason);
        Assert.True(evaluation.Groups[1].Passed);
    }

    [Fact]
    public void the_explanation_says_why_an_empty_value_failed()
    {
        var evaluation = Filter([Clause("department", "EQUALS", "Sales")]).Evaluate(new AttributeBag());
        Assert.False(evaluation.InScope);
        Assert.Null(evaluation.Groups[0].Clauses[0].ActualValue);
        Assert.Contains("no value", evaluation.Groups[0].Clauses[0].Reason);
        Assert.Equal("Out of scope: none of the 1 scoping filter(s) passed.", evaluation.Summary);
    }

    [Theory]
    [InlineData("NOT EQUALS")]
    [InlineData("NOT_EQUALS")]
    [InlineData("NotEquals")]
    [InlineData("not equals")]
    public void operator_names_are_read_without_regard_to_case_spaces_and_underscores(string name) =>
        Assert.Equal(ScopingOperator.NotEquals, ScopingOperators.Parse(name));

    [Fact]
    public void every_problem_of_a_filter_is_reported_with_its_path()
    {
        var compilation = ScopingFilter.Compile(
        [
            new FilterGroup
            {
                Clauses =
                [
                    Clause("department", "LIKE", "x"),
                    Clause("employeeId", "Greater_Than", "many"),
                    Clause("mail", "REGEX MATCH", "(unclosed"),
                    Clause("manager", "IS NOT NULL"),
                    Clause("department", "EQUALS"),
                ],
            },
            new FilterGroup { Clauses = [] },
        ], "$.scope.groups");
        Assert.False(compilation.Succeeded);
        Assert.Equal(
        [
            ("$.scope.groups[0].clauses[0].operatorName", ErrorCodes.UnknownScopingOperator),
            ("$.scope.groups[0].clauses[1].targetOperand.values[0]", ErrorCodes.InvalidScopingValue),
            ("$.scope.groups[0].clauses[2].targetOperand.values[0]", ErrorCodes.InvalidScopingValue),
            ("$.scope.groups[0].clauses[3].sourceOperandName", ErrorCodes.UnsupportedScopingAttribute),
            ("$.scope.groups[0].clauses[4].targetOperand.values", ErrorCodes.InvalidScopingValue),
            ("$.scope.groups[1].clauses", ErrorCodes.MissingProperty),
        ], compilation.Problems.Select(p => (p.Path, p.Code)));
    }

    [Fact]
    public void multi_valued_and_date_attributes_are_refused_when_the_source_object_is_known()
    {
        var user = new ObjectDefinition
        {
            Name = "User",
            Attributes =
            [
                new AttributeDefinition { Name = "proxyAddresses", Type = "String", Multivalued = true },
                new AttributeDefinition { Name = "employeeHireDate", Type = "DateTime" },
            ],
        };
        var compilation = ScopingFilter.Compile(
            [new FilterGroup { Clauses = [Clause("proxyAddresses", "Includes", "x"), Clause("employeeHireDate", "IS NOT NULL")] }],
            sourceObject: user);
        Assert.Equal([ErrorCodes.UnsupportedScopingAttribute, ErrorCodes.UnsupportedScopingAttribute], compilation.Problems.Select(p => p.Code));
    }
}
