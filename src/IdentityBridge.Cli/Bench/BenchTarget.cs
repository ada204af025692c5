using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage.Queries;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// A seeded store with an instance running on it, on loopback, exactly as <c>idbridge instance</c> starts one, and
/// the workload's operations against it over HTTP and straight on its <see cref="InstanceApp.Store"/>.
/// </summary>
internal sealed class BenchTarget : IAsyncDisposable
{
    private BenchTarget(int users, InstanceApp instance, UserWorkload workload, TableApiOperations http, StoreOperations direct)
    {
        Users = users;
        Instance = instance;
        Workload = workload;
        Http = http;
        Direct = direct;
    }

    public int Users { get; }
    public InstanceApp Instance { get; }
    public UserWorkload Workload { get; }
    public TableApiOperations Http { get; }
    public StoreOperations Direct { get; }
    public string Address => Instance.Addresses[0];

    public static async Task<BenchTarget> StartAsync(BenchStoreLocation location, int users, string adminPassword,
        int concurrency, CancellationToken cancellationToken)
    {
        var instance = await InstanceApp.StartAsync(location.Instance with { AdminPassword = adminPassword }, ErrorsOnly,
            cancellationToken);
        try
        {
            var table = instance.Store.Tables.Find(InstanceTables.User)!;
            var matching = await instance.Store.CountAsync(table, EncodedQuery.Parse(UserWorkload.PageFilter), cancellationToken);
            var workload = new UserWorkload(users, matching);
            return new BenchTarget(users, instance, workload,
                new TableApiOperations(instance.Addresses[0], adminPassword, concurrency, workload),
                new StoreOperations(instance.Store, workload));
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Instance.DisposeAsync();
    }

    /// <summary>The instance's own log shows errors only, so that it does not break into the progress display.</summary>
    private static void ErrorsOnly(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Error);
    }
}
