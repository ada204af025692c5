using System.Data.Common;
using System.Globalization;
using System.Text;
using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Security;
using IdentityBridge.Storage.Sessions;

namespace IdentityBridge.Storage;

/// <summary>Where a store keeps its data: a SQLite file (the default) or a PostgreSQL database.</summary>
public sealed record StoreOptions
{
    public string? SqlitePath { get; init; }
    public string? PostgresConnectionString { get; init; }
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The data-driven table layer: tables are <see cref="TableDefinition"/>s, SQL is generated from them, and every
/// read and write goes through here with wire-format string values.
/// </summary>
public sealed partial class Store : IAsyncDisposable
{
    private readonly SemaphoreSlim? _writeGate;
    private readonly TimeProvider _time;

    private Store(SqlDialect dialect, StoreOptions options)
    {
        Dialect = dialect;
        _time = options.Time;
        Hasher = new PasswordHasher(options.PasswordIterations);
        _writeGate = dialect.SingleWriter ? new SemaphoreSlim(1, 1) : null;
        _sessions = new SessionPool(dialect);
    }

    private readonly SessionPool _sessions;

    public SqlDialect Dialect { get; }
    public TableRegistry Tables { get; } = new();
    public PasswordHasher Hasher { get; }

    public static async Task<Store> OpenAsync(StoreOptions options, IEnumerable<TableDefinition> tables,
        CancellationToken cancellationToken = default)
    {
        SqlDialect dialect;
        if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            dialect = new PostgresDialect(options.PostgresConnectionString);
        else if (!string.IsNullOrWhiteSpace(options.SqlitePath))
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(options.SqlitePath));
            if (directory is not null) Directory.CreateDirectory(directory);
            dialect = new SqliteDialect(options.SqlitePath);
        }
        else throw new ArgumentException("Give a SQLite path or a PostgreSQL connection string.", nameof(options));

