using System.Collections.Concurrent;

namespace IdentityBridge.Storage.Schema;

/// <summary>The live set of table definitions of one store; custom columns replace a table's definition.</summary>
public sealed class TableRegistry
{
    private readonly ConcurrentDictionary<string, TableDefinition> _tables = new(StringComparer.Ordinal);

    public TableDefinition? Find(string? name) => name is null ? null : _tables.GetValueOrDefault(name);

    public IReadOnlyCollection<TableDefinition> All => _tables.Values.OrderBy(t => t.Name).ToList();

    internal void Set(TableDefinition table) => _tables[table.Name] = table;

    /// <summary>
    /// Follows a dot-walked path (<c>manager.department.name</c>) through reference columns. Returns null when a
    /// step is not a column, or a step before the last is not a reference to a known table.
    /// </summary>
    public FieldPath? Resolve(TableDefinition table, string path)
    {
        var parts = path.Split('.');
        var hops = new List<ColumnDefinition>(parts.Length - 1);
        var current = table;
        for (var i = 0; i < parts.Length; i++)
        {
            var column = current.Column(parts[i]);
            if (column is null) return null;
            if (i == parts.Length - 1) return new FieldPath(path, hops, column, current);
            if (column.Type != ColumnType.Reference) return null;
            var next = Find(column.ReferenceTable);
            if (next is null) return null;
            hops.Add(column);
            current = next;
        }
        return null;
    }
}

/// <summary>A resolved field: the reference columns walked through, and the column reached on <see cref="Table"/>.</summary>
public sealed record FieldPath(string Path, IReadOnlyList<ColumnDefinition> Hops, ColumnDefinition Column,
    TableDefinition Table)
{
    /// <summary>The path of the table that holds the column ("" for the root table, "manager" for manager.name).</summary>
    public string Prefix => Hops.Count == 0 ? "" : Path[..Path.LastIndexOf('.')];
}
