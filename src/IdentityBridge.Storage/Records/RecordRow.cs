namespace IdentityBridge.Storage.Records;

/// <summary>
/// One record as read: wire values (strings, null for empty) keyed by field path, and the display values of the
/// reference fields among them.
/// </summary>
public sealed class RecordRow
{
    public RecordRow(Dictionary<string, string?> values, Dictionary<string, string?>? displayValues = null)
    {
        Values = values;
        DisplayValues = displayValues ?? new Dictionary<string, string?>(StringComparer.Ordinal);
    }

    public Dictionary<string, string?> Values { get; }
    public Dictionary<string, string?> DisplayValues { get; }

    public string SysId => Values["sys_id"]!;

    public string? this[string field] => Values.GetValueOrDefault(field);
}

public sealed record QueryResult(IReadOnlyList<RecordRow> Rows, IReadOnlyList<string> DroppedTerms, long? Total = null);

public enum WriteErrorKind
{
    /// <summary>A value does not fit its column; the request is at fault (400).</summary>
    InvalidValue,
    /// <summary>The write would break a unique key or a rule of the table; ServiceNow aborts it (403).</summary>
    Aborted,
    NotFound,
}

public sealed record WriteError(WriteErrorKind Kind, string Message, string Detail);

public sealed record WriteResult(RecordRow? Row, WriteError? Error)
{
    public bool Succeeded => Error is null;
    public static WriteResult Ok(RecordRow row) => new(row, null);
    public static WriteResult Deleted { get; } = new(null, null);
    public static WriteResult Fail(WriteErrorKind kind, string message, string detail) => new(null, new(kind, message, detail));
}

/// <summary>How a write is made: by whom (for sys_created_by and sys_updated_by) and how references are read.</summary>
public sealed record WriteOptions(string Actor, bool InputDisplayValue = false);
