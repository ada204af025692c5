namespace IdentityBridge.Storage.Schema;

/// <summary>The internal types of ServiceNow's dictionary that the table layer stores.</summary>
public enum ColumnType
{
    /// <summary>The 32-hex sys_id key (GUID in the dictionary).</summary>
    SysId,
    String,
    Boolean,
    Integer,
    /// <summary><c>glide_date_time</c>: UTC, <c>yyyy-MM-dd HH:mm:ss</c>; stored as text so that order is chronological.</summary>
    GlideDateTime,
    Reference,
    Choice,
    /// <summary>A one-way password: written as plain text, stored as a slow hash, never read back.</summary>
    Password,
}

public static class ColumnTypes
{
    /// <summary>The name ServiceNow's dictionary gives the type (<c>sys_dictionary.internal_type</c>).</summary>
    public static string InternalName(this ColumnType type) => type switch
    {
        ColumnType.SysId => "GUID",
        ColumnType.String => "string",
        ColumnType.Boolean => "boolean",
        ColumnType.Integer => "integer",
        ColumnType.GlideDateTime => "glide_date_time",
        ColumnType.Reference => "reference",
        ColumnType.Choice => "choice",
        ColumnType.Password => "password",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParseInternalName(string? name, out ColumnType type)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "string": type = ColumnType.String; return true;
            case "boolean": type = ColumnType.Boolean; return true;
            case "integer": type = ColumnType.Integer; return true;
            case "glide_date_time": type = ColumnType.GlideDateTime; return true;
            case "reference": type = ColumnType.Reference; return true;
            case "choice": type = ColumnType.Choice; return true;
            case "password": type = ColumnType.Password; return true;
            default: type = ColumnType.String; return false;
        }
    }
}
