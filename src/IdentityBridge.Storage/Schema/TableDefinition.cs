using System.Collections.Frozen;

namespace IdentityBridge.Storage.Schema;

/// <summary>An index over one or more columns of a table.</summary>
public sealed record IndexDefinition(IReadOnlyList<string> Columns, bool Unique = false)
{
    public static IndexDefinition On(params string[] columns) => new(columns);
    public static IndexDefinition UniqueOn(params string[] columns) => new(columns, Unique: true);
}

/// <summary>
/// A table as ServiceNow's dictionary describes it: its columns (the sys_ audit columns are added to every table),
/// its display field and its indexes. SQL is generated from it.
/// </summary>
public sealed class TableDefinition
{
    public const string SysId = "sys_id";
    public const string CreatedOn = "sys_created_on";
    public const string CreatedBy = "sys_created_by";
    public const string UpdatedOn = "sys_updated_on";
    public const string UpdatedBy = "sys_updated_by";
    public const string ModCount = "sys_mod_count";

    public static IReadOnlyList<ColumnDefinition> SystemColumns { get; } =
    [
        new() { Name = SysId, Type = ColumnType.SysId, Label = "Sys ID", MaxLength = 32, ReadOnly = true },
        new() { Name = CreatedOn, Type = ColumnType.GlideDateTime, Label = "Created", ReadOnly = true },
        new() { Name = CreatedBy, Type = ColumnType.String, Label = "Created by", MaxLength = 40, ReadOnly = true },
        new() { Name = UpdatedOn, Type = ColumnType.GlideDateTime, Label = "Updated", ReadOnly = true },
        new() { Name = UpdatedBy, Type = ColumnType.String, Label = "Updated by", MaxLength = 40, ReadOnly = true },
        new() { Name = ModCount, Type = ColumnType.Integer, Label = "Updates", ReadOnly = true },
    ];

    private readonly FrozenDictionary<string, ColumnDefinition> _byName;

    public TableDefinition(string name, string label, string displayField, IEnumerable<ColumnDefinition> columns,
        IEnumerable<IndexDefinition>? indexes = null)
    {
        if (!Identifiers.IsValidTableName(name))
            throw new ArgumentException($"'{name}' is not a valid table name.", nameof(name));
        Name = name;
        Label = label;
        var all = new List<ColumnDefinition>(SystemColumns);
        foreach (var column in columns)
        {
            if (!Identifiers.IsValidColumnName(column.Name))
                throw new ArgumentException($"'{column.Name}' is not a valid column name.", nameof(columns));
            if (all.Any(c => c.Name == column.Name))
                throw new ArgumentException($"Column '{column.Name}' is defined twice on {name}.", nameof(columns));
            all.Add(column);
        }
        Columns = all;
        _byName = all.ToFrozenDictionary(c => c.Name, StringComparer.Ordinal);
        DisplayField = _byName.ContainsKey(displayField) ? displayField : SysId;
        Indexes = (indexes ?? []).ToList();
    }

    public string Name { get; }
    public string Label { get; }
    public string DisplayField { get; }
    public IReadOnlyList<ColumnDefinition> Columns { get; }
    public IReadOnlyList<IndexDefinition> Indexes { get; }

    public ColumnDefinition? Column(string name) => _byName.GetValueOrDefault(name);

    public bool HasColumn(string name) => _byName.ContainsKey(name);

    /// <summary>This table with one more column (a custom <c>u_</c> column added at run time).</summary>
    public TableDefinition WithColumn(ColumnDefinition column) =>
        new(Name, Label, DisplayField, Columns.Where(c => !SystemColumns.Contains(c)).Append(column), Indexes);
}
