using FsCheck;
using FsCheck.Xunit;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Parsing;
using IdentityBridge.Expressions.Tests.Support;

namespace IdentityBridge.Expressions.Tests.Parsing;

/// <summary>Properties over generated input: printing round-trips, and nothing makes the parser or evaluator throw.</summary>
public class ParserProperties
{
    [Property(MaxTest = 400)]
    public Property printing_and_reparsing_any_tree_gives_the_same_tree() =>
        Prop.ForAll(SyntaxGenerators.Trees(), tree =>
        {
            var text = ExpressionPrinter.Print(tree);
            var parsed = ExpressionParser.Parse(text);
            return (parsed.Succeeded && parsed.Syntax!.Equals(tree)).Label($"{text} → {string.Join("; ", parsed.Errors)}");
        });

    [Property(MaxTest = 400)]
    public Property the_parser_never_throws_on_random_text() =>
        Prop.ForAll(Arb.Default.String(), text =>
        {
            var result = ExpressionParser.Parse(text);
            return result.Succeeded || result.Errors.Count > 0;
        });

    [Property(MaxTest = 400)]
    public Property the_parser_never_throws_on_fragments_of_the_language_and_what_it_accepts_reprints_the_same() =>
        Prop.ForAll(SyntaxGenerators.TokenSoup(), text =>
        {
            var result = ExpressionParser.Parse(text);
            if (!result.Succeeded) return (result.Errors.Count > 0 && result.Errors.All(e => e.Span.Start >= 0 && e.Span.End <= Math.Max(text.Length, ExpressionParser.MaximumLength))).Label(text);
            var again = ExpressionParser.Parse(result.Syntax!.ToString());
            return (again.Succeeded && again.Syntax!.Equals(result.Syntax)).Label(text);
        });

    [Property(MaxTest = 400)]
    public Property evaluating_any_well_formed_tree_gives_a_result_and_never_throws() =>
        Prop.ForAll(SyntaxGenerators.Trees(), tree =>
        {
            var compiled = MappingExpression.Compile(tree);
            if (!compiled.Succeeded) return false.Label($"{tree}: {string.Join("; ", compiled.Errors)}");
            var source = new AttributeBag
            {
                ["a"] = "x",
                ["mail"] = "john@contoso.com",
                ["é"] = ExpressionValue.FromStrings("1", "2"),
                ["abc"] = ExpressionValue.True,
            };
            var context = Support.Expressions.Context();
            _ = compiled.Expression!.Evaluate(source, context);
            _ = compiled.Expression.Evaluate(new AttributeBag(), context);
            return true.ToProperty();
        });
}
