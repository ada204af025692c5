using System.Globalization;
using IdentityBridge.Storage.Dialects;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Sessions;

namespace IdentityBridge.Storage;

public sealed partial class Store
{
    /// <summary>
    /// Inserts one record from wire values. Unknown and read-only fields are ignored, <c>""</c> leaves a field
    /// empty, a given sys_id is kept when it is 32 lowercase hex, passwords are hashed.
    /// </summary>
    public Task<WriteResult> InsertAsync(TableDefinition table, IReadOnlyDictionary<string, string?> values,
        WriteOptions options, CancellationToken cancellationToken = default) =>
        table.Name == Dictionary.Table
            ? Dictionary.InsertAsync(this, values, options, cancellationToken)
            : InsertRecordAsync(table, values, options, cancellationToken);

    internal async Task<WriteResult> InsertRecordAsync(TableDefinition table, IReadOnlyDictionary<string, string?> values,
        WriteOptions options, CancellationToken cancellationToken)
    {
        await using var session = await SessionAsync(cancellationToken);
        var (error, stored) = await BuildInsertAsync(session, table, values, options, Now(), cancellationToken);
        if (error is not null) return error;
        var (text, parameters) = InsertStatement(table, stored!, onConflictDoNothing: false);
        try
        {
            using (await WriteLockAsync(cancellationToken))
                await session.Command(text, parameters).ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (Dialect.IsUniqueViolation(e))
        {
            return await DuplicateAsync(session, table, stored!, "insert", cancellationToken);
        }
        return WriteResult.Ok(ToRow(table, stored!));
    }

    /// <summary>
    /// Inserts many records in one transaction, each converted and validated exactly as <see cref="InsertAsync"/>
    /// does, and answers one result per row in order. A row that is invalid or breaks a unique key (also against an
    /// earlier row of the same batch) is refused alone, with the same error InsertAsync gives; the others are
    /// written. On SQLite the batch holds the write gate throughout and reuses one prepared INSERT per column set;
    /// on PostgreSQL it is one transaction. An exception (not a refused row) rolls the whole batch back.
    /// </summary>
    public async Task<IReadOnlyList<WriteResult>> InsertManyAsync(TableDefinition table,
        IReadOnlyList<IReadOnlyDictionary<string, string?>> rows, WriteOptions options, CancellationToken cancellationToken = default)
    {
        var results = new WriteResult[rows.Count];
        if (rows.Count == 0) return results;
        if (table.Name == Dictionary.Table)
        {
            // Dictionary rows change the schema; they go one at a time through their own path.
            for (var i = 0; i < rows.Count; i++) results[i] = await InsertAsync(table, rows[i], options, cancellationToken);
            return results;
        }

        await using var session = await SessionAsync(cancellationToken);
        var now = Now();
        using (await WriteLockAsync(cancellationToken))
        {
            await session.ExecuteAsync(Dialect.BeginWrite, cancellationToken);
            try
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    var (error, stored) = await BuildInsertAsync(session, table, rows[i], options, now, cancellationToken);
                    if (error is not null)
                    {
                        results[i] = error;
                        continue;
                    }
                    // ON CONFLICT DO NOTHING refuses a duplicate without failing the statement, which on PostgreSQL
                    // would abort the whole transaction.
                    var (text, parameters) = InsertStatement(table, stored!, onConflictDoNothing: true);
                    results[i] = await session.Command(text, parameters).ExecuteNonQueryAsync(cancellationToken) == 0
                        ? await DuplicateAsync(session, table, stored!, "insert", cancellationToken)
                        : WriteResult.Ok(ToRow(table, stored!));
                }
                await session.ExecuteAsync("COMMIT", cancellationToken);
            }
            catch
            {
                await RollbackAsync(session);
                throw;
            }
        }
        return results;
    }

    /// <summary>Rolls back the session's transaction after a failure, which stays the failure to report.</summary>
    private static async Task RollbackAsync(Session session)
    {
        try
        {
            await session.ExecuteAsync("ROLLBACK", CancellationToken.None);
        }
        catch (System.Data.Common.DbException)
        {
            // The connection itself failed; the failure worth reporting is the one that got here.
        }
    }

    /// <summary>
    /// The stored values of a new record: defaults, the given values converted and validated, the system fields and
    /// the calculated columns; or the error that refuses it. Shared by <see cref="InsertRecordAsync"/> and
    /// <see cref="InsertManyAsync"/>.
    /// </summary>
    private async Task<(WriteResult? Error, Dictionary<string, object?>? Stored)> BuildInsertAsync(Session session,
        TableDefinition table, IReadOnlyDictionary<string, string?> values, WriteOptions options, string now,
        CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, object?>(StringComparer.Ordinal);
        var wire = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var column in table.Columns)
        {
            if (column.DefaultValue is null || column.ReadOnly) continue;
            stored[column.Name] = ValueCodec.ToStored(column, column.DefaultValue, out _);
            wire[column.Name] = column.DefaultValue;
        }
        var error = await ApplyAsync(session, table, values, options, stored, wire, cancellationToken);
        if (error is not null) return (error, null);

        var sysId = values.GetValueOrDefault(TableDefinition.SysId)?.Trim().ToLowerInvariant();
        sysId = SysIds.IsSysId(sysId) ? sysId! : SysIds.New();
        stored[TableDefinition.SysId] = sysId;
        stored[TableDefinition.CreatedOn] = now;
        stored[TableDefinition.CreatedBy] = options.Actor;
        stored[TableDefinition.UpdatedOn] = now;
        stored[TableDefinition.UpdatedBy] = options.Actor;
        stored[TableDefinition.ModCount] = 0L;
        foreach (var (name, value) in stored)
            if (name.StartsWith("sys_", StringComparison.Ordinal)) wire[name] = ValueCodec.FromStored(table.Column(name)!, value);
        Calculate(table, stored, wire);
        return (null, stored);
    }

    /// <summary>
    /// The INSERT of one record's stored values. Records with the same set of columns get the same text, so a
    /// session that keeps statements prepared runs it without parsing it again.
    /// </summary>
    private (string Text, IReadOnlyList<KeyValuePair<string, object?>> Parameters) InsertStatement(TableDefinition table,
        Dictionary<string, object?> stored, bool onConflictDoNothing)
    {
        var builder = new SqlBuilder(Dialect, Tables, table);
        var names = stored.Keys.ToList();
        var text = $"INSERT INTO {SqlDialect.Quote(table.Name)} ({string.Join(", ", names.Select(SqlDialect.Quote))}) " +
                   $"VALUES ({string.Join(", ", names.Select(n => builder.Param(stored[n])))})" +
                   (onConflictDoNothing ? " ON CONFLICT DO NOTHING" : "");
        return (text, builder.Parameters);
    }

    /// <summary>Updates the given fields of one record; a write that changes nothing leaves sys_mod_count alone.</summary>
    public Task<WriteResult> UpdateAsync(TableDefinition table, string sysId, IReadOnlyDictionary<string, string?> values,
        WriteOptions options, CancellationToken cancellationToken = default) =>
        UpdateCoreAsync(table, sysId, null, values, options, cancellationToken);

    /// <summary>
    /// Updates one record only if it still matches <paramref name="condition"/>, in one statement (a compare-and-set,
    /// as a lease on a job needs when several workers share a database). A record that does not match answers
    /// NotFound and is left as it is.
    /// </summary>
    public Task<WriteResult> UpdateIfAsync(TableDefinition table, string sysId, EncodedQuery condition,
        IReadOnlyDictionary<string, string?> values, WriteOptions options, CancellationToken cancellationToken = default) =>
        UpdateCoreAsync(table, sysId, condition, values, options, cancellationToken);

    private async Task<WriteResult> UpdateCoreAsync(TableDefinition table, string sysId, EncodedQuery? condition,
        IReadOnlyDictionary<string, string?> values, WriteOptions options, CancellationToken cancellationToken)
    {
        var current = await GetAsync(table, sysId, cancellationToken: cancellationToken);
        if (current is null)
            return WriteResult.Fail(WriteErrorKind.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");

        await using var session = await SessionAsync(cancellationToken);
        var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var wire = new Dictionary<string, string?>(current.Values, StringComparer.Ordinal);
        var error = await ApplyAsync(session, table, values.Where(v => v.Key != TableDefinition.SysId)
            .ToDictionary(v => v.Key, v => v.Value), options, changes, wire, cancellationToken);
        if (error is not null) return error;
        Calculate(table, changes, wire);

        foreach (var name in changes.Keys.ToList())
        {
            var column = table.Column(name)!;
            if (column.Type != ColumnType.Password && ValueCodec.FromStored(column, changes[name]) == current[name])
                changes.Remove(name);
        }
        if (changes.Count == 0 && condition is null) return WriteResult.Ok(current);

        var now = Now();
        changes[TableDefinition.UpdatedOn] = now;
        changes[TableDefinition.UpdatedBy] = options.Actor;
        var builder = new SqlBuilder(Dialect, Tables, table);
        var sets = changes.Select(c => $"{SqlDialect.Quote(c.Key)} = {builder.Param(c.Value)}").ToList();
        sets.Add("\"sys_mod_count\" = COALESCE(\"sys_mod_count\", 0) + 1");
        var text = $"UPDATE {SqlDialect.Quote(table.Name)} SET {string.Join(", ", sets)} WHERE \"sys_id\" = {builder.Param(current.SysId)}";
        if (condition is not null)
        {
            var where = new QueryCompiler(builder).Where(condition)
                        ?? throw new ArgumentException("A conditional update needs a condition.", nameof(condition));
            text += $" AND \"sys_id\" IN (SELECT {SqlBuilder.RootAlias}.\"sys_id\" FROM {builder.From} WHERE {where}{Dialect.LockRowsOf(SqlBuilder.RootAlias)})";
        }
        try
        {
            using (await WriteLockAsync(cancellationToken))
            {
                if (await session.Command(text, builder.Parameters).ExecuteNonQueryAsync(cancellationToken) == 0)
                    return WriteResult.Fail(WriteErrorKind.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
            }
        }
        catch (Exception e) when (Dialect.IsUniqueViolation(e))
        {
            var merged = current.Values.ToDictionary(v => v.Key, v => (object?)v.Value);
            foreach (var (k, v) in changes) merged[k] = v;
            return await DuplicateAsync(session, table, merged, "update", cancellationToken, current.SysId);
        }
        foreach (var (k, v) in changes) wire[k] = ValueCodec.FromStored(table.Column(k)!, v);
        var modCount = long.Parse(current[TableDefinition.ModCount] ?? "0", CultureInfo.InvariantCulture) + 1;
        wire[TableDefinition.ModCount] = modCount.ToString(CultureInfo.InvariantCulture);
        return WriteResult.Ok(new RecordRow(wire));
    }

    /// <summary>
    /// Adds one to an integer column in a single statement and answers the new value, or null when no record has the
    /// sys_id. Concurrent callers never lose a count, as a read followed by a write would (failed logins racing past
    /// the lockout threshold).
    /// </summary>
    public Task<long?> IncrementAsync(TableDefinition table, string sysId, string column, WriteOptions options,
        CancellationToken cancellationToken = default) =>
        AddAsync(table, sysId, column, 1, options, cancellationToken);

    /// <summary>
    /// Adds <paramref name="amount"/> to an integer column in a single statement and answers the new value, or null
    /// when no record has the sys_id (a bulk load takes a run of sequence numbers at once this way).
    /// </summary>
    public async Task<long?> AddAsync(TableDefinition table, string sysId, string column, long amount, WriteOptions options,
        CancellationToken cancellationToken = default)
    {
        if (table.Column(column) is not { Type: ColumnType.Integer, ReadOnly: false })
            throw new ArgumentException($"{table.Name}.{column} is not a writable integer column.", nameof(column));
        if (!SysIds.IsSysId(sysId)) return null;
        var quoted = SqlDialect.Quote(column);
        await using var session = await SessionAsync(cancellationToken);
        using (await WriteLockAsync(cancellationToken))
        {
            var command = session.Command(
                $"UPDATE {SqlDialect.Quote(table.Name)} SET {quoted} = COALESCE({quoted}, 0) + @p3, " +
                "\"sys_mod_count\" = COALESCE(\"sys_mod_count\", 0) + 1, \"sys_updated_on\" = @p1, \"sys_updated_by\" = @p2 " +
                $"WHERE \"sys_id\" = @p0 RETURNING {quoted}",
                [new("p0", sysId), new("p1", Now()), new("p2", options.Actor), new("p3", amount)]);
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }
    }

    public Task<WriteResult> DeleteAsync(TableDefinition table, string sysId, CancellationToken cancellationToken = default) =>
        table.Name == Dictionary.Table
            ? Dictionary.DeleteAsync(this, sysId, cancellationToken)
            : DeleteRecordAsync(table, sysId, cancellationToken);

    internal async Task<WriteResult> DeleteRecordAsync(TableDefinition table, string sysId, CancellationToken cancellationToken)
    {
        if (SysIds.IsSysId(sysId))
        {
            await using var session = await SessionAsync(cancellationToken);
            using (await WriteLockAsync(cancellationToken))
            {
                var command = session.Command(DeleteStatement(table), [new("p0", sysId)]);
                if (await command.ExecuteNonQueryAsync(cancellationToken) > 0) return WriteResult.Deleted;
            }
        }
        return WriteResult.Fail(WriteErrorKind.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    }

    /// <summary>Runs schema SQL (ALTER TABLE) with writes held back.</summary>
    internal async Task AlterAsync(string sql, CancellationToken cancellationToken)
    {
        await using (var session = await SessionAsync(cancellationToken))
        using (await WriteLockAsync(cancellationToken))
            await session.ExecuteAsync(sql, cancellationToken);
        // Statements prepared before the change may name a column that is gone.
        await _sessions.ResetAsync();
    }

    /// <summary>Deletes every record that matches (used for cascades such as a user's memberships).</summary>
    public async Task<int> DeleteWhereAsync(TableDefinition table, EncodedQuery query, CancellationToken cancellationToken = default)
    {
        var (text, parameters, _) = DeleteWhereStatement(table, query);
        if (text is null) throw new ArgumentException("A delete needs a condition.", nameof(query));
        await using var session = await SessionAsync(cancellationToken);
        using (await WriteLockAsync(cancellationToken))
            return await session.Command(text, parameters).ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The DELETE of the records a query matches (null text when no condition is left), and the terms dropped as
    /// invalid. Shared by <see cref="DeleteWhereAsync"/> and batches.
    /// </summary>
    private (string? Text, IReadOnlyList<KeyValuePair<string, object?>> Parameters, IReadOnlyList<string> Dropped)
        DeleteWhereStatement(TableDefinition table, EncodedQuery query)
    {
        var sql = new SqlBuilder(Dialect, Tables, table);
        var compiler = new QueryCompiler(sql);
        var where = compiler.Where(query);
        var text = where is null
            ? null
            : $"DELETE FROM {SqlDialect.Quote(table.Name)} WHERE \"sys_id\" IN (SELECT t.\"sys_id\" FROM {sql.From} WHERE {where})";
        return (text, sql.Parameters, compiler.Dropped);
    }

    /// <summary>The DELETE of one record by sys_id (<c>@p0</c>).</summary>
    private static string DeleteStatement(TableDefinition table) =>
        $"DELETE FROM {SqlDialect.Quote(table.Name)} WHERE \"sys_id\" = @p0";

    private async Task<WriteResult?> ApplyAsync(Session session, TableDefinition table,
        IReadOnlyDictionary<string, string?> values, WriteOptions options, Dictionary<string, object?> stored,
        Dictionary<string, string?> wire, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in values)
        {
            var column = table.Column(name);
            if (!IsWritable(column)) continue;
            if (string.IsNullOrEmpty(value))
            {
                stored[name] = null;
                wire[name] = null;
                continue;
            }
            // PostgreSQL cannot hold U+0000 in text and SQLite can; refusing it everywhere keeps them alike.
            if (value.Contains('\0'))
                return WriteResult.Fail(WriteErrorKind.InvalidValue, "Invalid value for field: " + name,
                    $"{table.Name}.{name}: the value holds a NUL character (U+0000), which text cannot hold");
            object? converted;
            string? problem;
            switch (column.Type)
            {
                case ColumnType.Password:
                    converted = Hasher.Hash(value);
                    problem = null;
                    break;
                case ColumnType.Reference:
                    (converted, problem) = await ResolveReferenceAsync(session, column, value, options.InputDisplayValue, cancellationToken);
                    break;
                default:
                    converted = ValueCodec.ToStored(column, value, out problem);
                    if (problem is null && converted is string text && text.Length > column.MaxLength)
                        problem = $"the value is {text.Length} characters long and the column holds {column.MaxLength}";
                    break;
            }
            if (problem is not null)
                return WriteResult.Fail(WriteErrorKind.InvalidValue, "Invalid value for field: " + name,
                    $"{table.Name}.{name}: {problem}");
            stored[name] = converted;
            wire[name] = column.Type == ColumnType.Password ? "********" : ValueCodec.FromStored(column, converted);
        }
        return null;
    }

    /// <summary>Whether a write's value for the column is taken: unknown, read-only and calculated columns are ignored.</summary>
    private static bool IsWritable([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] ColumnDefinition? column) =>
        column is not null && !column.ReadOnly && column.Calculation is null;

    /// <summary>
    /// A reference takes a sys_id, or the display value of the record it refers to (always with
    /// sysparm_input_display_value, and as ServiceNow's fallback when the value is not a sys_id).
    /// </summary>
    private async Task<(object? Value, string? Problem)> ResolveReferenceAsync(Session session, ColumnDefinition column,
        string value, bool inputDisplayValue, CancellationToken cancellationToken)
    {
        var target = Tables.Find(column.ReferenceTable);
        var trimmed = value.Trim();
        var asSysId = trimmed.ToLowerInvariant();
        if (target is null) return SysIds.IsSysId(asSysId) ? (asSysId, null) : (null, $"'{value}' is not a sys_id");
        if (!inputDisplayValue && SysIds.IsSysId(asSysId)) return (asSysId, null);
        if (target.DisplayField != TableDefinition.SysId)
        {
            var sql = new SqlBuilder(Dialect, Tables, target);
            var where = new QueryCompiler(sql).Where(EncodedQuery.Where(target.DisplayField, trimmed));
            var command = session.Command(
                $"SELECT t.\"sys_id\" FROM {sql.From} WHERE {where} ORDER BY t.\"sys_created_on\" LIMIT 1", sql.Parameters);
            if (await command.ExecuteScalarAsync(cancellationToken) is string found) return (found, null);
        }
        if (SysIds.IsSysId(asSysId)) return (asSysId, null);
        return (null, $"no {target.Name} record has {target.DisplayField} '{value}'");
    }

    private static void Calculate(TableDefinition table, Dictionary<string, object?> stored, Dictionary<string, string?> wire)
    {
        foreach (var column in table.Columns)
        {
            if (column.Calculation is null) continue;
            var value = column.Calculation(wire);
            if (string.IsNullOrEmpty(value)) value = null;
            stored[column.Name] = value;
            wire[column.Name] = value;
        }
    }

    private static RecordRow ToRow(TableDefinition table, Dictionary<string, object?> stored)
    {
        var values = new Dictionary<string, string?>(table.Columns.Count, StringComparer.Ordinal);
        foreach (var column in table.Columns)
            values[column.Name] = ValueCodec.FromStored(column, stored.GetValueOrDefault(column.Name));
        return new RecordRow(values);
    }

    /// <summary>Names the unique key a write broke, in ServiceNow's words for an aborted write.</summary>
    private async Task<WriteResult> DuplicateAsync(Session session, TableDefinition table,
        Dictionary<string, object?> row, string operation, CancellationToken cancellationToken, string? self = null)
    {
        var detail = $"Error during {operation} of {table.Name}";
        foreach (var index in table.Indexes.Where(i => i.Unique).Append(IndexDefinition.UniqueOn(TableDefinition.SysId)))
        {
            var query = EncodedQuery.Empty;
            foreach (var column in index.Columns)
            {
                var v = row.GetValueOrDefault(column);
                var text = v is null ? "" : ValueCodec.FromStored(table.Column(column)!, v) ?? "";
                query = query.And(new QueryCondition(column, text.Length == 0 ? QueryOperator.IsEmpty : QueryOperator.Equals, text));
            }
            if (self is not null) query = query.And(new QueryCondition(TableDefinition.SysId, QueryOperator.NotEquals, self));
            var sql = new SqlBuilder(Dialect, Tables, table);
            var where = new QueryCompiler(sql).Where(query);
            var command = session.Command($"SELECT COUNT(*) FROM {sql.From} WHERE {where}", sql.Parameters);
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0) continue;
            var described = string.Join(", ", index.Columns.Select(c =>
                $"{c} '{(row.GetValueOrDefault(c) is { } v ? ValueCodec.FromStored(table.Column(c)!, v) : "")}'"));
            return WriteResult.Fail(WriteErrorKind.Aborted, "Operation Failed",
                $"{detail}: a record with {described} already exists");
        }
        return WriteResult.Fail(WriteErrorKind.Aborted, "Operation Failed", detail + ": unique key violation");
    }
}
