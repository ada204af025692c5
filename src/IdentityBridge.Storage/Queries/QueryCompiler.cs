using System.Text;
using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Queries;

/// <summary>
/// Compiles an <see cref="EncodedQuery"/> into a WHERE clause and ORDER BY list on a <see cref="SqlBuilder"/>.
/// Terms that name no field, or whose value does not fit the field's type, are dropped as ServiceNow drops them;
/// a group left without conditions matches every row, which is ServiceNow's behaviour too.
/// </summary>
internal sealed class QueryCompiler(SqlBuilder sql)
{
    private const int MaxInValues = 5000;

    public List<string> Dropped { get; } = [];

    public string? Where(EncodedQuery query)
    {
        Dropped.AddRange(query.InvalidTerms);
        var groups = new List<string>();
        foreach (var group in query.Groups)
        {
            var clauses = new List<string>();
            foreach (var clause in group.Clauses)
            {
                var alternatives = new List<string>();
                foreach (var condition in clause.Alternatives)
                {
                    var compiled = Condition(condition);
                    if (compiled is null) Dropped.Add(condition.Text.Length > 0 ? condition.Text : condition.Field);
                    else alternatives.Add(compiled);
                }
                if (alternatives.Count == 1) clauses.Add(alternatives[0]);
                else if (alternatives.Count > 1) clauses.Add("(" + string.Join(" OR ", alternatives) + ")");
            }
            // A group whose every term was dropped matches every row.
            if (clauses.Count == 0) return null;
            groups.Add(string.Join(" AND ", clauses));
        }
        return groups.Count switch
        {
            0 => null,
            1 => groups[0],
            _ => string.Join(" OR ", groups.Select(g => "(" + g + ")")),
        };
    }

    public string OrderBy(EncodedQuery query)
    {
        var terms = new List<string>();
        foreach (var term in query.Order)
        {
            var field = sql.Field(term.Field);
            if (field is null || field.Value.Path.Column.Type == ColumnType.Password)
            {
                Dropped.Add((term.Descending ? "ORDERBYDESC" : "ORDERBY") + term.Field);
                continue;
            }
            // Text sorts whatever its case and empty values sort first, as on ServiceNow and alike on both
            // databases: PostgreSQL would otherwise follow its collation (case first under "C") and put NULLs last.
            var (expression, path) = field.Value;
            var column = path.Column;
            // A reference sorts by the display value of the record it points to, as lists do on ServiceNow.
            if (column.Type == ColumnType.Reference && sql.Registry.Find(column.ReferenceTable) is { } target &&
                target.DisplayField != TableDefinition.SysId)
            {
                column = target.Column(target.DisplayField)!;
                expression = $"{sql.AliasFor([.. path.Hops, path.Column])}.{SqlDialect.Quote(column.Name)}";
            }
            var key = SqlDialect.IsFolded(column) ? sql.Dialect.Fold(expression) : expression;
            terms.Add(key + (term.Descending ? " DESC NULLS LAST" : " NULLS FIRST"));
        }
        // A final key keeps pages stable when the ordered values repeat.
        terms.Add(sql.Dialect.DefaultOrder(SqlBuilder.RootAlias));
        return string.Join(", ", terms);
    }

