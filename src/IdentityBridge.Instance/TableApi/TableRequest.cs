using System.Globalization;
using IdentityBridge.Storage.Queries;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.TableApi;

public enum DisplayMode
{
    Raw,
    Display,
    All,
}

/// <summary>The <c>sysparm_*</c> parameters of a Table API request (spec/servicenow.md 1.2).</summary>
public sealed record TableRequest
{
    public const int DefaultLimit = 10_000;
    public const int MaxLimit = 10_000;

    // SQLite refuses a WHERE nested deeper than 1000 terms and an ORDER BY of more than 2000 keys; no real client
    // comes near these bounds, which keep every query well inside both.
    public const int MaxConditions = 500;
    public const int MaxOrderTerms = 100;

    public EncodedQuery Query { get; init; } = EncodedQuery.Empty;
    public IReadOnlyList<string>? Fields { get; init; }
    public int Limit { get; init; } = DefaultLimit;
    public int Offset { get; init; }
    public DisplayMode Display { get; init; }
    public bool ExcludeReferenceLink { get; init; }
    public bool SuppressPaginationHeader { get; init; }
    public bool NoCount { get; init; }
    public bool InputDisplayValue { get; init; }

    private static readonly HashSet<string> Known =
    [
        "sysparm_query", "sysparm_fields", "sysparm_limit", "sysparm_offset", "sysparm_display_value",
        "sysparm_exclude_reference_link", "sysparm_suppress_pagination_header", "sysparm_no_count",
        "sysparm_input_display_value", "sysparm_view", "sysparm_query_no_domain", "sysparm_query_category",
        "sysparm_count", "sysparm_group_by", "sysparm_having", "sysparm_order_by",
    ];

    public static (TableRequest? Request, ApiError? Error) From(IQueryCollection query)
    {
        var text = query["sysparm_query"].ToString();
        if (text.Length > 64 * 1024)
            return (null, ApiError.BadRequest("Invalid query", "sysparm_query is longer than 65536 characters"));
        var encoded = EncodedQuery.Parse(text);
        // Counted as they are added: a pair joins every ^NQ group, so pairs times groups could otherwise grow the
        // query without bound.
        var conditions = encoded.Groups.Sum(g => g.Clauses.Sum(c => c.Alternatives.Count));
        // name=value pairs filter like sysparm_query terms (and accept display values for references).
        foreach (var (name, values) in query)
        {
            if (name.StartsWith("sysparm_", StringComparison.Ordinal) || Known.Contains(name)) continue;
            foreach (var value in values)
            {
                conditions += Math.Max(1, encoded.Groups.Count);
                if (conditions > MaxConditions) break;
                encoded = encoded.And(new QueryCondition(name, QueryOperator.Equals, value ?? "") { Text = name + "=" + value });
            }
        }
        if (conditions > MaxConditions || encoded.Order.Count > MaxOrderTerms)
            return (null, ApiError.BadRequest("Invalid query",
                $"A query may hold at most {MaxConditions} conditions (sysparm_query terms and name=value pairs, counted once per ^NQ group) and {MaxOrderTerms} ORDERBY terms"));

        var limit = DefaultLimit;
        if (query["sysparm_limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && !TryClamp(limitText, out limit))
                return (null, ApiError.BadRequest("Invalid value for sysparm_limit", $"'{Short(limitText)}' is not a whole number of records"));
            limit = Math.Min(limit, MaxLimit);
        }
        var offset = 0;
        if (query["sysparm_offset"].ToString() is { Length: > 0 } offsetText &&
            !int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            return (null, ApiError.BadRequest("Invalid value for sysparm_offset", $"'{Short(offsetText)}' is not a whole number of records; the offset must not be negative"));

        var display = query["sysparm_display_value"].ToString().ToLowerInvariant() switch
        {
            "" or "false" => DisplayMode.Raw,
            "true" => DisplayMode.Display,
            "all" => DisplayMode.All,
            _ => (DisplayMode?)null,
        };
        if (display is null)
            return (null, ApiError.BadRequest("Invalid value for sysparm_display_value", "use true, false or all"));

        IReadOnlyList<string>? fields = null;
        if (query["sysparm_fields"].ToString() is { Length: > 0 } fieldText)
            fields = fieldText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(f => f.Length <= 400).Take(500).ToList();

        return (new TableRequest
        {
            Query = encoded,
            Fields = fields,
            Limit = limit,
            Offset = offset,
            Display = display.Value,
            ExcludeReferenceLink = Flag(query, "sysparm_exclude_reference_link"),
            SuppressPaginationHeader = Flag(query, "sysparm_suppress_pagination_header"),
            NoCount = Flag(query, "sysparm_no_count"),
            InputDisplayValue = Flag(query, "sysparm_input_display_value"),
        }, null);
    }

    // A limit beyond int range is still a valid request for "everything": clamp it.
    private static bool TryClamp(string text, out int limit)
    {
        limit = MaxLimit;
        return text.Length > 0 && text.All(char.IsAsciiDigit);
    }

    private static bool Flag(IQueryCollection query, string name) =>
        string.Equals(query[name].ToString(), "true", StringComparison.OrdinalIgnoreCase);

    private static string Short(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
