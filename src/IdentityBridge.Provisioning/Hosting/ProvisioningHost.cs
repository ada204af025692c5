using IdentityBridge.Storage.Security;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityBridge.Provisioning.Hosting;

/// <summary>Where the provisioning store lives and how its secrets are protected.</summary>
public sealed record ProvisioningOptions
{
    /// <summary>The data directory: SQLite file <c>provisioning.db</c> and the key file <c>provisioning.key</c>.</summary>
    public string DataDirectory { get; init; } = "./data/provisioning";

    public string? PostgresConnectionString { get; init; }

    /// <summary>The secrets key in base64 (<c>IDBRIDGE_PROVISIONING_KEY</c>); without it a key file under the data directory is used.</summary>
    public string? Key { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Replaces the Graph source and the ServiceNow connector (tests and benchmarks that wrap them); null for the real ones.</summary>
    public Func<JobRecord, ISourceDirectory>? Sources { get; init; }

    public Func<JobRecord, ITargetConnector>? Targets { get; init; }

    /// <summary>Wraps where the engine writes log entries (a benchmark that times the writes); null writes to the store.</summary>
    public Func<IProvisioningLogSink, IProvisioningLogSink>? LogSink { get; init; }
}

/// <summary>
/// The provisioning part, opened: its store (jobs, state, logs), the engine over it, and the real Graph source and
/// ServiceNow connector for each job.
/// </summary>
public sealed class ProvisioningHost : IAsyncDisposable
{
    private ProvisioningHost(Store store, JobStore jobs, ProvisioningLogStore logs, ProvisioningEngine engine)
    {
        Store = store;
        Jobs = jobs;
        Logs = logs;
        Engine = engine;
    }

    public Store Store { get; }
    public JobStore Jobs { get; }
    public ProvisioningLogStore Logs { get; }
    public ProvisioningEngine Engine { get; }

    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "provisioning.db");

    public static async Task<ProvisioningHost> OpenAsync(ProvisioningOptions options, CancellationToken cancellationToken = default)
    {
        var sqlite = string.IsNullOrWhiteSpace(options.PostgresConnectionString);
        if (sqlite) Directory.CreateDirectory(options.DataDirectory);
        var store = await Store.OpenAsync(new StoreOptions
        {
            SqlitePath = sqlite ? DatabasePath(options.DataDirectory) : null,
            PostgresConnectionString = options.PostgresConnectionString,
            Time = options.Time,
        }, [.. ProvisioningTables.All, .. ProvisioningLogTables.All], cancellationToken);
        try
        {
            var secrets = SecretProtector.Load(Path.Combine(options.DataDirectory, "provisioning.key"), options.Key);
            var jobs = new JobStore(store, secrets);
            var logs = new ProvisioningLogStore(store);
            var engine = new ProvisioningEngine(jobs, options.LogSink?.Invoke(logs) ?? logs,
                options.Sources ?? (job => new GraphSource(SourceSettingsOf(job), options.LoggerFactory.CreateLogger<GraphSource>(), options.Time)),
                options.Targets ?? (job => new ServiceNowConnector(TargetSettingsOf(job), options.Time, options.LoggerFactory.CreateLogger<ServiceNowConnector>())),
                options.Time);
            return new ProvisioningHost(store, jobs, logs, engine);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public static SourceSettings SourceSettingsOf(JobRecord job)
    {
        var source = job.Definition.Source;
        return new SourceSettings
        {
            GraphBaseUrl = new Uri(source.GraphUrl),
            Authority = source.Authority is null ? null : new Uri(source.Authority),
            TenantId = source.TenantId,
            ClientId = source.ClientId,
            ClientSecret = source.ClientSecret ?? "",
            CertificateSha256 = source.CertificateSha256,
        };
    }

    public static TargetSettings TargetSettingsOf(JobRecord job)
    {
        var target = job.Definition.Target;
        return new TargetSettings
        {
            InstanceUrl = new Uri(target.InstanceUrl),
            Credentials = target.Authentication == "oauth"
                ? new TargetCredentials.OAuth(target.ClientId!, target.ClientSecret!, target.UserName, target.Password)
                : new TargetCredentials.Basic(target.UserName!, target.Password!),
            MaxConcurrency = target.MaxConcurrency,
            MaxRequestsPerSecond = target.MaxRequestsPerSecond,
        };
    }

    /// <summary>Deletes a job with its state and its log entries.</summary>
    public async Task DeleteJobAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        await Store.WriteBatchAsync([new BatchWrite.DeleteWhere(ProvisioningLogTables.Log, Storage.Queries.EncodedQuery.Where("job_id", job.JobId))],
            StateBatch.Writer, cancellationToken);
        await Jobs.DeleteAsync(job, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Store.DisposeAsync();
    }
}
