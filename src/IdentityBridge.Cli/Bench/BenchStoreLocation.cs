using Spectre.Console;
using System.Globalization;
using IdentityBridge.Instance.Hosting;
using Npgsql;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// Where the bench keeps its store of one size: <c>users-100000/instance.db</c> under the work directory, or the
/// schema <c>idbridge_bench_100000</c> of the PostgreSQL database. Never the store an instance runs on, so a
/// <c>--data</c> or <c>--postgres</c> that names a real instance's does not receive 100,000 made-up users, and
/// never deleted when <c>--keep</c> is given, so a later run (or an interrupted seeding) can reuse it.
/// </summary>
internal sealed class BenchStoreLocation
{
    private readonly string? _directory;
    private readonly string? _postgres;
    private readonly string? _schema;

    private BenchStoreLocation(string? directory, string? postgres, string? schema, InstanceOptions instance, string description)
    {
        _directory = directory;
        _postgres = postgres;
        _schema = schema;
        Instance = instance;
        Description = description;
    }

    /// <summary>The instance's options without its admin password; the bench sets a new one on every run.</summary>
    public InstanceOptions Instance { get; }
    public string Description { get; }
    /// <summary>The SQLite store's directory, or null on PostgreSQL.</summary>
    public string? DataDirectory => _directory;
    /// <summary>The PostgreSQL connection string with the bench's schema as search path, or null on SQLite.</summary>
    public string? PostgresConnectionString => Instance.PostgresConnectionString;

    /// <summary>
    /// The location for a store of <paramref name="users"/> users; <paramref name="part"/> (such as "tenant")
    /// keeps another part's bench stores apart from the instance's: <c>tenant-users-N/</c>, <c>idbridge_bench_tenant_N</c>.
    /// </summary>
    public static BenchStoreLocation For(string workDirectory, string? postgres, int users, string? part = null)
    {
        var size = users.ToString(CultureInfo.InvariantCulture);
        if (string.IsNullOrWhiteSpace(postgres))
        {
            var directory = Path.Combine(workDirectory, (part is null ? "" : part + "-") + "users-" + size);
            return new BenchStoreLocation(directory, null, null,
                new InstanceOptions { Urls = "http://127.0.0.1:0", DataDirectory = directory },
                "SQLite " + (part == "tenant" ? IdentityBridge.Tenant.Hosting.TenantApp.DatabasePath(directory) : InstanceApp.DatabasePath(directory)));
        }
        var schema = "idbridge_bench_" + (part is null ? "" : part + "_") + size;
        // The store names its tables unqualified, so the search path puts them, and finds them, in the bench's schema.
        var builder = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema };
        return new BenchStoreLocation(null, postgres, schema,
            new InstanceOptions { Urls = "http://127.0.0.1:0", PostgresConnectionString = builder.ConnectionString },
            $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}, schema {schema}");
    }

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (_schema is null) return;
        await ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS {_schema}", cancellationToken);
    }

    public async Task DeleteAsync()
    {
        if (_schema is not null) await ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE", CancellationToken.None);
        else if (_directory is not null && Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Removes a bench's stores, or with --keep says how to reuse them. Only a directory the bench made up is removed
    /// whole; a given --data keeps whatever else it holds.
    /// </summary>
    public static async Task CleanUpAsync(IReadOnlyList<BenchStoreLocation> locations, string workDirectory, bool keep,
        bool dataDirectoryGiven, bool onPostgres, IAnsiConsole console)
    {
        if (keep)
        {
            if (locations.Count > 0)
                console.MarkupLine("Kept the stores; run again with " +
                                   $"{(onPostgres ? "the same --postgres" : $"--data {Markup.Escape(workDirectory)}")} --keep to reuse them.");
            return;
        }
        foreach (var location in locations)
        {
            try
            {
                await location.DeleteAsync();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
            {
                console.MarkupLine($"[yellow]Could not remove {Markup.Escape(location.Description)}: {Markup.Escape(e.Message)}[/]");
            }
        }
        if (!dataDirectoryGiven && Directory.Exists(workDirectory)) Directory.Delete(workDirectory, recursive: true);
    }
}
