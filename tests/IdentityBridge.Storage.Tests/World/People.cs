using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Testing.Stores;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Storage.Tests.World;

/// <summary>
/// A store holding <see cref="PeopleTables"/> on a database of its own, on a pinned clock, with the helpers that
/// tests use to fill and read it through the store's public interface.
/// </summary>
internal sealed class People : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);
    public static readonly WriteOptions Admin = new("admin");

    private People(TestStore database, FakeTimeProvider clock)
    {
        Database = database;
        Clock = clock;
    }

    public TestStore Database { get; }
    public FakeTimeProvider Clock { get; }
    public Store Store => Database.Store;

    /// <summary>The live definitions: a custom column added through sys_dictionary shows up here.</summary>
    public TableDefinition Person => Store.Tables.Find(PeopleTables.PersonTable)!;
    public TableDefinition Dept => Store.Tables.Find(PeopleTables.DeptTable)!;
    public TableDefinition Dictionary => Store.Tables.Find("sys_dictionary")!;

    public static async Task<People> OpenAsync(Backend backend)
    {
        var clock = new FakeTimeProvider(Start);
        return new People(await TestStores.OpenAsync(backend, PeopleTables.All, clock), clock);
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();

    public static Dictionary<string, string?> Values(params (string Field, string? Value)[] values) =>
        values.ToDictionary(v => v.Field, v => v.Value, StringComparer.Ordinal);

    public Task<WriteResult> TryInsertAsync(TableDefinition table, params (string Field, string? Value)[] values) =>
        Store.InsertAsync(table, Values(values), Admin);

    public async Task<RecordRow> InsertAsync(TableDefinition table, params (string Field, string? Value)[] values)
    {
        var result = await TryInsertAsync(table, values);
        Assert.True(result.Succeeded, result.Error?.Detail);
        return result.Row!;
    }

    public Task<WriteResult> TryUpdateAsync(TableDefinition table, string sysId, params (string Field, string? Value)[] values) =>
        Store.UpdateAsync(table, sysId, Values(values), Admin);

    public async Task<RecordRow> UpdateAsync(TableDefinition table, string sysId, params (string Field, string? Value)[] values)
    {
        var result = await TryUpdateAsync(table, sysId, values);
        Assert.True(result.Succeeded, result.Error?.Detail);
        return result.Row!;
    }

    public Task<RecordRow> AddDeptAsync(string name) => InsertAsync(Dept, ("name", name));

    public Task<RecordRow> AddPersonAsync(string userName, params (string Field, string? Value)[] values) =>
        InsertAsync(Person, [("user_name", userName), .. values]);

    public Task<RecordRow?> GetAsync(TableDefinition table, string sysId) => Store.GetAsync(table, sysId);

    public Task<QueryResult> QueryAsync(string encodedQuery, bool invalidQueryReturnsNoRows = false) =>
        Store.QueryAsync(new RecordQuery
        {
            Table = Person,
            Query = EncodedQuery.Parse(encodedQuery),
            InvalidQueryReturnsNoRows = invalidQueryReturnsNoRows,
        });

    /// <summary>The user names of the people the query finds, in the order the store returns them.</summary>
    public async Task<IReadOnlyList<string>> UserNamesInOrderAsync(string encodedQuery) =>
        (await QueryAsync(encodedQuery)).Rows.Select(r => r["user_name"]!).ToList();

    /// <summary>The user names of the people the query finds, sorted, for tests about which rows match.</summary>
    public async Task<IReadOnlyList<string>> UserNamesAsync(string encodedQuery) =>
        (await UserNamesInOrderAsync(encodedQuery)).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Runs SQL on the store's database behind its back, for states that its interface never writes (a value
    /// stored as '' rather than NULL, as another tool or an older version may leave it).
    /// </summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = Store.Dialect.CreateConnection();
        await Store.Dialect.OpenAsync(connection, CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The columns the database itself has for a table, whatever the store believes.</summary>
    public async Task<IReadOnlySet<string>> ColumnsInDatabaseAsync(string table)
    {
        await using var connection = Store.Dialect.CreateConnection();
        await Store.Dialect.OpenAsync(connection, CancellationToken.None);
        return await Store.Dialect.ExistingColumnsAsync(connection, table, CancellationToken.None);
    }

    public Task<long> CountPeopleAsync() => Store.CountAsync(Person, EncodedQuery.Empty);

    /// <summary>
    /// Two departments and four people: Abel heads Sales; Beth reports to Abel; Charlie, an engineer, reports to
    /// Beth; Dana has no department, no manager and most fields empty.
    /// </summary>
    public async Task<Cast> AddCastAsync()
    {
        var sales = await AddDeptAsync("Sales");
        var engineering = await AddDeptAsync("Engineering");
        var abel = await AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"),
            ("title", "Head of Sales"), ("logins", "100"), ("last_login", "2024-03-01 09:00:00"),
            ("department", sales.SysId), ("state", "active"));
        var beth = await AddPersonAsync("beth.anglin", ("first_name", "Beth"), ("last_name", "Anglin"),
            ("title", "Account Manager"), ("logins", "9"), ("last_login", "2023-12-31 23:59:59"),
            ("department", sales.SysId), ("manager", abel.SysId), ("state", "active"));
        var charlie = await AddPersonAsync("charlie.whitherspoon", ("first_name", "Charlie"), ("last_name", "Whitherspoon"),
            ("nickname", "CHARLIE"), ("title", "Engineer"), ("active", "false"), ("logins", "10"),
            ("last_login", "2024-01-15 12:00:00"), ("department", engineering.SysId), ("manager", beth.SysId),
            ("state", "retired"));
        var dana = await AddPersonAsync("dana.ross", ("first_name", "Dana"), ("last_name", "Ross"), ("nickname", "Dee"),
            ("active", ""), ("state", "new"));
        return new Cast(sales, engineering, abel, beth, charlie, dana);
    }
}

internal sealed record Cast(RecordRow Sales, RecordRow Engineering, RecordRow Abel, RecordRow Beth, RecordRow Charlie,
    RecordRow Dana);

/// <summary>The user names of the <see cref="Cast"/>.</summary>
internal static class Names
{
    public const string Abel = "abel.tuter";
    public const string Beth = "beth.anglin";
    public const string Charlie = "charlie.whitherspoon";
    public const string Dana = "dana.ross";
}
