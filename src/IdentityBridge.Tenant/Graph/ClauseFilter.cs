using System.Text;

namespace IdentityBridge.Tenant.Graph;

/// <summary>One <c>property op value</c> comparison of a <c>$filter</c>; <see cref="Value"/> is unquoted.</summary>
internal sealed record FilterClause(string Property, string Operator, string Value);

/// <summary>
/// The <c>$filter</c> of resources that are not directory objects (sign-ins, role assignments): comparisons joined by
/// <c>and</c>, as Graph documents for them (<c>userPrincipalName eq 'a@b'</c>,
/// <c>createdDateTime ge 2025-06-01T00:00:00Z</c>). Each endpoint says which properties and operators it takes.
/// </summary>
internal static class ClauseFilter
{
    public static IReadOnlyList<FilterClause> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var clauses = new List<FilterClause>();
        var tokens = Tokens(text);
        var i = 0;
        while (i < tokens.Count)
        {
            if (i + 2 >= tokens.Count) throw Invalid(text);
            var (property, _) = tokens[i];
            var (op, _) = tokens[i + 1];
            var (value, _) = tokens[i + 2];
            clauses.Add(new FilterClause(property, op.ToLowerInvariant(), value));
            i += 3;
            if (i == tokens.Count) break;
            if (!tokens[i].Text.Equals("and", StringComparison.OrdinalIgnoreCase) || tokens[i].Quoted) throw Invalid(text);
            i++;
            if (i == tokens.Count) throw Invalid(text);
        }
        return clauses;
    }

    /// <summary>Words and quoted strings ('' inside quotes is one quote, as OData writes it).</summary>
    private static List<(string Text, bool Quoted)> Tokens(string text)
    {
        var tokens = new List<(string, bool)>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            if (text[i] == '\'')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw Invalid(text);
                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            value.Append('\'');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    value.Append(text[i++]);
                }
                tokens.Add((value.ToString(), true));
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            tokens.Add((text[start..i], false));
        }
        return tokens;
    }

    private static GraphException Invalid(string text) =>
        GraphException.BadRequest($"Invalid filter clause: '{text}'. Write comparisons such as property eq 'value', joined by 'and'.");

    public static GraphException Unsupported(FilterClause clause, string supported) =>
        GraphException.BadRequest($"Invalid filter clause: '{clause.Property} {clause.Operator}' is not supported here; use {supported}.");
}
