using IdentityBridge.Storage.Queries;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Graph's <c>$filter</c> for directory objects: <c>eq</c>, <c>ne</c>, <c>startswith()</c>, <c>in</c>, <c>and</c>,
/// <c>or</c>, <c>not</c> and parentheses over string, boolean, GUID and null literals. The filter is parsed to a tree,
/// negations are pushed down to the comparisons, and the result is spread into the OR-of-ANDs form of an
/// <see cref="EncodedQuery"/>, so values only ever reach SQL as parameters. Anything else is Graph's 400.
/// </summary>
internal static class ODataFilter
{
    private const int MaxDepth = 64;
    private const int MaxGroups = 64;
    private const int MaxLength = 8192;

    private abstract record Node;
    private sealed record Comparison(GraphProperty Property, string Op, string? Value) : Node;
    private sealed record StartsWith(GraphProperty Property, string Value) : Node;
    private sealed record InList(GraphProperty Property, IReadOnlyList<string> Values) : Node;
    private sealed record And(Node Left, Node Right) : Node;
    private sealed record Or(Node Left, Node Right) : Node;
    private sealed record Not(Node Inner) : Node;

    /// <summary>The filter as groups of conditions (any group matches, every condition of a group must).</summary>
    public static IReadOnlyList<IReadOnlyList<QueryCondition>> Parse(string text, GraphType type)
    {
        if (text.Length > MaxLength) throw Invalid("the filter is too long.");
        var parser = new Parser(Tokenize(text), type);
        var node = parser.ParseOr(0);
        if (!parser.AtEnd) throw Invalid($"syntax error at position {parser.Position}.");
        return Spread(Push(node, negate: false));
    }

    /// <summary>The groups as an encoded query, each group also holding the conditions every row must meet.</summary>
    public static EncodedQuery ToQuery(IReadOnlyList<IReadOnlyList<QueryCondition>> groups, IReadOnlyList<QueryCondition> required)
    {
        if (groups.Count == 0) groups = [[]];
        return new EncodedQuery(
            groups.Select(g => new QueryGroup(g.Concat(required).Select(c => new QueryClause([c])).ToList())).ToList(), [], []);
    }

    private static GraphException Invalid(string detail) => GraphException.BadRequest("Invalid filter clause: " + detail);

    // ---- negation normal form and spreading -----------------------------------------------------------------

    private static Node Push(Node node, bool negate) => node switch
    {
        Not n => Push(n.Inner, !negate),
        And a => negate ? new Or(Push(a.Left, true), Push(a.Right, true)) : new And(Push(a.Left, false), Push(a.Right, false)),
        Or o => negate ? new And(Push(o.Left, true), Push(o.Right, true)) : new Or(Push(o.Left, false), Push(o.Right, false)),
        Comparison c when negate => c with { Op = c.Op == "eq" ? "ne" : "eq" },
        StartsWith when negate => throw GraphException.UnsupportedQuery(),
        InList l when negate => l.Values.Select(v => (Node)new Comparison(l.Property, "ne", v)).Aggregate((x, y) => new And(x, y)),
        _ => node,
    };

    private static List<List<QueryCondition>> Spread(Node node)
    {
        switch (node)
        {
            case Or o:
                {
                    var result = Spread(o.Left);
                    result.AddRange(Spread(o.Right));
                    return Bounded(result);
                }
            case And a:
                {
                    var left = Spread(a.Left);
                    var right = Spread(a.Right);
                    var result = new List<List<QueryCondition>>();
                    foreach (var l in left)
                        foreach (var r in right)
                        {
                            result.Add([.. l, .. r]);
                            Bounded(result);
                        }
                    return result;
                }
            case Comparison c:
                return [[Condition(c.Property, c.Op == "eq"
                    ? c.Value is null ? QueryOperator.IsEmpty : QueryOperator.Equals
                    : c.Value is null ? QueryOperator.IsNotEmpty : QueryOperator.NotEquals, c.Value ?? "")]];
            case StartsWith s:
                return [[Condition(s.Property, QueryOperator.StartsWith, s.Value)]];
            case InList l:
                // The encoded query's IN list is comma-separated, so a value holding a comma becomes its own term.
                if (l.Values.All(v => !v.Contains(',') && v.Length > 0))
                    return [[Condition(l.Property, QueryOperator.In, string.Join(",", l.Values))]];
                return Bounded(l.Values.Select(v => new List<QueryCondition> { Condition(l.Property, QueryOperator.Equals, v) }).ToList());
            default:
                throw new InvalidOperationException("Unexpected filter node.");
        }
    }

