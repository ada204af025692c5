using System.Globalization;
using System.Text;
using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Queries;

/// <summary>
/// Builds one SELECT over a root table: the LEFT JOINs that dot-walking needs (one per distinct reference path),
/// and the parameters. Values only ever travel as parameters; identifiers come from table definitions, whose
/// names are validated when defined.
/// </summary>
internal sealed class SqlBuilder
{
    public const string RootAlias = "t";

    private readonly Dictionary<string, (string Alias, TableDefinition Table)> _joins = new(StringComparer.Ordinal);
    private readonly StringBuilder _joinSql = new();

    public SqlBuilder(SqlDialect dialect, TableRegistry registry, TableDefinition root)
    {
        Dialect = dialect;
        Registry = registry;
        Root = root;
    }

    public SqlDialect Dialect { get; }
    public TableRegistry Registry { get; }
    public TableDefinition Root { get; }
    public List<KeyValuePair<string, object?>> Parameters { get; } = [];

    public string From => $"{SqlDialect.Quote(Root.Name)} {RootAlias}{_joinSql}";

    public string Param(object? value)
    {
        var name = "p" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
        Parameters.Add(new(name, value ?? DBNull.Value));
        return "@" + name;
    }

    /// <summary>
    /// SQLite joins at most 64 tables in one statement, so a query stops adding joins here. A reference field counts
    /// the join its display value may need (<see cref="AliasFor"/>).
    /// </summary>
    public const int MaxJoins = 60;

    /// <summary>
    /// The SQL expression of a field, joining the tables its path walks through; null when the path names no field,
    /// or when walking it would join more tables than <see cref="MaxJoins"/> allows (the field is then treated as
    /// unknown, as ServiceNow treats a field it cannot resolve).
    /// </summary>
    public (string Sql, FieldPath Path)? Field(string path)
    {
        var resolved = Registry.Resolve(Root, path);
        if (resolved is null) return null;
        var added = 0;
        var key = "";
        foreach (var hop in resolved.Hops)
        {
            key = key.Length == 0 ? hop.Name : key + "." + hop.Name;
            if (!_joins.ContainsKey(key)) added++;
        }
        var needed = added + (resolved.Column.Type == ColumnType.Reference ? 1 : 0);
        if (needed > 0 && _joins.Count + needed > MaxJoins) return null;
        var alias = AliasFor(resolved.Hops);
        return ($"{alias}.{SqlDialect.Quote(resolved.Column.Name)}", resolved);
    }

    /// <summary>The alias of the table reached by following the given reference columns from the root.</summary>
    public string AliasFor(IReadOnlyList<ColumnDefinition> hops)
    {
        var alias = RootAlias;
        var key = "";
        foreach (var hop in hops)
        {
            key = key.Length == 0 ? hop.Name : key + "." + hop.Name;
            if (!_joins.TryGetValue(key, out var join))
            {
                var table = Registry.Find(hop.ReferenceTable)!;
                join = ("j" + (_joins.Count + 1).ToString(CultureInfo.InvariantCulture), table);
                _joins[key] = join;
                _joinSql.Append(CultureInfo.InvariantCulture,
                    $" LEFT JOIN {SqlDialect.Quote(table.Name)} {join.Alias} ON {join.Alias}.\"sys_id\" = {alias}.{SqlDialect.Quote(hop.Name)}");
            }
            alias = join.Alias;
        }
        return alias;
    }
}
