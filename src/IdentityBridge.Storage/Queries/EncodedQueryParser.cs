using System.Text;

namespace IdentityBridge.Storage.Queries;

/// <summary>
/// Reads ServiceNow's encoded-query text. Terms are split on <c>^</c> (<c>^^</c> is a literal caret); a term
/// starting with <c>OR</c> continues the previous clause, <c>NQ</c> starts a new group, <c>EQ</c> ends the query.
/// Terms that are not <c>field OPERATOR value</c> are collected as invalid rather than failing the whole query.
/// </summary>
internal static class EncodedQueryParser
{
    // Longest first, so that NOT LIKE wins over LIKE and ISNOTEMPTY over IN.
    private static readonly (string Token, QueryOperator Operator)[] Operators =
    [
        ("GT_OR_EQUALS_FIELD", QueryOperator.GreaterThanOrEqualsField),
        ("LT_OR_EQUALS_FIELD", QueryOperator.LessThanOrEqualsField),
        ("EMPTYSTRING", QueryOperator.EmptyString),
        ("STARTSWITH", QueryOperator.StartsWith),
        ("ISNOTEMPTY", QueryOperator.IsNotEmpty),
        ("ENDSWITH", QueryOperator.EndsWith),
        ("GT_FIELD", QueryOperator.GreaterThanField),
        ("LT_FIELD", QueryOperator.LessThanField),
        ("NOT LIKE", QueryOperator.NotLike),
        ("ANYTHING", QueryOperator.Anything),
        ("ISEMPTY", QueryOperator.IsEmpty),
        ("BETWEEN", QueryOperator.Between),
        ("NSAMEAS", QueryOperator.NotSameAs),
        ("NOT IN", QueryOperator.NotIn),
        ("SAMEAS", QueryOperator.SameAs),
        ("LIKE", QueryOperator.Like),
        ("IN", QueryOperator.In),
        ("!=", QueryOperator.NotEquals),
        ("<=", QueryOperator.LessThanOrEquals),
        (">=", QueryOperator.GreaterThanOrEquals),
        ("!*", QueryOperator.NotLike),
        ("=", QueryOperator.Equals),
        ("<", QueryOperator.LessThan),
        (">", QueryOperator.GreaterThan),
        ("*", QueryOperator.Like),
        ("%", QueryOperator.EndsWith),
    ];

    private static readonly HashSet<QueryOperator> Unary =
        [QueryOperator.IsEmpty, QueryOperator.IsNotEmpty, QueryOperator.Anything, QueryOperator.EmptyString];

    public static EncodedQuery Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return EncodedQuery.Empty;

        var groups = new List<QueryGroup>();
        var order = new List<OrderTerm>();
        var invalid = new List<string>();
        var clauses = new List<QueryClause>();

        foreach (var (kind, term) in Split(text))
        {
            if (kind == Separator.NewQuery)
            {
                if (clauses.Count > 0) groups.Add(new QueryGroup(clauses));
                clauses = [];
                if (term.Length == 0) continue;
            }
            if (kind == Separator.End) break;
            if (term.Length == 0) continue;

            if (term.StartsWith("ORDERBYDESC", StringComparison.Ordinal))
            {
                AddOrder(term["ORDERBYDESC".Length..], descending: true);
                continue;
            }
            if (term.StartsWith("ORDERBY", StringComparison.Ordinal))
            {
                AddOrder(term["ORDERBY".Length..], descending: false);
                continue;
            }

            var condition = ParseCondition(term);
            if (condition is null)
            {
                invalid.Add(term);
                continue;
            }
            if (kind == Separator.Or && clauses.Count > 0)
                clauses[^1] = new QueryClause([.. clauses[^1].Alternatives, condition]);
            else
                clauses.Add(new QueryClause([condition]));
        }
        if (clauses.Count > 0) groups.Add(new QueryGroup(clauses));
        return new EncodedQuery(groups, order, invalid);

        void AddOrder(string field, bool descending)
        {
            field = field.Trim();
            if (IsFieldPath(field)) order.Add(new OrderTerm(field, descending));
            else invalid.Add((descending ? "ORDERBYDESC" : "ORDERBY") + field);
        }
    }

    private enum Separator { And, Or, NewQuery, End }

    private static IEnumerable<(Separator Kind, string Term)> Split(string text)
    {
        var term = new StringBuilder();
        var kind = Separator.And;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '^')
            {
                term.Append(c);
                i++;
                continue;
            }
            if (i + 1 < text.Length && text[i + 1] == '^')
            {
                term.Append('^');
                i += 2;
                continue;
            }
            yield return (kind, term.ToString());
            term.Clear();
            i++;
            if (Follows(text, i, "ORDERBY")) kind = Separator.And;
            else if (Follows(text, i, "OR")) { kind = Separator.Or; i += 2; }
            else if (Follows(text, i, "NQ")) { kind = Separator.NewQuery; i += 2; }
            else if (Follows(text, i, "EQ") && (i + 2 == text.Length || text[i + 2] == '^')) { kind = Separator.End; i += 2; }
            else kind = Separator.And;
        }
        yield return (kind, term.ToString());
    }

    private static bool Follows(string text, int at, string word) =>
        string.CompareOrdinal(text, at, word, 0, word.Length) == 0;

    private static QueryCondition? ParseCondition(string term)
    {
        var end = 0;
        while (end < term.Length && IsFieldChar(term[end])) end++;
        var field = term[..end];
        if (!IsFieldPath(field)) return null;

        foreach (var (token, op) in Operators)
        {
            if (!Follows(term, end, token)) continue;
            var value = term[(end + token.Length)..];
            if (Unary.Contains(op))
                return value.Length == 0 ? new QueryCondition(field, op, "") { Text = term } : null;
            // ServiceNow reads field=NULL as "is empty"; server-side JavaScript is never run here.
            if (value.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase)) return null;
            if (op == QueryOperator.Equals && value == "NULL")
                return new QueryCondition(field, QueryOperator.IsEmpty, "") { Text = term };
            if (op == QueryOperator.NotEquals && value == "NULL")
                return new QueryCondition(field, QueryOperator.IsNotEmpty, "") { Text = term };
            return new QueryCondition(field, op, value) { Text = term };
        }
        return null;
    }

    private static bool IsFieldChar(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.';

    internal static bool IsFieldPath(string field)
    {
        if (field.Length == 0 || field.Length > 400) return false;
        foreach (var part in field.Split('.'))
        {
            if (part.Length == 0 || !char.IsAsciiLetterLower(part[0])) return false;
            foreach (var c in part)
                if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_') return false;
        }
        return true;
    }
}