    private static List<List<QueryCondition>> Bounded(List<List<QueryCondition>> groups) =>
        groups.Count <= MaxGroups ? groups : throw GraphException.BadRequest("The filter is too complex: simplify its and/or combinations.");

    private static QueryCondition Condition(GraphProperty property, QueryOperator op, string value) =>
        new(property.Column, op, value) { Text = property.Name };

    // ---- tokens ---------------------------------------------------------------------------------------------

    private enum TokenKind { Name, String, Open, Close, Comma, Other }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            switch (c)
            {
                case '(': tokens.Add(new(TokenKind.Open, "(", i++)); continue;
                case ')': tokens.Add(new(TokenKind.Close, ")", i++)); continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", i++)); continue;
                case '\'':
                    {
                        var value = new System.Text.StringBuilder();
                        i++;
                        while (true)
                        {
                            if (i >= text.Length) throw Invalid($"unterminated string literal at position {start}.");
                            if (text[i] == '\'')
                            {
                                if (i + 1 < text.Length && text[i + 1] == '\'') { value.Append('\''); i += 2; continue; }
                                i++;
                                break;
                            }
                            value.Append(text[i++]);
                        }
                        tokens.Add(new(TokenKind.String, value.ToString(), start));
                        continue;
                    }
            }
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-' or '.' or '/')) i++;
                tokens.Add(new(TokenKind.Name, text[start..i], start));
                continue;
            }
            throw Invalid($"unexpected character '{c}' at position {i}.");
        }
        return tokens;
    }

    private sealed class Parser(List<Token> tokens, GraphType type)
    {
        private int _index;

        public bool AtEnd => _index >= tokens.Count;
        public int Position => AtEnd ? -1 : tokens[_index].Position;

        private Token? Peek => AtEnd ? null : tokens[_index];

        private bool IsKeyword(string keyword) =>
            Peek is { Kind: TokenKind.Name } t && string.Equals(t.Text, keyword, StringComparison.OrdinalIgnoreCase);

        private Token Next(string expected) =>
            AtEnd ? throw Invalid($"expected {expected} at the end of the filter.") : tokens[_index++];

        private void Expect(TokenKind kind, string expected)
        {
            var token = Next(expected);
            if (token.Kind != kind) throw Invalid($"expected {expected} at position {token.Position}.");
        }

        public Node ParseOr(int depth)
        {
            var left = ParseAnd(depth);
            while (IsKeyword("or"))
            {
                _index++;
                left = new Or(left, ParseAnd(depth));
            }
            return left;
        }

        private Node ParseAnd(int depth)
        {
            var left = ParseUnary(depth);
            while (IsKeyword("and"))
            {
                _index++;
                left = new And(left, ParseUnary(depth));
            }
            return left;
        }

        private Node ParseUnary(int depth)
        {
            if (depth > MaxDepth) throw Invalid("the filter nests too deeply.");
            if (IsKeyword("not"))
            {
                _index++;
                return new Not(ParseUnary(depth + 1));
            }
            if (Peek is { Kind: TokenKind.Open })
            {
                _index++;
                var inner = ParseOr(depth + 1);
                Expect(TokenKind.Close, "')'");
                return inner;
            }
            var name = Next("a property name");
            if (name.Kind != TokenKind.Name) throw Invalid($"expected a property name at position {name.Position}.");
            if (Peek is { Kind: TokenKind.Open })
            {
                if (!string.Equals(name.Text, "startswith", StringComparison.OrdinalIgnoreCase))
                    throw GraphException.UnsupportedQuery($"Unsupported Query: the function '{name.Text}' is not supported.");
                _index++;
                var property = Property(Next("a property name"));
                Expect(TokenKind.Comma, "','");
                var value = Literal(property, Next("a string"));
                Expect(TokenKind.Close, "')'");
                if (property.Kind != GraphValueKind.String || value is null)
                    throw GraphException.UnsupportedQuery("Unsupported Query: startswith takes a string property and a string.");
                return new StartsWith(property, value);
            }
            var target = Property(name);
            var op = Next("an operator");
            var opText = op.Text.ToLowerInvariant();
            switch (opText)
            {
                case "eq" or "ne" when op.Kind == TokenKind.Name:
                    return new Comparison(target, opText, Literal(target, Next("a value")));
                case "in" when op.Kind == TokenKind.Name:
                    {
                        Expect(TokenKind.Open, "'('");
                        var values = new List<string>();
                        while (true)
                        {
                            values.Add(Literal(target, Next("a value")) ?? throw Invalid("null is not allowed in an 'in' list."));
                            var separator = Next("',' or ')'");
                            if (separator.Kind == TokenKind.Close) break;
                            if (separator.Kind != TokenKind.Comma) throw Invalid($"expected ',' or ')' at position {separator.Position}.");
                        }
                        if (values.Count > 100) throw GraphException.BadRequest("Too many values in the 'in' list: use at most 100.");
                        return new InList(target, values);
                    }
                case "gt" or "ge" or "lt" or "le" or "has" or "endswith" or "any" or "all" when op.Kind == TokenKind.Name:
                    throw GraphException.UnsupportedQuery($"Unsupported Query: the operator '{op.Text}' is not supported on '{target.Name}'.");
                default:
                    throw Invalid($"expected an operator at position {op.Position}.");
            }
        }

        private GraphProperty Property(Token token)
        {
            if (token.Kind != TokenKind.Name) throw Invalid($"expected a property name at position {token.Position}.");
            var property = type.Find(token.Text);
            if (property is null)
                throw GraphException.BadRequest(
                    $"Property '{token.Text}' does not exist as a declared property or extension property.");
            if (!property.Filterable)
                throw GraphException.UnsupportedQuery($"Unsupported or invalid query filter clause specified for property '{property.Name}' of resource '{type.Name}'.");
            return property;
        }

        /// <summary>A literal as the wire value of the property's column; null for <c>null</c>.</summary>
        private static string? Literal(GraphProperty property, Token token)
        {
            if (token.Kind == TokenKind.Name && token.Text.Equals("null", StringComparison.OrdinalIgnoreCase)) return null;
            switch (property.Kind)
            {
                case GraphValueKind.Boolean:
                    if (token.Kind == TokenKind.Name && token.Text.Equals("true", StringComparison.OrdinalIgnoreCase)) return "true";
                    if (token.Kind == TokenKind.Name && token.Text.Equals("false", StringComparison.OrdinalIgnoreCase)) return "false";
                    throw Invalid($"'{property.Name}' takes true or false (position {token.Position}).");
                case GraphValueKind.Id:
                    if (token.Kind is TokenKind.Name or TokenKind.String && GraphIds.TryToSysId(token.Text, out var sysId)) return sysId;
                    throw GraphException.BadRequest($"Invalid object identifier '{token.Text}'.");
                case GraphValueKind.DateTime:
                    if (token.Kind == TokenKind.Name && DateTimeOffset.TryParse(token.Text, System.Globalization.CultureInfo.InvariantCulture,
                            System.Globalization.DateTimeStyles.AssumeUniversal, out var when))
                        return IdentityBridge.Storage.Schema.GlideDateTimes.Format(when);
                    throw Invalid($"'{property.Name}' takes a date-time such as 2025-01-31T00:00:00Z (position {token.Position}).");
                default:
                    if (token.Kind != TokenKind.String)
                        throw Invalid($"'{property.Name}' takes a string literal in single quotes (position {token.Position}).");
                    return token.Text;
            }
        }
    }
}
