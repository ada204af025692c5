using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Sessions;

namespace IdentityBridge.Storage;

public sealed partial class Store
{
    /// <summary>
    /// Writes a batch of changes to any tables of the store in one transaction, in order: all of them or, when one
    /// is refused, none. Values are converted and validated as <see cref="InsertAsync"/> and
    /// <see cref="UpdateAsync"/> do (unknown, read-only and calculated fields are ignored; calculated columns and the
    /// system fields are maintained). A write that is refused (an invalid value, a unique key other than sys_id
    /// broken, a malformed sys_id, a delete query with no valid condition or an invalid term) throws a
    /// <see cref="BatchWriteException"/> naming it, after the batch is rolled back: batches are built by code, so
    /// a bad row is a bug to surface, not a result to sort through. On SQLite the batch holds the write gate once
    /// and runs the statements of one column set prepared once; on PostgreSQL the statements travel up to 500 in
    /// one round trip.
    /// </summary>
    /// <exception cref="BatchWriteException">A write was refused; nothing was written.</exception>
    /// <exception cref="ArgumentException">The batch writes <c>sys_dictionary</c>, whose rows change the schema.</exception>
    public async Task WriteBatchAsync(IReadOnlyList<BatchWrite> writes, WriteOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentNullException.ThrowIfNull(options);
        if (writes.Count == 0) return;
        foreach (var write in writes)
        {
            ArgumentNullException.ThrowIfNull(write, nameof(writes));
            if (write.Table.Name == Dictionary.Table)
                throw new ArgumentException(
                    "sys_dictionary rows change the schema; write them one at a time with InsertAsync, UpdateAsync and DeleteAsync.",
                    nameof(writes));
        }

        try
        {
            await RunBatchAsync(writes, options, gather: true, cancellationToken);
        }
        catch (UnplacedUniqueViolation)
        {
            // A round trip of many statements that broke a unique key does not say which statement did (Npgsql keeps
            // that back unless IncludeFailedBatchedCommand, which attaches the parameter values to the exception, is
            // set). The batch was rolled back; run it again a statement at a time, which names the write.
            await RunBatchAsync(writes, options, gather: false, cancellationToken);
        }
    }

    private async Task RunBatchAsync(IReadOnlyList<BatchWrite> writes, WriteOptions options, bool gather,
        CancellationToken cancellationToken)
    {
        await using var session = await SessionAsync(cancellationToken);
        var now = Now();
        using (await WriteLockAsync(cancellationToken))
        {
            await session.ExecuteAsync(Dialect.BeginWrite, cancellationToken);
            try
            {
                using var pipeline = new StatementPipeline(session, Dialect, gather);
                for (var i = 0; i < writes.Count; i++)
                    await WriteAsync(session, pipeline, i, writes[i], options, now, cancellationToken);
                await pipeline.FlushAsync(cancellationToken);
                await session.ExecuteAsync("COMMIT", cancellationToken);
            }
            catch (BatchUniqueViolation violation)
            {
                // PostgreSQL refuses every statement of a failed transaction, so the key is described after it ends.
                await RollbackAsync(session);
                var upsert = (BatchWrite.Upsert)writes[violation.Index];
                var described = await DuplicateAsync(session, upsert.Table, violation.Stored, "upsert", cancellationToken,
                    self: (string)violation.Stored[TableDefinition.SysId]!);
                throw new BatchWriteException(violation.Index, upsert, described.Error!, violation.InnerException);
            }
            catch
            {
                await RollbackAsync(session);
                throw;
            }
        }
    }

    private async Task WriteAsync(Session session, StatementPipeline pipeline, int index, BatchWrite write,
        WriteOptions options, string now, CancellationToken cancellationToken)
    {
        switch (write)
        {
            case BatchWrite.Upsert upsert:
                await UpsertAsync(session, pipeline, index, upsert, options, now, cancellationToken);
                break;
            case BatchWrite.Delete delete:
                if (!SysIds.IsSysId(delete.SysId))
                    throw Refused(index, write, $"{write.Table.Name}: '{delete.SysId}' is not a sys_id (32 lowercase hex characters)");
                await pipeline.RunAsync(DeleteStatement(write.Table), [new("p0", delete.SysId)], index, null, cancellationToken);
                break;
            case BatchWrite.DeleteWhere deleteWhere:
                var (text, parameters, dropped) = DeleteWhereStatement(write.Table, deleteWhere.Query);
                // A dropped term would widen the delete beyond what the caller asked for.
                if (dropped.Count > 0)
                    throw Refused(index, write, $"{write.Table.Name}: the query has invalid terms ({string.Join(", ", dropped)})");
                if (text is null) throw Refused(index, write, $"{write.Table.Name}: the query has no condition");
                await pipeline.RunAsync(text, parameters, index, null, cancellationToken);
                break;
            default:
                throw new ArgumentException($"Unknown batch write {write.GetType().Name}.", nameof(write));
        }
    }

