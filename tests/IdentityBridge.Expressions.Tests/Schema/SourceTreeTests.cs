using FsCheck;
using FsCheck.Xunit;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Functions;
using IdentityBridge.Expressions.Parsing;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Expressions.Tests.Support;

namespace IdentityBridge.Expressions.Tests.Schema;

/// <summary>Expression text to Graph's source tree and back, and Graph's parseExpression result.</summary>
public class SourceTreeTests
{
    [Fact]
    public void a_function_becomes_a_tree_keyed_by_parameter_name()
    {
        var tree = SourceTree.FromSyntax(ExpressionParser.Parse("Switch([IsSoftDeleted], , \"False\", \"1\", \"True\", \"0\")").Syntax!);
        const string expected = """
            {
              "expression": "Switch([IsSoftDeleted], , \"False\", \"1\", \"True\", \"0\")",
              "name": "Switch",
              "type": "Function",
              "parameters": [
                { "key": "source", "value": { "expression": "[IsSoftDeleted]", "name": "IsSoftDeleted", "type": "Attribute", "parameters": [] } },
                { "key": "key", "value": { "expression": "\"False\"", "name": "False", "type": "Constant", "parameters": [] } },
                { "key": "value", "value": { "expression": "\"1\"", "name": "1", "type": "Constant", "parameters": [] } },
                { "key": "key", "value": { "expression": "\"True\"", "name": "True", "type": "Constant", "parameters": [] } },
                { "key": "value", "value": { "expression": "\"0\"", "name": "0", "type": "Constant", "parameters": [] } }
              ]
            }
            """;
        Assert.True(JsonMeaning.Same(expected, SynchronizationSchemaJson.Write(tree)), SynchronizationSchemaJson.Write(tree));
    }

    [Fact]
    public void an_omitted_argument_in_a_repeating_position_keeps_its_place()
    {
        var parsed = ExpressionParser.Parse("Join(\",\", [a], , \"c\")");
        Assert.True(parsed.Succeeded);
        var syntax = parsed.Syntax!;
        var tree = SourceTree.FromSyntax(syntax);
        Assert.Equal("source", tree.Parameters![2].Key);
        Assert.Null(tree.Parameters[2].Value);
        Assert.Equal(syntax, FromTreeOnly(tree));
    }

    [Property(MaxTest = 400)]
    public Property any_tree_survives_graphs_source_tree_without_its_text() =>
        Prop.ForAll(SyntaxGenerators.Trees(), syntax =>
        {
            var back = FromTreeOnly(SourceTree.FromSyntax(syntax));
            return (back is not null && back.Equals(Normalized(syntax))).Label($"{syntax} → {back}");
        });

    [Fact]
    public void parse_expression_gives_graphs_result_shape_for_a_test_object()
    {
        var response = ParseExpressionResponse.For("Join(\"@\", [mailNickname], \"contoso.com\")", new AttributeBag { ["mailNickname"] = "ann" });
        Assert.True(response.ParsingSucceeded);
        Assert.True(response.EvaluationSucceeded);
        Assert.Equal(["ann@contoso.com"], response.EvaluationResult);
        Assert.Equal("Join", response.ParsedExpression!.Name);
        Assert.Contains("\"parsingSucceeded\": true", response.ToJson());
        Assert.Contains("\"error\": null", response.ToJson());
    }

    [Fact]
    public void parse_expression_reports_a_parse_error()
    {
        var response = ParseExpressionResponse.For("Join(\"@\", [mailNickname]");
        Assert.False(response.ParsingSucceeded);
        Assert.Equal(ErrorCodes.MissingParenthesis, response.Error!.Code);
        Assert.Null(response.ParsedExpression);
    }

    [Fact]
    public void parse_expression_gives_every_value_of_a_multi_valued_result() =>
        Assert.Equal(["a", "b"], ParseExpressionResponse.For("Split(\"a,b\", \",\")", new AttributeBag()).EvaluationResult);

    /// <summary>Reads a source tree with every <c>expression</c> text removed, so only the tree itself counts.</summary>
    private static ExpressionSyntax? FromTreeOnly(AttributeMappingSource source)
    {
        var problems = new List<SchemaProblem>();
        var syntax = SourceTree.ToSyntax(WithoutText(source), "$", problems);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        return syntax;

        static AttributeMappingSource WithoutText(AttributeMappingSource node) => node with
        {
            Expression = null,
            Parameters = node.Parameters?.Select(p => p with { Value = p.Value is null ? null : WithoutText(p.Value) }).ToArray(),
        };
    }

    /// <summary>
    /// What a tree means once it has been through Graph's form: constants are strings there, and omitted optional
    /// arguments at the end of a call with a fixed parameter list are simply absent.
    /// </summary>
    private static ExpressionSyntax Normalized(ExpressionSyntax syntax)
    {
        switch (syntax)
        {
            case NumberSyntax number:
                return new StringSyntax(number.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            case WordSyntax word:
                return new StringSyntax(word.Name);
            case ComparisonSyntax comparison:
                return new ComparisonSyntax(Normalized(comparison.Left), comparison.Operator, Normalized(comparison.Right));
            case FunctionCallSyntax call:
                var arguments = call.Arguments.Select(a => a is OmittedSyntax ? a : Normalized(a)).ToList();
                var signature = FunctionCatalog.Find(call.Name)!;
                if (signature.ShortForm is not null && arguments.Count == signature.ShortForm.Count) arguments.Insert(1, new OmittedSyntax());
                if (signature.MaximumArguments != int.MaxValue)
                    while (arguments.Count > 0 && arguments[^1] is OmittedSyntax) arguments.RemoveAt(arguments.Count - 1);
                return new FunctionCallSyntax(call.Name, new SyntaxList(arguments));
            default:
                return syntax;
        }
    }
}
