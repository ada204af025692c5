using IdentityBridge.Storage;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Testing.Backends;

namespace IdentityBridge.Testing.Stores;

/// <summary>
/// A store on a database of its own (a fresh SQLite file or a fresh PostgreSQL database) that can be closed and
/// opened again on the same data; disposing it closes the store and deletes the SQLite file.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string? _directory;

    internal TestStore(Backend backend, StoreOptions options, Store store, string? directory)
    {
        Backend = backend;
        Options = options;
        Store = store;
        _directory = directory;
    }

    public Backend Backend { get; }
    public StoreOptions Options { get; }
    public Store Store { get; private set; }

    /// <summary>Closes the store and opens the same database again, as a restarted instance would.</summary>
    public async Task ReopenAsync(IEnumerable<TableDefinition> tables, CancellationToken cancellationToken = default)
    {
        await Store.DisposeAsync();
        Store = await Store.OpenAsync(Options, tables, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_directory is null) return;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open only leaves a stray file in the temp directory.
        }
    }
}