    private static BatchWriteException Refused(int index, BatchWrite write, string detail) =>
        new(index, write, new WriteError(WriteErrorKind.InvalidValue, "Invalid batch write", detail));

    /// <summary>
    /// One <c>INSERT ... ON CONFLICT ("sys_id") DO UPDATE</c>: the insert carries the record as
    /// <see cref="InsertAsync"/> would store it; the update sets only the given columns (and the calculated ones),
    /// and only when one of them changes.
    /// </summary>
    private async Task UpsertAsync(Session session, StatementPipeline pipeline, int index, BatchWrite.Upsert upsert,
        WriteOptions options, string now, CancellationToken cancellationToken)
    {
        var table = upsert.Table;
        var given = upsert.Values.GetValueOrDefault(TableDefinition.SysId);
        var sysId = given?.Trim().ToLowerInvariant();
        if (!SysIds.IsSysId(sysId))
            throw Refused(index, upsert, $"{table.Name}.sys_id: an upsert needs the record's sys_id (32 hex characters), not '{given}'");

        // Resolving a reference by display value and calculating a column read the database, and must see the
        // earlier writes of the batch.
        var calculates = table.Columns.Any(c => c.Calculation is not null);
        if (calculates || upsert.Values.Keys.Any(k => table.Column(k) is { Type: ColumnType.Reference }))
            await pipeline.FlushAsync(cancellationToken);

        var (error, stored) = await BuildInsertAsync(session, table, upsert.Values, options, now, cancellationToken);
        if (error is not null) throw new BatchWriteException(index, upsert, error.Error!);

        var updated = table.Columns.Where(c => IsWritable(c) && upsert.Values.ContainsKey(c.Name)).ToList();
        Dictionary<string, object?>? calculated = null;
        if (calculates)
            calculated = await CalculateOnCurrentAsync(session, table, sysId!, stored!, updated, cancellationToken);

        var (text, parameters) = UpsertStatement(table, stored!, updated, calculated);
        await pipeline.RunAsync(text, parameters, index, stored, cancellationToken);
    }