    private string? Condition(QueryCondition condition)
    {
        var resolved = sql.Field(condition.Field);
        if (resolved is null) return null;
        var (left, path) = resolved.Value;
        var column = path.Column;
        if (column.Type == ColumnType.Password) return null;
        // No stored value holds U+0000 (writes refuse it; PostgreSQL cannot even take it as a parameter), so a value
        // with one matches nothing and its negation everything.
        if (condition.Value.Contains('\0'))
            return condition.Operator is QueryOperator.NotEquals or QueryOperator.NotLike or QueryOperator.NotIn ? "1=1" : "1=0";

        // A reference compared with something that is not a sys_id compares its display value, as name=value
        // filters do on ServiceNow.
        if (column.Type == ColumnType.Reference && condition.Operator is QueryOperator.Equals or QueryOperator.NotEquals
                or QueryOperator.In or QueryOperator.NotIn or QueryOperator.Like or QueryOperator.NotLike
                or QueryOperator.StartsWith or QueryOperator.EndsWith
            && condition.Value.Length > 0 && !AllSysIds(condition))
        {
            var target = sql.Registry.Find(column.ReferenceTable);
            if (target is null || target.DisplayField == TableDefinition.SysId) return null;
            return Condition(condition with { Field = condition.Field + "." + target.DisplayField });
        }

        var folded = SqlDialect.IsFolded(column);
        var l = folded ? sql.Dialect.Fold(left) : left;
        var text = ValueCodec.IsText(column);
        var dialect = sql.Dialect;

        switch (condition.Operator)
        {
            case QueryOperator.Anything:
                return "1=1";
            case QueryOperator.IsEmpty:
                return text ? $"({left} IS NULL OR {left} = '')" : $"{left} IS NULL";
            case QueryOperator.IsNotEmpty:
                return text ? $"({left} IS NOT NULL AND {left} <> '')" : $"{left} IS NOT NULL";
            case QueryOperator.EmptyString:
                return text ? $"{left} = ''" : null;
            case QueryOperator.Equals:
                if (condition.Value.Length == 0) goto case QueryOperator.IsEmpty;
                return Compare("=");
            case QueryOperator.NotEquals:
                if (condition.Value.Length == 0) goto case QueryOperator.IsNotEmpty;
                var ne = Compare("<>");
                return ne is null ? null : $"({ne} OR {left} IS NULL)";
            case QueryOperator.LessThan: return Compare("<");
            case QueryOperator.LessThanOrEquals: return Compare("<=");
            case QueryOperator.GreaterThan: return Compare(">");
            case QueryOperator.GreaterThanOrEquals: return Compare(">=");
            case QueryOperator.Like: return Like("%" + Escape(condition.Value) + "%", negate: false);
            case QueryOperator.NotLike: return Like("%" + Escape(condition.Value) + "%", negate: true);
            case QueryOperator.StartsWith: return Like(Escape(condition.Value) + "%", negate: false);
            case QueryOperator.EndsWith: return Like("%" + Escape(condition.Value), negate: false);
            case QueryOperator.In:
            case QueryOperator.NotIn:
            {
                var items = condition.Value.Split(',');
                if (items.Length > MaxInValues) return null;
                var parameters = new List<string>();
                foreach (var item in items)
                {
                    if (item.Length == 0) continue;
                    var stored = ValueCodec.ToStored(column, item, out var error);
                    if (error is not null) continue;
                    parameters.Add(Right(stored));
                }
                if (parameters.Count == 0) return null;
                var list = string.Join(", ", parameters);
                return condition.Operator == QueryOperator.In
                    ? $"{l} IN ({list})"
                    : $"({l} NOT IN ({list}) OR {left} IS NULL)";
            }
            case QueryOperator.Between:
            {
                var at = condition.Value.IndexOf('@');
                if (at < 0) return null;
                var low = ValueCodec.ToStored(column, condition.Value[..at], out var e1);
                var high = ValueCodec.ToStored(column, condition.Value[(at + 1)..], out var e2);
                if (e1 is not null || e2 is not null || low is null || high is null) return null;
                return $"({l} >= {Right(low)} AND {l} <= {Right(high)})";
            }
            case QueryOperator.SameAs:
            case QueryOperator.NotSameAs:
            case QueryOperator.GreaterThanField:
            case QueryOperator.LessThanField:
            case QueryOperator.GreaterThanOrEqualsField:
            case QueryOperator.LessThanOrEqualsField:
            {
                // The date form "a SAMEAS b@day" compares whole values here.
                var otherPath = condition.Value.Split('@')[0];
                var other = sql.Field(otherPath);
                if (other is null || other.Value.Path.Column.Type == ColumnType.Password) return null;
                var r = folded && SqlDialect.IsFolded(other.Value.Path.Column) ? dialect.Fold(other.Value.Sql) : other.Value.Sql;
                return condition.Operator switch
                {
                    QueryOperator.SameAs => $"{l} = {r}",
                    QueryOperator.NotSameAs => dialect.IsDistinctFrom(l, r),
                    QueryOperator.GreaterThanField => $"{l} > {r}",
                    QueryOperator.LessThanField => $"{l} < {r}",
                    QueryOperator.GreaterThanOrEqualsField => $"{l} >= {r}",
                    _ => $"{l} <= {r}",
                };
            }
            default:
                return null;
        }

        string? Compare(string op)
        {
            var stored = ValueCodec.ToStored(column, condition.Value, out var error);
            if (error is not null || stored is null) return null;
            return $"{l} {op} {Right(stored)}";
        }

        string Right(object? stored)
        {
            var p = sql.Param(stored);
            return folded ? dialect.Fold(p) : p;
        }

        string? Like(string pattern, bool negate)
        {
            if (!text) return null;
            var p = sql.Param(pattern);
            var r = folded ? dialect.Fold(p) : p;
            // Keys are lowercase hex; fold the pattern so that LIKE matches them whatever the case.
            if (column.Type == ColumnType.SysId)
            {
                sql.Parameters[^1] = new(sql.Parameters[^1].Key, pattern.ToLowerInvariant());
            }
            var like = $"{l} LIKE {r} ESCAPE '\\'";
            return negate ? $"({l} NOT LIKE {r} ESCAPE '\\' OR {left} IS NULL)" : like;
        }
    }

    /// <summary>True when the value names records by sys_id; LIKE-style operators always search the display value.</summary>
    private static bool AllSysIds(QueryCondition condition) => condition.Operator switch
    {
        QueryOperator.In or QueryOperator.NotIn =>
            condition.Value.Split(',').All(v => v.Length == 0 || SysIds.IsSysId(v.Trim().ToLowerInvariant())),
        QueryOperator.Equals or QueryOperator.NotEquals => SysIds.IsSysId(condition.Value.Trim().ToLowerInvariant()),
        _ => false,
    };

    private static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '\\' or '%' or '_') builder.Append('\\');
            builder.Append(c);
        }
        return builder.ToString();
    }
}
