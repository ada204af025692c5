using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The workload's operations straight on the <see cref="Store"/>, asked the way the Table API asks them (the query
/// parsed from its encoded form, every column, the total counted as for X-Total-Count), so that HTTP over direct
/// is the cost of the HTTP layer: Kestrel, authentication, JSON and the client.
/// </summary>
internal sealed class StoreOperations(Store store, UserWorkload workload)
{
    private static readonly WriteOptions Writer = new("bench");
    private readonly TableDefinition _users = store.Tables.Find(InstanceTables.User)!;

    public async ValueTask<string?> LookupAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var userName = workload.LookupUserName(worker);
        var result = await store.QueryAsync(new RecordQuery
        {
            Table = _users,
            Query = EncodedQuery.Parse("user_name=" + userName),
            Limit = 1,
            IncludeTotal = true,
        }, cancellationToken);
        if (result.Rows.Count != 1) return $"user_name={userName} returned {result.Rows.Count} results instead of 1";
        return result.Rows[0]["user_name"] == userName ? null : $"user_name={userName} returned another user";
    }

    public async ValueTask<string?> CreateAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var result = await store.InsertAsync(_users, workload.NewUser(worker, "direct"), Writer, cancellationToken);
        return result.Succeeded ? null : $"{result.Error!.Message}: {result.Error.Detail}";
    }

    public async ValueTask<string?> ListPageAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var offset = workload.PageOffset(worker);
        var result = await store.QueryAsync(new RecordQuery
        {
            Table = _users,
            Query = EncodedQuery.Parse(workload.PageQuery),
            Limit = UserWorkload.PageSize,
            Offset = offset,
            IncludeTotal = true,
        }, cancellationToken);
        var expected = workload.PageRows(offset);
        return result.Rows.Count == expected ? null : $"the page at offset {offset} held {result.Rows.Count} rows instead of {expected}";
    }
}
