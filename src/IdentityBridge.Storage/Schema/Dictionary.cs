using System.Globalization;
using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Sessions;

namespace IdentityBridge.Storage.Schema;

/// <summary>
/// <c>sys_dictionary</c>: one row per column of every table. Inserting a row with a <c>u_</c> element adds that
/// column to the table at run time, as an admin does in ServiceNow; deleting it drops the column.
/// </summary>
internal static class Dictionary
{
    public const string Table = "sys_dictionary";

    public static TableDefinition Definition { get; } = new(Table, "Dictionary Entry", "column_label",
    [
        ColumnDefinition.String("name", "Table", 80),
        ColumnDefinition.String("element", "Column name", 80),
        ColumnDefinition.String("column_label", "Column label", 80),
        ColumnDefinition.String("internal_type", "Type", 40),
        ColumnDefinition.Integer("max_length", "Max length"),
        ColumnDefinition.String("reference", "Reference", 80),
        ColumnDefinition.Boolean("mandatory", "Mandatory"),
        ColumnDefinition.Boolean("read_only", "Read only"),
        ColumnDefinition.Boolean("active", "Active", defaultValue: true),
        ColumnDefinition.String("default_value", "Default value", 255),
        ColumnDefinition.Boolean("display", "Display"),
    ], [IndexDefinition.UniqueOn("name", "element")]);

    private const int MaxCustomLength = 65_000;

    private static Dictionary<string, string?> RowFor(TableDefinition table, ColumnDefinition column) => new()
    {
        ["name"] = table.Name,
        ["element"] = column.Name,
        ["column_label"] = column.DisplayLabel,
        ["internal_type"] = column.Type.InternalName(),
        ["max_length"] = column.MaxLength.ToString(CultureInfo.InvariantCulture),
        ["reference"] = column.ReferenceTable,
        ["mandatory"] = column.Mandatory ? "true" : "false",
        ["read_only"] = column.ReadOnly ? "true" : "false",
        ["active"] = "true",
        ["default_value"] = column.DefaultValue,
        ["display"] = table.DisplayField == column.Name ? "true" : "false",
    };

    /// <summary>Writes the rows of built-in columns that the dictionary does not list yet.</summary>
    public static async Task SeedAsync(Store store, Session session, CancellationToken cancellationToken)
    {
        var present = new HashSet<(string, string)>();
        await using (var reader = await session.Command("SELECT \"name\", \"element\" FROM \"sys_dictionary\"", []).ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                present.Add((reader.GetString(0), reader.GetString(1)));
        }
        var system = new WriteOptions("system");
        foreach (var table in store.Tables.All)
        foreach (var column in table.Columns)
        {
            if (present.Contains((table.Name, column.Name))) continue;
            await store.InsertRecordAsync(Definition, RowFor(table, column), system, cancellationToken);
        }
    }

