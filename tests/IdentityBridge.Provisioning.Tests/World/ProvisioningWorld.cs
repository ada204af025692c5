using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Testing.Postgres;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>
/// Everything a provisioning test needs, real and on loopback: a tenant to read, an instance to write, and a
/// provisioning store of its own. Jobs sync only the users and groups assigned to an app the test creates, so the
/// tests of one class share the servers without seeing each other's objects.
/// </summary>
public class ProvisioningWorld : IAsyncLifetime
{
    /// <summary>The provisioning store's backend; the tenant and the instance stay on SQLite.</summary>
    public virtual Backend Backend => Backend.Sqlite;

    private string? _dataDirectory;
    private ProvisioningHost? _host;

    public TenantServer Tenant { get; } = new();
    public InstanceServer Instance { get; } = new();

    public ProvisioningHost Host => _host ?? throw new InvalidOperationException("The world has not started.");
    public ProvisioningEngine Engine => Host.Engine;

    public string DataDirectory => _dataDirectory!;

    /// <summary>
    /// The engine's clock (escrow back-off, quarantine schedule), pinned so tests move it. The source and the
    /// connector keep the real clock for their timeouts and retries.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        // Where PostgreSQL may be skipped, every test of the class is reported skipped (see BackendFactAttribute).
        if (Backend == Backend.Postgres && PostgresServer.SkipReason is not null) return;
        await Task.WhenAll(Tenant.InitializeAsync(), Instance.InitializeAsync());
        _dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-provisioning-tests", Guid.NewGuid().ToString("n"));
        var postgres = Backend == Backend.Postgres ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync() : null;
        _host = await ProvisioningHost.OpenAsync(new ProvisioningOptions
        {
            DataDirectory = _dataDirectory,
            PostgresConnectionString = postgres,
            Time = Clock,
            Sources = job => new GraphSource(ProvisioningHost.SourceSettingsOf(job)),
            Targets = job => new ServiceNowConnector(ProvisioningHost.TargetSettingsOf(job) with { Timeout = TimeSpan.FromSeconds(20), MaxRetries = 1 }),
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is null) return;
        await _host.DisposeAsync();
        await Tenant.DisposeAsync();
        await Instance.DisposeAsync();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>A job definition for this tenant and instance (admin credentials, the default schema).</summary>
    public JobDefinition Definition(string name, string? servicePrincipalId, Func<JobSettings, JobSettings>? settings = null,
        string? instanceUrl = null, string? password = null)
    {
        var defaults = new JobSettings
        {
            Scope = servicePrincipalId is null ? ProvisioningScope.AllUsersAndGroups : ProvisioningScope.AssignedUsersAndGroups,
            ServicePrincipalId = servicePrincipalId,
            DeletionThreshold = 0,
        };
        return new JobDefinition
        {
            Name = name,
            Source = new JobSource
            {
                GraphUrl = Tenant.GraphUrl.ToString(),
                TenantId = Tenant.TenantId,
                ClientId = Tenant.ClientId,
                ClientSecret = Tenant.ClientSecret,
                CertificateSha256 = Tenant.CertificateSha256,
            },
            Target = new JobTarget
            {
                InstanceUrl = instanceUrl ?? Instance.BaseUrl,
                UserName = InstanceServer.AdminUserName,
                Password = password ?? InstanceServer.AdminPassword,
            },
            Settings = settings?.Invoke(defaults) ?? defaults,
        };
    }

    public Task<JobRecord> CreateJobAsync(string name, string? servicePrincipalId, Func<JobSettings, JobSettings>? settings = null,
        string? instanceUrl = null, string? password = null) =>
        Host.Jobs.CreateAsync(Definition(name, servicePrincipalId, settings, instanceUrl, password));

    /// <summary>
    /// An enterprise app named after <paramref name="scope"/> with these users and groups assigned, and a job that
    /// syncs what is assigned to it: each test's own slice of the shared tenant.
    /// </summary>
    public async Task<(string App, JobRecord Job)> AssignedJobAsync(string scope, IEnumerable<string> principals,
        Func<JobSettings, JobSettings>? settings = null, string? instanceUrl = null, string? password = null, string? schema = null)
    {
        var (app, _) = await Tenant.CreateServicePrincipalAsync(scope + "app");
        foreach (var principal in principals) await Tenant.AssignAsync(app, principal);
        var job = await Host.Jobs.CreateAsync(Definition(scope + "job", app, settings, instanceUrl, password) with { Schema = schema });
        return (app, job);
    }

    /// <summary>Runs one cycle of the job as it is stored now.</summary>
    public async Task<CycleOutcome> SyncAsync(JobRecord job, CycleOptions? options = null) =>
        await Engine.RunCycleAsync((await Host.Jobs.GetAsync(job.SysId))!, options);

    public async Task<JobRecord> ReloadAsync(JobRecord job) => (await Host.Jobs.GetAsync(job.SysId))!;

    /// <summary>The job's log entries, newest first.</summary>
    public async Task<IReadOnlyList<ProvisioningLogEntry>> LogsAsync(JobRecord job, Func<ProvisioningLogFilter, ProvisioningLogFilter>? filter = null)
    {
        var query = new ProvisioningLogFilter { JobId = job.JobId, Limit = ProvisioningLogFilter.MaxLimit };
        return (await Host.Logs.QueryAsync(filter?.Invoke(query) ?? query)).Entries;
    }
}

/// <summary>The same world with the provisioning store on PostgreSQL.</summary>
public sealed class PostgresProvisioningWorld : ProvisioningWorld, IPostgresFixture
{
    public override Backend Backend => Backend.Postgres;
}
