namespace IdentityBridge.Storage.Queries;

/// <summary>The operators of ServiceNow's encoded-query grammar (spec/servicenow.md section 2).</summary>
public enum QueryOperator
{
    Equals,
    NotEquals,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    IsEmpty,
    IsNotEmpty,
    Anything,
    EmptyString,
    LessThan,
    LessThanOrEquals,
    GreaterThan,
    GreaterThanOrEquals,
    Between,
    SameAs,
    NotSameAs,
    GreaterThanField,
    LessThanField,
    GreaterThanOrEqualsField,
    LessThanOrEqualsField,
}

/// <summary>One <c>field OPERATOR value</c> term; <see cref="Field"/> may be dot-walked (<c>manager.user_name</c>).</summary>
public sealed record QueryCondition(string Field, QueryOperator Operator, string Value)
{
    /// <summary>The term as the client wrote it, for messages about dropped terms.</summary>
    public string Text { get; init; } = "";
}

/// <summary>Conditions joined by <c>^OR</c>: any one of them matches.</summary>
public sealed record QueryClause(IReadOnlyList<QueryCondition> Alternatives);

/// <summary>Clauses joined by <c>^</c>: all of them must match.</summary>
public sealed record QueryGroup(IReadOnlyList<QueryClause> Clauses);

public sealed record OrderTerm(string Field, bool Descending);

/// <summary>
/// A parsed encoded query: groups joined by <c>^NQ</c> (any group matches), the ORDERBY terms, and the terms that
/// could not be parsed, which ServiceNow drops (or, with <c>glide.invalid_query.returns_no_rows</c>, answers with
/// no rows).
/// </summary>
public sealed record EncodedQuery(IReadOnlyList<QueryGroup> Groups, IReadOnlyList<OrderTerm> Order,
    IReadOnlyList<string> InvalidTerms)
{
    public static EncodedQuery Empty { get; } = new([], [], []);

    public bool IsEmpty => Groups.Count == 0 && Order.Count == 0 && InvalidTerms.Count == 0;

    /// <summary>This query with a condition that every group must also meet (an ACL row filter, a name=value filter).</summary>
    public EncodedQuery And(QueryCondition condition)
    {
        var clause = new QueryClause([condition]);
        var groups = Groups.Count == 0
            ? [new QueryGroup([clause])]
            : Groups.Select(g => new QueryGroup([.. g.Clauses, clause])).ToList();
        return this with { Groups = groups };
    }

    public static EncodedQuery Parse(string? text) => EncodedQueryParser.Parse(text);

    /// <summary>A query built in code; the value is never parsed, so it may hold any character.</summary>
    public static EncodedQuery Where(string field, string value, QueryOperator op = QueryOperator.Equals) =>
        Empty.And(new QueryCondition(field, op, value) { Text = field });
}
