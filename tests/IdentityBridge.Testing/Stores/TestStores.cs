using IdentityBridge.Storage;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Postgres;

namespace IdentityBridge.Testing.Stores;

/// <summary>Opens stores for tests: each on an empty database of its own, with cheap password hashing.</summary>
public static class TestStores
{
    /// <summary>The floor <see cref="Storage.Security.PasswordHasher"/> allows; the default cost would slow every test.</summary>
    public const int PasswordIterations = 1000;

    /// <summary>Options for a store on a new, empty database of the given backend, and the directory to delete.</summary>
    public static async Task<(StoreOptions Options, string? Directory)> NewDatabaseAsync(Backend backend,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var options = new StoreOptions { PasswordIterations = PasswordIterations, Time = time ?? TimeProvider.System };
        switch (backend)
        {
            case Backend.Sqlite:
                var directory = Path.Combine(Path.GetTempPath(), "idbridge-tests", Guid.NewGuid().ToString("n"));
                return (options with { SqlitePath = Path.Combine(directory, "store.db") }, directory);
            case Backend.Postgres:
                var server = await PostgresServer.SharedAsync();
                return (options with { PostgresConnectionString = await server.CreateDatabaseAsync(cancellationToken) }, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, null);
        }
    }

    /// <summary>A store with the given tables on a new, empty database of the given backend.</summary>
    public static async Task<TestStore> OpenAsync(Backend backend, IEnumerable<TableDefinition> tables,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var (options, directory) = await NewDatabaseAsync(backend, time, cancellationToken);
        try
        {
            return new TestStore(backend, options, await Store.OpenAsync(options, tables, cancellationToken), directory);
        }
        catch when (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }
}
