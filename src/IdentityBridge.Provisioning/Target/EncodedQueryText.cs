using System.Text;

namespace IdentityBridge.Provisioning.Target;

/// <summary>
/// Writes encoded queries (spec/servicenow.md 2) from values the connector does not control: user names, e-mail
/// addresses and group names that may hold the query's own separators.
/// </summary>
internal static class EncodedQueryText
{
    /// <summary>
    /// A value inside a term: ServiceNow's only escape is <c>^^</c> for a literal caret
    /// (GlideStringUtil.escapeQueryTermSeparator); the instance's parser reads it the same way.
    /// </summary>
    public static string Escape(string value) => value.Replace("^", "^^", StringComparison.Ordinal);

    /// <summary>
    /// Whether a value can be one item of a <c>fieldINa,b,c</c> list. There is no escape for a comma, and the caret,
    /// the equals sign and line breaks are kept out so that no parser can read the list as more than one term.
    /// Surrounding spaces are kept out too: a list item may be trimmed, and would then match another value.
    /// </summary>
    public static bool CanGoInList(string value) =>
        value.Length > 0 && value.Trim().Length == value.Length && !StartsWithScript(value) &&
        value.IndexOfAny([',', '^', '=', '\n', '\r', '\0']) < 0;

    /// <summary>
    /// Whether <c>field=value</c> finds exactly this value. An empty value reads as "is empty", <c>NULL</c> as
    /// "is empty" too, and a <c>javascript:</c> value is script that the instance refuses (and would then drop the
    /// term, answering every row); U+0000 is never stored.
    /// </summary>
    public static bool CanStandAlone(string value) =>
        value.Length > 0 && value != "NULL" && !StartsWithScript(value) && !value.Contains('\0');

    private static bool StartsWithScript(string value) =>
        value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase);

    /// <summary>A table or field name as ServiceNow spells them: lowercase words joined by dots for dot-walking.</summary>
    public static bool IsName(string name)
    {
        if (name.Length is 0 or > 200) return false;
        foreach (var part in name.Split('.'))
        {
            if (part.Length == 0 || !char.IsAsciiLetterLower(part[0])) return false;
            foreach (var c in part)
                if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_') return false;
        }
        return true;
    }

    /// <summary>Whether the query sorts itself (keyset paging on sys_id would then skip rows).</summary>
    public static bool HasOrder(string? query) =>
        query is not null && Terms(query).Any(t => t.Term.StartsWith("ORDERBY", StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="term"/> AND <paramref name="query"/>. <c>^</c> binds tighter than <c>^NQ</c>, so the term is
    /// repeated in every <c>^NQ</c> group; appended once it would narrow only the first group.
    /// </summary>
    public static string And(string term, string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return term;
        var groups = new List<StringBuilder> { new() };
        foreach (var (separator, text) in Terms(query))
        {
            if (separator == "^NQ") groups.Add(new StringBuilder());
            var group = groups[^1];
            if (text.Length == 0) continue;
            // A leading OR would join the added term as an alternative, which widens instead of narrowing.
            group.Append(group.Length == 0 || separator is "^NQ" ? "^" : separator).Append(Escape(text));
        }
        return string.Join("^NQ", groups.Select(g => term + g));
    }

    /// <summary>The terms of a query with the separator before each (<c>^</c>, <c>^OR</c>, <c>^NQ</c>), unescaped.</summary>
    private static IEnumerable<(string Separator, string Term)> Terms(string query)
    {
        var term = new StringBuilder();
        var separator = "^";
        for (var i = 0; i < query.Length; i++)
        {
            if (query[i] != '^')
            {
                term.Append(query[i]);
                continue;
            }
            if (i + 1 < query.Length && query[i + 1] == '^')
            {
                term.Append('^');
                i++;
                continue;
            }
            yield return (separator, term.ToString());
            term.Clear();
            separator = "^";
            if (string.CompareOrdinal(query, i + 1, "ORDERBY", 0, 7) == 0) continue;
            if (string.CompareOrdinal(query, i + 1, "OR", 0, 2) == 0) { separator = "^OR"; i += 2; }
            else if (string.CompareOrdinal(query, i + 1, "NQ", 0, 2) == 0) { separator = "^NQ"; i += 2; }
        }
        yield return (separator, term.ToString());
    }
}