        var store = new Store(dialect, options);
        try
        {
            await store.MigrateAsync([Dictionary.Definition, .. tables], cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        await _sessions.DisposeAsync();
        await Dialect.DisposeAsync();
        _writeGate?.Dispose();
    }

    public string Now() => GlideDateTimes.Format(_time.GetUtcNow());

    internal ValueTask<Session> SessionAsync(CancellationToken cancellationToken) => _sessions.RentAsync(cancellationToken);

    private async Task<IDisposable> WriteLockAsync(CancellationToken cancellationToken)
    {
        if (_writeGate is null) return NoLock.Instance;
        await _writeGate.WaitAsync(cancellationToken);
        return new Releaser(_writeGate);
    }

    private sealed class NoLock : IDisposable
    {
        public static readonly NoLock Instance = new();
        public void Dispose() { }
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    // ---- schema ----------------------------------------------------------------------------------------------

    private async Task MigrateAsync(IReadOnlyList<TableDefinition> tables, CancellationToken cancellationToken)
    {
        await using var session = await SessionAsync(cancellationToken);
        foreach (var table in tables)
        {
            await CreateOrExtendAsync(session, table, cancellationToken);
            Tables.Set(table);
        }
        await Dictionary.LoadCustomColumnsAsync(this, session, cancellationToken);
        await Dictionary.SeedAsync(this, session, cancellationToken);
    }

    private async Task CreateOrExtendAsync(Session session, TableDefinition table, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(c => $"{SqlDialect.Quote(c.Name)} {Dialect.SqlType(c)}"));
        await session.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {SqlDialect.Quote(table.Name)} ({columns})", cancellationToken);
        var existing = await Dialect.ExistingColumnsAsync(session.Connection, table.Name, cancellationToken);
        foreach (var column in table.Columns.Where(c => !existing.Contains(c.Name)))
            await AddColumnAsync(session, table, column, cancellationToken);
        foreach (var index in table.Indexes)
        {
            var name = IndexName(table, index);
            var expressions = string.Join(", ", index.Columns.Select(c => Dialect.IndexExpression(table.Column(c)!)));
            await session.ExecuteAsync(
                $"CREATE {(index.Unique ? "UNIQUE " : "")}INDEX IF NOT EXISTS {SqlDialect.Quote(name)} ON {SqlDialect.Quote(table.Name)} ({expressions})",
                cancellationToken);
        }
    }

    internal Task AddColumnAsync(Session session, TableDefinition table, ColumnDefinition column,
        CancellationToken cancellationToken) =>
        session.ExecuteAsync(
            $"ALTER TABLE {SqlDialect.Quote(table.Name)} ADD COLUMN {SqlDialect.Quote(column.Name)} {Dialect.SqlType(column)}",
            cancellationToken);

    private static string IndexName(TableDefinition table, IndexDefinition index)
    {
        var name = $"ix_{table.Name}_{string.Join("_", index.Columns)}";
        if (name.Length <= 60) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return name[..51] + "_" + hash;
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    private sealed record Output(string Key, ColumnDefinition Column, string Sql, bool Display);

    public async Task<QueryResult> QueryAsync(RecordQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new SqlBuilder(Dialect, Tables, query.Table);
        var compiler = new QueryCompiler(sql);
        var where = compiler.Where(query.Query);
        var order = compiler.OrderBy(query.Query);
        if (query.InvalidQueryReturnsNoRows && compiler.Dropped.Count > 0)
            return new QueryResult([], compiler.Dropped, query.IncludeTotal ? 0 : null);

        var whereSql = where is null ? "" : " WHERE " + where;
        await using var session = await SessionAsync(cancellationToken);
        // Ordered by the key alone (keyset paging), the key's index serves the order without a sort: one step reads it.
        var byKeyOnly = query.Query.Order is [{ Field: TableDefinition.SysId }];
        var rows = query.Query.Order.Count > 0 && !byKeyOnly && query.Limit > 1 && (query.Fields is null || query.Fields.Count > NarrowFields)
            ? await ReadSortedPageAsync(session, query, sql, whereSql, order, cancellationToken)
            : await ReadPageAsync(session, query, sql, whereSql, order, cancellationToken);
        long? total = null;
        // A page that came back short, and not empty, is the last one: the total follows without counting.
        if (query.IncludeTotal && rows.Count > 0 && rows.Count < query.Limit)
            total = query.Offset + rows.Count;
        else if (query.IncludeTotal)
        {
            var countSql = new SqlBuilder(Dialect, Tables, query.Table);
            var countWhere = new QueryCompiler(countSql).Where(query.Query);
            var count = session.Command(
                $"SELECT COUNT(*) FROM {countSql.From}{(countWhere is null ? "" : " WHERE " + countWhere)}", countSql.Parameters);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        return new QueryResult(rows, compiler.Dropped, total);
    }

    // Up to this many fields, sorting whole rows costs no more than sorting keys and reading the rows again.
    private const int NarrowFields = 8;

    private async Task<List<RecordRow>> ReadPageAsync(Session session, RecordQuery query, SqlBuilder sql, string whereSql,
        string order, CancellationToken cancellationToken)
    {
        var outputs = Outputs(sql, query.Table, query.Fields, query.DisplayValues);
        var limit = sql.Param((long)Math.Max(0, query.Limit));
        var offset = sql.Param((long)Math.Max(0, query.Offset));
        var text = $"SELECT {SelectList(outputs)} FROM {sql.From}{whereSql} ORDER BY {order} LIMIT {limit} OFFSET {offset}";
        var rows = new List<RecordRow>();
        await using var reader = await session.Command(text, sql.Parameters).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(ReadRow(reader, outputs));
        return rows;
    }

    /// <summary>
    /// A sorted page of wide records in two steps: sort the keys alone, then read the page's records by key. Sorting
    /// whole records makes the database carry every column of every matching row through the sort, which made a
    /// page of a filtered, ordered list of 100,000 users several times slower.
    /// </summary>
    private async Task<List<RecordRow>> ReadSortedPageAsync(Session session, RecordQuery query, SqlBuilder sql, string whereSql,
        string order, CancellationToken cancellationToken)
    {
        var limit = sql.Param((long)Math.Max(0, query.Limit));
        var offset = sql.Param((long)Math.Max(0, query.Offset));
        var keys = new List<string>();
        await using (var reader = await session.Command(
                         $"SELECT {SqlBuilder.RootAlias}.\"sys_id\" FROM {sql.From}{whereSql} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
                         sql.Parameters).ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) keys.Add(reader.GetString(0));
        }
        if (keys.Count == 0) return [];

        var page = new SqlBuilder(Dialect, Tables, query.Table);
        var outputs = Outputs(page, query.Table, query.Fields, query.DisplayValues);
        var inList = string.Join(", ", keys.Select(k => page.Param(k)));
        var byKey = new Dictionary<string, RecordRow>(keys.Count, StringComparer.Ordinal);
        await using (var reader = await session.Command(
                         $"SELECT {SelectList(outputs)} FROM {page.From} WHERE {SqlBuilder.RootAlias}.\"sys_id\" IN ({inList})",
                         page.Parameters).ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = ReadRow(reader, outputs);
                byKey[row.SysId] = row;
            }
        }
        // A record deleted between the two steps is simply not on the page.
        return keys.Where(byKey.ContainsKey).Select(k => byKey[k]).ToList();
    }

    /// <summary>One record by sys_id, or null.</summary>
    public async Task<RecordRow?> GetAsync(TableDefinition table, string sysId, IReadOnlyList<string>? fields = null,
        bool displayValues = false, CancellationToken cancellationToken = default)
    {
        if (!SysIds.IsSysId(sysId)) return null;
        var result = await QueryAsync(new RecordQuery
        {
            Table = table,
            Query = EncodedQuery.Where(TableDefinition.SysId, sysId),
            Fields = fields,
            DisplayValues = displayValues,
            Limit = 1,
        }, cancellationToken);
        return result.Rows.Count == 0 ? null : result.Rows[0];
    }

    /// <summary>The first record whose field equals the value (case-insensitively for text), or null.</summary>
    public async Task<RecordRow?> FindAsync(TableDefinition table, string field, string value,
        CancellationToken cancellationToken = default)
    {
        // A condition dropped as invalid would otherwise leave "the first record of the table".
        var result = await QueryAsync(new RecordQuery
        {
            Table = table,
            Query = EncodedQuery.Where(field, value),
            Limit = 1,
            InvalidQueryReturnsNoRows = true,
        }, cancellationToken);
        return result.Rows.Count == 0 ? null : result.Rows[0];
    }

    public async Task<long> CountAsync(TableDefinition table, EncodedQuery query, CancellationToken cancellationToken = default)
    {
        var sql = new SqlBuilder(Dialect, Tables, table);
        var where = new QueryCompiler(sql).Where(query);
        await using var session = await SessionAsync(cancellationToken);
        var command = session.Command($"SELECT COUNT(*) FROM {sql.From}{(where is null ? "" : " WHERE " + where)}", sql.Parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Counts grouped by fields (the Aggregate API); each group's values are wire strings.</summary>
    public async Task<(IReadOnlyList<(IReadOnlyList<(string Field, string? Value, string? Display)> Keys, long Count)> Groups, IReadOnlyList<string> Dropped)>
        GroupCountAsync(TableDefinition table, EncodedQuery query, IReadOnlyList<string> groupBy, bool invalidQueryReturnsNoRows,
            CancellationToken cancellationToken = default)
    {
        var sql = new SqlBuilder(Dialect, Tables, table);
        var compiler = new QueryCompiler(sql);
        var where = compiler.Where(query);
        if (invalidQueryReturnsNoRows && compiler.Dropped.Count > 0) return ([], compiler.Dropped);
        var keys = new List<(string Path, ColumnDefinition Column, string Sql, string? DisplaySql)>();
        foreach (var path in groupBy)
        {
            var field = sql.Field(path);
            if (field is null || field.Value.Path.Column.Type == ColumnType.Password)
            {
                compiler.Dropped.Add(path);
                continue;
            }
            string? display = null;
            if (field.Value.Path.Column.Type == ColumnType.Reference && Tables.Find(field.Value.Path.Column.ReferenceTable) is { } target)
            {
                var alias = sql.AliasFor([.. field.Value.Path.Hops, field.Value.Path.Column]);
                display = $"{alias}.{SqlDialect.Quote(target.DisplayField)}";
            }
            keys.Add((path, field.Value.Path.Column, field.Value.Sql, display));
        }
        var selectKeys = keys.SelectMany(k => k.DisplaySql is null ? [k.Sql] : new[] { k.Sql, k.DisplaySql }).ToList();
        var select = string.Join(", ", selectKeys.Append("COUNT(*)"));
        var groupSql = selectKeys.Count == 0 ? "" : " GROUP BY " + string.Join(", ", selectKeys);
        var text = $"SELECT {select} FROM {sql.From}{(where is null ? "" : " WHERE " + where)}{groupSql}";
        await using var session = await SessionAsync(cancellationToken);
        await using var reader = await session.Command(text, sql.Parameters).ExecuteReaderAsync(cancellationToken);
        var groups = new List<(IReadOnlyList<(string, string?, string?)>, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var values = new List<(string, string?, string?)>();
            var i = 0;
            foreach (var key in keys)
            {
                var value = ValueCodec.FromStored(key.Column, reader.GetValue(i++));
                var display = value;
                if (key.DisplaySql is not null)
                {
                    var raw = reader.GetValue(i++);
                    display = raw is DBNull ? null : Convert.ToString(raw, CultureInfo.InvariantCulture);
                }
                values.Add((key.Path, value, display));
            }
            groups.Add((values, Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture)));
        }
        return (groups, compiler.Dropped);
    }

    /// <summary>The stored hash of a password column, for sign-in; ordinary reads never return it.</summary>
    public async Task<string?> GetPasswordHashAsync(TableDefinition table, string sysId, string column,
        CancellationToken cancellationToken = default)
    {
        if (table.Column(column) is not { Type: ColumnType.Password }) return null;
        await using var session = await SessionAsync(cancellationToken);
        var command = session.Command(
            $"SELECT {SqlDialect.Quote(column)} FROM {SqlDialect.Quote(table.Name)} WHERE \"sys_id\" = @p0",
            [new("p0", sysId)]);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    // Reading whole records without display values is the common case; its select list depends on the table only.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TableDefinition, List<Output>> _wholeRecord = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<List<Output>, string> _selectLists = new();

    private string SelectList(List<Output> outputs) =>
        _selectLists.TryGetValue(outputs, out var cached) ? cached : string.Join(", ", outputs.Select(o => o.Sql));

    private List<Output> Outputs(SqlBuilder sql, TableDefinition table, IReadOnlyList<string>? fields, bool displayValues)
    {
        if (fields is null && !displayValues)
        {
            var whole = _wholeRecord.GetValue(table, t => BuildOutputs(new SqlBuilder(Dialect, Tables, t), t, null, false));
            _selectLists.TryAdd(whole, string.Join(", ", whole.Select(o => o.Sql)));
            return whole;
        }
        return BuildOutputs(sql, table, fields, displayValues);
    }

    private List<Output> BuildOutputs(SqlBuilder sql, TableDefinition table, IReadOnlyList<string>? fields, bool displayValues)
    {
        var outputs = new List<Output>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var paths = fields is null ? table.Columns.Select(c => c.Name) : fields.Prepend(TableDefinition.SysId);
        foreach (var path in paths)
        {
            if (!seen.Add(path)) continue;
            var field = sql.Field(path);
            if (field is null) continue; // ServiceNow ignores unknown fields in sysparm_fields.
            var (expression, resolved) = field.Value;
            outputs.Add(new Output(path, resolved.Column, $"{expression} AS c{outputs.Count}", Display: false));
            if (displayValues && resolved.Column.Type == ColumnType.Reference &&
                Tables.Find(resolved.Column.ReferenceTable) is { } target)
            {
                var alias = sql.AliasFor([.. resolved.Hops, resolved.Column]);
                var displayColumn = target.Column(target.DisplayField)!;
                outputs.Add(new Output(path, displayColumn,
                    $"{alias}.{SqlDialect.Quote(displayColumn.Name)} AS c{outputs.Count}", Display: true));
            }
        }
        return outputs;
    }

    private static RecordRow ReadRow(DbDataReader reader, List<Output> outputs)
    {
        var values = new Dictionary<string, string?>(outputs.Count, StringComparer.Ordinal);
        Dictionary<string, string?>? displays = null;
        for (var i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            var value = ValueCodec.Read(reader, i, output.Column);
            if (output.Display) (displays ??= new(StringComparer.Ordinal))[output.Key] = value;
            else values[output.Key] = value;
        }
        return new RecordRow(values, displays);
    }
}
