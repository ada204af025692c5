using System.Data.Common;
using IdentityBridge.Storage.Schema;
using Npgsql;

namespace IdentityBridge.Storage.Dialects;

public sealed class PostgresDialect : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 200;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Name => "postgresql";

    public override string SqlType(ColumnDefinition column) => column.Type switch
    {
        ColumnType.SysId => "text NOT NULL PRIMARY KEY",
        ColumnType.Boolean => "integer",
        ColumnType.Integer => "bigint",
        _ => "text",
    };

    public override string Fold(string expression) => $"lower({expression})";

    public override string IsDistinctFrom(string left, string right) => $"({left} IS DISTINCT FROM {right})";

    public override bool SingleWriter => false;

    public override bool KeepsConnections => false;

    public override DbConnection CreateConnection() => _dataSource.CreateConnection();

    public override Task OpenAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection.OpenAsync(cancellationToken);

    // Under READ COMMITTED an UPDATE re-checks its own WHERE against the row's newest version after waiting for a
    // concurrent writer, but not a subquery's: without the lock two compare-and-sets on one row could both win.
    internal override string LockRowsOf(string alias) => $" FOR UPDATE OF {alias}";

    public override bool IsUniqueViolation(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override async Task<IReadOnlySet<string>> ExistingColumnsAsync(DbConnection connection, string table,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t";
        var p = command.CreateParameter();
        p.ParameterName = "t";
        p.Value = table;
        command.Parameters.Add(p);
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        return names;
    }

    public override string DefaultOrder(string alias) => $"{alias}.\"sys_id\"";

    public override string BeginWrite => "BEGIN";

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
