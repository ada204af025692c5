using FsCheck;
using IdentityBridge.Expressions.Functions;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Tests.Support;

/// <summary>
/// FsCheck generators of well-formed expression trees: known functions with argument counts their signatures allow,
/// omitted arguments only where a parameter is optional, comparisons only in IIF and CBool, Replace in one of its
/// five modes, SelectUniqueValue only at the top; leaves with any characters a leaf may hold.
/// </summary>
internal static class SyntaxGenerators
{
    private static readonly FunctionSignature[] Functions = FunctionCatalog.Functions.Values
        .Where(f => f.Name is not ("SelectUniqueValue" or "Replace"))
        .OrderBy(f => f.Name, StringComparer.Ordinal)
        .ToArray();

    private static readonly ComparisonOperator[] Operators = Enum.GetValues<ComparisonOperator>();

    public static Arbitrary<ExpressionSyntax> Trees() => Arb.From(Gen.Sized(size => Root(Math.Min(size / 10, 5))));

    private static Gen<ExpressionSyntax> Root(int depth) => Gen.Frequency(
        Tuple.Create(12, Tree(depth)),
        Tuple.Create(1, from count in Gen.Choose(2, 3)
                        from rules in Gen.ArrayOf(count, Tree(Math.Max(0, depth - 1)))
                        select (ExpressionSyntax)new FunctionCallSyntax("SelectUniqueValue", new SyntaxList(rules))));

    private static Gen<ExpressionSyntax> Tree(int depth) => depth <= 0
        ? Leaf()
        : Gen.Frequency(Tuple.Create(2, Leaf()), Tuple.Create(3, Call(depth - 1)), Tuple.Create(1, Replace(depth - 1)));

    private static Gen<ExpressionSyntax> Leaf() => Gen.Frequency(
        Tuple.Create(3, AttributeName().Select(n => (ExpressionSyntax)new AttributeSyntax(n))),
        Tuple.Create(3, Arb.Generate<string>().Select(s => (ExpressionSyntax)new StringSyntax(s ?? ""))),
        Tuple.Create(2, from value in Arb.Generate<long>()
                        from hex in Arb.Generate<bool>()
                        select (ExpressionSyntax)new NumberSyntax(value, hex)),
        Tuple.Create(1, Word().Select(w => (ExpressionSyntax)new WordSyntax(w))));

    private static Gen<string> AttributeName() =>
        Gen.ArrayOf(Gen.Elements("abcXYZ_09:.-@ é\"[(,)=<>\\\t".ToCharArray()))
            .Select(chars => new string(chars))
            .Where(name => !string.IsNullOrWhiteSpace(name));

    private static Gen<string> Word() =>
        from first in Gen.Elements("abcvbTFxyz_".ToCharArray())
        from rest in Gen.ArrayOf(Gen.Elements("abcTextCompare_019".ToCharArray()))
        let word = first + new string(rest)
        where FunctionCatalog.Find(word) is null
        select word;

    private static Gen<ExpressionSyntax> Call(int depth) =>
        from signature in Gen.Elements(Functions)
        from count in ArgumentCount(signature)
        from arguments in Arguments(signature, count, depth)
        select (ExpressionSyntax)new FunctionCallSyntax(signature.Name, new SyntaxList(arguments));

    private static Gen<int> ArgumentCount(FunctionSignature signature)
    {
        if (signature.EvenArgumentCount) return Gen.Choose(signature.MinimumArguments / 2, 3).Select(pairs => pairs * 2);
        if (signature.MaximumArguments == int.MaxValue) return Gen.Choose(signature.MinimumArguments, signature.MinimumArguments + 3);
        var minimum = signature.ShortForm?.Count ?? signature.MinimumArguments;
        return Gen.Choose(minimum, signature.MaximumArguments);
    }

    private static Gen<ExpressionSyntax[]> Arguments(FunctionSignature signature, int count, int depth)
    {
        var arguments = new Gen<ExpressionSyntax>[count];
        for (var i = 0; i < count; i++)
        {
            var parameter = signature.ParameterAt(i, count);
            var argument = i == 0 && signature.Name is "IIF" or "CBool"
                ? Gen.Frequency(Tuple.Create(3, Comparison(depth)), Tuple.Create(1, Tree(depth)))
                : Tree(depth);
            arguments[i] = parameter.Required ? argument : Gen.Frequency(Tuple.Create(1, Omitted()), Tuple.Create(3, argument));
        }
        return Sequence(arguments);
    }

    private static Gen<ExpressionSyntax> Comparison(int depth) =>
        from left in Tree(depth)
        from op in Gen.Elements(Operators)
        from right in Tree(depth)
        select (ExpressionSyntax)new ComparisonSyntax(left, op, right);

    /// <summary>Replace in one of its five modes: which of parameters 2 to 7 are given.</summary>
    private static Gen<ExpressionSyntax> Replace(int depth)
    {
        int[][] modes = [[1, 4], [1, 6], [2, 4], [2, 3, 4], [2, 3, 5]];
        return from mode in Gen.Elements(modes)
               from arguments in Sequence(Enumerable.Range(0, 7).Select(i => i == 0 || mode.Contains(i) ? Tree(depth) : Omitted()).ToArray())
               select (ExpressionSyntax)new FunctionCallSyntax("Replace", new SyntaxList(arguments));
    }

    private static Gen<ExpressionSyntax> Omitted() => Gen.Constant((ExpressionSyntax)new OmittedSyntax());

    private static Gen<ExpressionSyntax[]> Sequence(Gen<ExpressionSyntax>[] gens)
    {
        var result = Gen.Constant(Array.Empty<ExpressionSyntax>());
        foreach (var gen in gens)
        {
            var next = gen;
            result = from list in result from item in next select list.Append(item).ToArray();
        }
        return result;
    }

    /// <summary>Text that is mostly not an expression: fragments of the language shuffled together.</summary>
    public static Arbitrary<string> TokenSoup()
    {
        string[] tokens =
        [
            "IIF(", "Switch(", "Replace(", "Join(", "Mid(", "Not(", "SelectUniqueValue(", "Guid(", "(", ")", ",", ", ,", "[", "]",
            "[mail]", "[", "\"", "\\\"", "\\\\", "\"text\"", "=", "<>", ">=", "<", "&H", "&HFF", "&", "-", "12", "99999999999999999999",
            "1.5", " ", "\n", "vbTextCompare", "True", "iif(", "é", "\u0000", "]]", "[[",
        ];
        return Arb.From(Gen.ArrayOf(Gen.Elements(tokens)).Select(parts => string.Concat(parts)));
    }
}