    public static async Task LoadCustomColumnsAsync(Store store, Session session, CancellationToken cancellationToken)
    {
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = Definition,
            Query = EncodedQuery.Where("element", "u_", QueryOperator.StartsWith),
            Limit = 100_000,
        }, cancellationToken);
        foreach (var row in rows.Rows)
        {
            var table = store.Tables.Find(row["name"]);
            if (table is null || !Identifiers.IsValidCustomColumnName(row["element"]) || table.HasColumn(row["element"]!)) continue;
            var column = ColumnFrom(row.Values, row["element"]!);
            if (column is null) continue;
            var existing = await store.Dialect.ExistingColumnsAsync(session.Connection, table.Name, cancellationToken);
            if (!existing.Contains(column.Name)) await store.AddColumnAsync(session, table, column, cancellationToken);
            store.Tables.Set(table.WithColumn(column));
        }
    }

    private static ColumnDefinition? ColumnFrom(IReadOnlyDictionary<string, string?> values, string element)
    {
        var typeName = values.GetValueOrDefault("internal_type");
        var type = ColumnType.String;
        if (!string.IsNullOrWhiteSpace(typeName) && !ColumnTypes.TryParseInternalName(typeName, out type)) return null;
        var maxLength = 255;
        if (values.GetValueOrDefault("max_length") is { Length: > 0 } lengthText &&
            (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out maxLength) ||
             maxLength < 1 || maxLength > MaxCustomLength))
            return null;
        return new ColumnDefinition
        {
            Name = element,
            Type = type,
            Label = values.GetValueOrDefault("column_label") is { Length: > 0 } label ? label : element,
            MaxLength = type == ColumnType.Reference ? 32 : maxLength,
            ReferenceTable = type == ColumnType.Reference ? values.GetValueOrDefault("reference")?.Trim() : null,
            DefaultValue = values.GetValueOrDefault("default_value") is { Length: > 0 } d ? d : null,
            Custom = true,
        };
    }

    public static async Task<WriteResult> InsertAsync(Store store, IReadOnlyDictionary<string, string?> values,
        WriteOptions options, CancellationToken cancellationToken)
    {
        var tableName = values.GetValueOrDefault("name")?.Trim();
        var element = values.GetValueOrDefault("element")?.Trim();
        var table = store.Tables.Find(tableName);
        if (table is null)
            return Invalid("name", $"'{tableName}' is not a table; give the table to add the column to in 'name'");
        if (string.IsNullOrEmpty(element))
            return Invalid("element", "give the new column's name in 'element'");
        if (table.HasColumn(element))
            return WriteResult.Fail(WriteErrorKind.Aborted, "Operation Failed",
                $"Error during insert of sys_dictionary: {table.Name} already has a column '{element}'");
        if (!Identifiers.IsValidCustomColumnName(element))
            return Invalid("element", $"'{element}' is not a custom column name: it must start with u_ and hold only lowercase letters, digits and underscores (at most 80 characters)");
        var typeName = values.GetValueOrDefault("internal_type");
        if (!string.IsNullOrWhiteSpace(typeName) && !ColumnTypes.TryParseInternalName(typeName, out _))
            return Invalid("internal_type", $"'{typeName}' is not a type; use string, boolean, integer, glide_date_time, reference, choice or password");
        var column = ColumnFrom(values, element);
        if (column is null)
            return Invalid("max_length", $"max_length must be a whole number from 1 to {MaxCustomLength}");
        if (column.Type == ColumnType.Reference && store.Tables.Find(column.ReferenceTable) is null)
            return Invalid("reference", $"'{column.ReferenceTable}' is not a table; a reference column names the table it refers to in 'reference'");
        if (column.DefaultValue is { } defaultValue && column.Type != ColumnType.Reference &&
            ValueCodec.ToStored(column, defaultValue, out var problem) is var _ && problem is not null)
            return Invalid("default_value", problem);

        // The row first: a row the dictionary refuses (an overlong label) must not leave a column behind. Should
        // the ALTER fail instead, the row stays and the next start adds the column it describes.
        var row = await store.InsertRecordAsync(Definition, RowFor(table, column), options, cancellationToken);
        if (!row.Succeeded) return row;
        await store.AlterAsync(
            $"ALTER TABLE {SqlDialect.Quote(table.Name)} ADD COLUMN {SqlDialect.Quote(column.Name)} {store.Dialect.SqlType(column)}",
            cancellationToken);
        store.Tables.Set(table.WithColumn(column));
        return row;

        static WriteResult Invalid(string field, string problem) =>
            WriteResult.Fail(WriteErrorKind.InvalidValue, "Invalid value for field: " + field, "sys_dictionary." + field + ": " + problem);
    }

    public static async Task<WriteResult> DeleteAsync(Store store, string sysId, CancellationToken cancellationToken)
    {
        var row = await store.GetAsync(Definition, sysId, cancellationToken: cancellationToken);
        if (row is null) return await store.DeleteRecordAsync(Definition, sysId, cancellationToken);
        var table = store.Tables.Find(row["name"]);
        var element = row["element"];
        if (table?.Column(element ?? "") is { } column)
        {
            if (!column.Custom)
                return WriteResult.Fail(WriteErrorKind.Aborted, "Operation Failed",
                    $"Error during delete of sys_dictionary: {table.Name}.{element} is a built-in column and cannot be removed");
            await store.AlterAsync($"ALTER TABLE {SqlDialect.Quote(table.Name)} DROP COLUMN {SqlDialect.Quote(column.Name)}",
                cancellationToken);
            store.Tables.Set(new TableDefinition(table.Name, table.Label, table.DisplayField,
                table.Columns.Where(c => c.Name != column.Name && !TableDefinition.SystemColumns.Contains(c)), table.Indexes));
        }
        return await store.DeleteRecordAsync(Definition, sysId, cancellationToken);
    }
}