    /// <summary>
    /// The calculated columns of a record after an update of the given columns: computed on the record as it is
    /// (read in the batch's transaction, so earlier writes of the batch count) with the new values, as
    /// <see cref="UpdateAsync"/> computes them. For a record that does not exist yet they are the insert's.
    /// </summary>
    private async Task<Dictionary<string, object?>> CalculateOnCurrentAsync(Session session, TableDefinition table,
        string sysId, Dictionary<string, object?> stored, IReadOnlyList<ColumnDefinition> updated,
        CancellationToken cancellationToken)
    {
        var calculated = new Dictionary<string, object?>(StringComparer.Ordinal);
        var sql = new Queries.SqlBuilder(Dialect, Tables, table);
        var outputs = Outputs(sql, table, null, false);
        var key = sql.Param(sysId);
        await using (var reader = await session.Command(
                         $"SELECT {SelectList(outputs)} FROM {sql.From} WHERE {Queries.SqlBuilder.RootAlias}.\"sys_id\" = {key}",
                         sql.Parameters).ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var wire = ReadRow(reader, outputs).Values;
                foreach (var column in updated)
                    wire[column.Name] = ValueCodec.FromStored(column, stored.GetValueOrDefault(column.Name));
                Calculate(table, calculated, wire);
                return calculated;
            }
        }
        foreach (var column in table.Columns.Where(c => c.Calculation is not null))
            calculated[column.Name] = stored.GetValueOrDefault(column.Name);
        return calculated;
    }

    /// <summary>
    /// The upsert's text depends only on the table and the sets of columns stored and updated, so a batch of
    /// records of one shape runs one prepared statement. The existing row is named by the table, which both
    /// databases accept in <c>DO UPDATE</c>; the new values by <c>excluded</c>.
    /// </summary>
    private (string Text, IReadOnlyList<KeyValuePair<string, object?>> Parameters) UpsertStatement(TableDefinition table,
        Dictionary<string, object?> stored, IReadOnlyList<ColumnDefinition> updated, Dictionary<string, object?>? calculated)
    {
        var builder = new Queries.SqlBuilder(Dialect, Tables, table);
        var quotedTable = SqlDialect.Quote(table.Name);
        var names = table.Columns.Where(c => stored.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        var text = new System.Text.StringBuilder()
            .Append("INSERT INTO ").Append(quotedTable)
            .Append(" (").AppendJoin(", ", names.Select(SqlDialect.Quote)).Append(") VALUES (")
            .AppendJoin(", ", names.Select(n => builder.Param(stored[n]))).Append(") ON CONFLICT (\"sys_id\") ");

        var sets = new List<(string Column, string Value)>();
        foreach (var column in updated) sets.Add((SqlDialect.Quote(column.Name), "excluded." + SqlDialect.Quote(column.Name)));
        if (calculated is not null)
            foreach (var (name, value) in calculated) sets.Add((SqlDialect.Quote(name), builder.Param(value)));
        if (sets.Count == 0) return (text.Append("DO NOTHING").ToString(), builder.Parameters);

        text.Append("DO UPDATE SET ").AppendJoin(", ", sets.Select(s => $"{s.Column} = {s.Value}"))
            .Append(", \"sys_updated_on\" = excluded.\"sys_updated_on\", \"sys_updated_by\" = excluded.\"sys_updated_by\", ")
            .Append("\"sys_mod_count\" = COALESCE(").Append(quotedTable).Append(".\"sys_mod_count\", 0) + 1 WHERE ")
            .AppendJoin(" OR ", sets.Select(s => Dialect.DiffersExactly($"{quotedTable}.{s.Column}", s.Value)));
        return (text.ToString(), builder.Parameters);
    }

    /// <summary>
    /// Runs a batch's statements: at once where the database is in the process (SQLite, through the session's
    /// prepared statements), or gathered into one round trip per <see cref="MaxStatements"/> where the provider
    /// takes batches (PostgreSQL), which makes a batch of thousands of rows cost a handful of round trips.
    /// </summary>
    private sealed class StatementPipeline(Session session, SqlDialect dialect, bool gather) : IDisposable
    {
        public const int MaxStatements = 500;

        private readonly bool _gathers = gather && !dialect.KeepsConnections && session.Connection.CanCreateBatch;
        private readonly List<(int Index, Dictionary<string, object?>? Stored)> _origins = [];
        private System.Data.Common.DbBatch? _batch;

        /// <summary>Runs the statement of write <paramref name="index"/> (<paramref name="stored"/>: an upsert's record).</summary>
        public async Task RunAsync(string text, IReadOnlyList<KeyValuePair<string, object?>> parameters, int index,
            Dictionary<string, object?>? stored, CancellationToken cancellationToken)
        {
            if (!_gathers)
            {
                try
                {
                    await session.Command(text, parameters).ExecuteNonQueryAsync(cancellationToken);
                }
                catch (Exception e) when (stored is not null && dialect.IsUniqueViolation(e))
                {
                    throw new BatchUniqueViolation(index, stored, e);
                }
                return;
            }
            _batch ??= session.Connection.CreateBatch();
            var command = _batch.CreateBatchCommand();
            command.CommandText = text;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            _batch.BatchCommands.Add(command);
            _origins.Add((index, stored));
            if (_origins.Count >= MaxStatements) await FlushAsync(cancellationToken);
        }

        /// <summary>Runs the statements gathered so far.</summary>
        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_batch is null) return;
            var batch = _batch;
            _batch = null;
            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (Exception e) when (dialect.IsUniqueViolation(e))
            {
                if (_origins is [{ Stored: { } stored } only]) throw new BatchUniqueViolation(only.Index, stored, e);
                throw new UnplacedUniqueViolation(e);
            }
            finally
            {
                _origins.Clear();
                batch.Dispose();
            }
        }

        public void Dispose() => _batch?.Dispose();
    }

    /// <summary>One of several statements sent together broke a unique key; which one is not known.</summary>
    private sealed class UnplacedUniqueViolation(Exception inner) : Exception("A batch write broke a unique key.", inner);

    /// <summary>A batch upsert broke a unique key other than sys_id; described once the transaction has ended.</summary>
    private sealed class BatchUniqueViolation(int index, Dictionary<string, object?> stored, Exception inner)
        : Exception("A batch write broke a unique key.", inner)
    {
        public int Index { get; } = index;
        public Dictionary<string, object?> Stored { get; } = stored;
    }
}
