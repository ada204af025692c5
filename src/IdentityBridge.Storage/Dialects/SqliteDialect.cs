using System.Data.Common;
using IdentityBridge.Storage.Schema;
using Microsoft.Data.Sqlite;

namespace IdentityBridge.Storage.Dialects;

public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public override string Name => "sqlite";

    public override string SqlType(ColumnDefinition column) => column.Type switch
    {
        ColumnType.SysId => "TEXT NOT NULL PRIMARY KEY",
        ColumnType.Boolean or ColumnType.Integer => "INTEGER",
        ColumnType.String or ColumnType.Choice => "TEXT COLLATE NOCASE",
        _ => "TEXT",
    };

    public override string Fold(string expression) => expression;

    public override string IsDistinctFrom(string left, string right) => $"({left} IS NOT {right})";

    // An explicit collation on the right wins over the column's NOCASE, so "Abel" differs from "abel".
    internal override string DiffersExactly(string left, string right) => $"({left} IS NOT {right} COLLATE BINARY)";

    public override bool SingleWriter => true;

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override bool KeepsConnections => true;

    public override async Task OpenAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode.
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19 } e &&
        (e.SqliteExtendedErrorCode == 2067 || e.SqliteExtendedErrorCode == 1555);

    public override async Task<IReadOnlySet<string>> ExistingColumnsAsync(DbConnection connection, string table,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info($t)";
        var p = command.CreateParameter();
        p.ParameterName = "$t";
        p.Value = table;
        command.Parameters.Add(p);
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        return names;
    }

    public override string DefaultOrder(string alias) => $"{alias}.rowid";

    public override string BeginWrite => "BEGIN IMMEDIATE";

    public override ValueTask DisposeAsync()
    {
        // Only this store's pool: other stores in the process keep theirs.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
