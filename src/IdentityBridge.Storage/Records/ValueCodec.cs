using System.Globalization;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Records;

/// <summary>
/// Converts between the wire's string values (every value is a string in the Table API) and the stored values:
/// booleans as 0/1, integers as 64-bit numbers, date-times as UTC text in the wire format, the rest as text.
/// </summary>
internal static class ValueCodec
{
    public static bool TryParseBoolean(string value, out bool result)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes": result = true; return true;
            case "false" or "0" or "no": result = false; return true;
            default: result = false; return false;
        }
    }

    /// <summary>The stored form of a non-empty wire value, or null with a reason when the value does not fit.</summary>
    public static object? ToStored(ColumnDefinition column, string value, out string? error)
    {
        error = null;
        switch (column.Type)
        {
            case ColumnType.Boolean:
                if (TryParseBoolean(value, out var b)) return b ? 1L : 0L;
                error = $"'{value}' is not a boolean (true or false)";
                return null;
            case ColumnType.Integer:
                if (long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
                error = $"'{value}' is not an integer";
                return null;
            case ColumnType.GlideDateTime:
                if (GlideDateTimes.TryParse(value, out var dt)) return GlideDateTimes.Format(dt);
                error = $"'{value}' is not a date-time (yyyy-MM-dd HH:mm:ss, UTC)";
                return null;
            case ColumnType.SysId:
            case ColumnType.Reference:
                return value.Trim().ToLowerInvariant();
            default:
                return value;
        }
    }

    public static string? FromStored(ColumnDefinition column, object? stored)
    {
        if (stored is null or DBNull) return null;
        return column.Type switch
        {
            ColumnType.Boolean => Convert.ToInt64(stored, CultureInfo.InvariantCulture) != 0 ? "true" : "false",
            ColumnType.Integer => Convert.ToInt64(stored, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            ColumnType.Password => "********",
            _ => Convert.ToString(stored, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Reads one column of a result row as a wire value with the getter its stored type calls for: the untyped
    /// GetValue asks the provider for the column's declared type on every call, which dominates reading whole records.
    /// </summary>
    public static string? Read(System.Data.Common.DbDataReader reader, int ordinal, ColumnDefinition column)
    {
        if (reader.IsDBNull(ordinal)) return null;
        return column.Type switch
        {
            ColumnType.Boolean => reader.GetInt32(ordinal) != 0 ? "true" : "false",
            ColumnType.Integer => reader.GetInt64(ordinal).ToString(CultureInfo.InvariantCulture),
            ColumnType.Password => "********",
            _ => reader.GetString(ordinal),
        };
    }

    public static bool IsText(ColumnDefinition column) =>
        column.Type is ColumnType.String or ColumnType.Choice or ColumnType.SysId or ColumnType.Reference
            or ColumnType.GlideDateTime;
}
