using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Records;

/// <summary>A list read: the filter, the page, the fields (dot-walks allowed) and whether to join display values.</summary>
public sealed record RecordQuery
{
    public required TableDefinition Table { get; init; }
    public EncodedQuery Query { get; init; } = EncodedQuery.Empty;
    /// <summary>Field paths to return; null returns every column of the table.</summary>
    public IReadOnlyList<string>? Fields { get; init; }
    public bool DisplayValues { get; init; }
    public int Limit { get; init; } = 10_000;
    public int Offset { get; init; }
    public bool IncludeTotal { get; init; }
    /// <summary><c>glide.invalid_query.returns_no_rows</c>: a query with a dropped term returns nothing.</summary>
    public bool InvalidQueryReturnsNoRows { get; init; }
}
