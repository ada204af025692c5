using System.Collections.Concurrent;
using System.Data.Common;
using IdentityBridge.Storage.Dialects;

namespace IdentityBridge.Storage.Sessions;

/// <summary>
/// One open connection lent to one operation. Where the dialect keeps statements prepared (SQLite, whose pool
/// would otherwise parse every statement anew), a statement text seen before runs without being parsed again;
/// this halves the cost of a lookup that reads a whole record.
/// </summary>
internal sealed class Session : IAsyncDisposable
{
    private const int MaxCachedStatements = 256;
    private readonly SessionPool _pool;
    private readonly Dictionary<string, DbCommand>? _prepared;
    private List<DbCommand>? _oneOff;

    public Session(SessionPool pool, DbConnection connection, bool prepareStatements)
    {
        _pool = pool;
        Connection = connection;
        _prepared = prepareStatements ? new Dictionary<string, DbCommand>(StringComparer.Ordinal) : null;
    }

    public DbConnection Connection { get; }

    /// <summary>The pool's schema generation when this session was opened.</summary>
    public int Generation { get; init; }

    /// <summary>A command for the text with these parameter values. The session owns it: do not dispose it.</summary>
    public DbCommand Command(string text, IReadOnlyList<KeyValuePair<string, object?>> parameters)
    {
        if (_prepared is not null && _prepared.TryGetValue(text, out var cached) && cached.Parameters.Count == parameters.Count)
        {
            for (var i = 0; i < parameters.Count; i++) cached.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
            return cached;
        }
        var command = Connection.CreateCommand();
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        if (_prepared is not null)
        {
            if (_prepared.Count >= MaxCachedStatements) ClearPrepared();
            command.Prepare();
            _prepared[text] = command;
        }
        else (_oneOff ??= []).Add(command);
        return command;
    }

    /// <summary>Runs schema SQL, which is never kept prepared.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = Connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Prepared statements may name columns a schema change removed; drop them all after one.</summary>
    public void ClearPrepared()
    {
        if (_prepared is null) return;
        foreach (var command in _prepared.Values) command.Dispose();
        _prepared.Clear();
    }

    public ValueTask DisposeAsync()
    {
        if (_oneOff is not null)
        {
            foreach (var command in _oneOff) command.Dispose();
            _oneOff = null;
        }
        return _pool.ReturnAsync(this);
    }

    internal async ValueTask CloseAsync()
    {
        ClearPrepared();
        await Connection.DisposeAsync();
    }
}

/// <summary>
/// Lends sessions. Idle sessions are kept (up to a bound) with their connection open and statements prepared,
/// where the dialect benefits; otherwise each session's connection goes back to the provider's own pool.
/// </summary>
internal sealed class SessionPool(SqlDialect dialect) : IAsyncDisposable
{
    private const int MaxIdle = 32;
    private readonly ConcurrentBag<Session> _idle = [];
    private int _generation;
    private volatile bool _disposed;

    public async ValueTask<Session> RentAsync(CancellationToken cancellationToken)
    {
        if (dialect.KeepsConnections && _idle.TryTake(out var idle)) return idle;
        var connection = dialect.CreateConnection();
        try
        {
            await dialect.OpenAsync(connection, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new Session(this, connection, dialect.KeepsConnections) { Generation = _generation };
    }

    public async ValueTask ReturnAsync(Session session)
    {
        if (!_disposed && dialect.KeepsConnections && session.Generation == _generation &&
            session.Connection.State == System.Data.ConnectionState.Open && _idle.Count < MaxIdle)
        {
            _idle.Add(session);
            return;
        }
        await session.CloseAsync();
    }

    /// <summary>After a schema change: sessions lent before it are closed when they come back.</summary>
    public async Task ResetAsync()
    {
        Interlocked.Increment(ref _generation);
        while (_idle.TryTake(out var session)) await session.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryTake(out var session)) await session.CloseAsync();
    }
}
