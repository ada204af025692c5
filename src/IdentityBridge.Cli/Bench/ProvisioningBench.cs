using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Http;
using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Scheduling;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tokens;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>What <c>idbridge bench provisioning</c> measures, and where.</summary>
internal sealed record ProvisioningBenchOptions
{
    public required DirectorySize Size { get; init; }
    /// <summary>The directory of the incremental comparison (no initial cycle measured); null to leave it out.</summary>
    public DirectorySize? Large { get; init; }
    public int Seed { get; init; } = 1;
    public int Concurrency { get; init; } = 8;
    public int Changes { get; init; } = 100;
    /// <summary>Measured incremental cycles at each size, after one unmeasured.</summary>
    public int Rounds { get; init; } = 5;
    public int ContinuousChanges { get; init; } = 10;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    public string? DataDirectory { get; init; }
    public bool Keep { get; init; }
    /// <summary>Reuse the kept instance and job of <see cref="Size"/> and measure only incremental cycles and continuous mode.</summary>
    public bool IncrementalOnly { get; init; }
}

/// <summary>
/// <c>idbridge bench provisioning</c>: a generated directory in a tenant served over HTTPS, an empty instance on
/// loopback, and the engine between them with a job that syncs all users and groups. Measures the initial cycle
/// (wall time, objects per second, peak memory, requests), incremental cycles after a fixed mix of changes, and
/// how long a change takes to reach the instance in continuous mode; and says where a cycle's time goes.
/// </summary>
internal sealed partial class ProvisioningBench(ProvisioningBenchOptions options, IAnsiConsole console)
{
    private const double InitialTarget = 300; // seconds
    private const long MemoryTarget = 1L << 30;
    private const double IncrementalTargetMs = 2_000;
    private const double ContinuousTargetMs = 5_000;
    /// <summary>Microsoft's best documented rate for an initial cycle: about 0.01 minutes per object (40 minutes for 4,000).</summary>
    private const double EntraMinutesPerObject = 0.01;

    private static readonly string[] ReaderPermissions = ["User.Read.All", "Group.Read.All", "Application.Read.All"];
    private static readonly string[] AdminPermissions = ["Directory.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All"];

    private readonly string _adminPassword = "Bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "!A1";
    private readonly string _tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly List<(DirectorySize Size, long Written, TimeSpan Elapsed)> _seeding = [];
    private readonly List<string> _notes = [];
    private InitialMeasurement? _initial;
    private readonly Dictionary<int, List<IncrementalRound>> _incremental = [];
    private readonly LatencyHistogram _continuous = new();
    private int _continuousMissed;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var workDirectory = options.DataDirectory ??
                            Path.Combine(Path.GetTempPath(), "idbridge-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(workDirectory);
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}; load average {MachineCpu.LoadAverage()}");
        var locations = new List<BenchStoreLocation>();
        var interrupted = false;
        try
        {
            using var certificate = TenantCertificate.LoadOrCreate(Path.Combine(workDirectory, "tenant-certificate"));
            var size = options.Size;
            var tenantStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-tenant");
            var instanceStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-instance");
            var stateStore = BenchStoreLocation.For(workDirectory, null, size.Users, "provisioning-state");
            locations.AddRange([tenantStore, instanceStore, stateStore]);

            console.WriteLine();
            console.Write(new Rule($"[bold]{Markup.Escape(size.ToString())}[/]").LeftJustified());
            await SeedTenantAsync(tenantStore, size, cancellationToken);
            // The initial cycle is the measurement: it starts from an empty instance and an empty provisioning store
            // every time, while the tenant's directory is kept (with --keep) for the next run.
            if (!options.IncrementalOnly)
            {
                await instanceStore.DeleteAsync();
                await stateStore.DeleteAsync();
            }

            await using (var world = await World.StartAsync(this, tenantStore, instanceStore, stateStore, certificate, cancellationToken))
            {
                var job = await world.CreateJobAsync("bench", cancellationToken);
                if (options.IncrementalOnly && job.UsersWatermark is null)
                    throw new InvalidOperationException("--incremental-only needs the instance and job kept by an earlier run with the same --data and --keep.");
                if (!options.IncrementalOnly)
                {
                    console.WriteLine();
                    console.Write(new Rule("[bold]Initial cycle[/]").LeftJustified());
                    _initial = await InitialCycleAsync(world, job, size, cancellationToken);
                    WriteInitial(_initial);
                }
                else
                {
                    // The kept job's deltaLinks name the tenant's port of the run that made them.
                    await world.Jobs.SetWatermarksAsync(job, await LatestLinkAsync(world, "users", WithoutToken(job.UsersWatermark!), cancellationToken),
                        await LatestLinkAsync(world, "groups", WithoutToken(job.GroupsWatermark!), cancellationToken), cancellationToken);
                    job = (await world.Jobs.GetAsync(job.SysId, cancellationToken))!;
                }

                console.WriteLine();
                console.Write(new Rule($"[bold]Incremental cycles after {options.Changes} changes[/] @{size.Users:N0} users").LeftJustified());
                _incremental[size.Users] = await IncrementalAsync(world, job, size, cancellationToken);
                RememberDeltaQueries((await world.Jobs.GetAsync(job.SysId, cancellationToken))!);

                console.WriteLine();
                console.Write(new Rule($"[bold]Continuous mode[/] (poll every {options.PollInterval.TotalSeconds:N1} s)").LeftJustified());
                await ContinuousAsync(world, job, size, cancellationToken);
            }

            if (options.Large is { } large)
            {
                console.WriteLine();
                console.Write(new Rule($"[bold]{Markup.Escape(large.ToString())}[/]").LeftJustified());
                await LargeAsync(workDirectory, large, certificate, locations, cancellationToken);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            console.MarkupLine("[yellow bold]Interrupted; stopping.[/]");
        }
        finally
        {
            await BenchStoreLocation.CleanUpAsync(locations, workDirectory, options.Keep, options.DataDirectory is not null,
                onPostgres: false, console);
        }
        Write(interrupted);
        return interrupted ? 130 : 0;
    }

    private IAnsiConsole Out => console;

    private int JobConcurrency => options.Concurrency;

    private static TenantOptions TenantOptionsFor(BenchStoreLocation location) => new()
    {
        DataDirectory = location.DataDirectory!,
        Urls = "https://127.0.0.1:0",
    };

    // ---- the world: tenant, instance, provisioning store -------------------------------------------------------

    /// <summary>
    /// The tenant over HTTPS with a reader app (what Entra's provisioning service is granted) and an admin app that
    /// changes the directory through Graph, the instance on loopback with its admin, and the engine over its own
    /// store, its source, connector and log sink wrapped to be timed.
    /// </summary>
    private sealed class World : IAsyncDisposable
    {
        private World(ProvisioningBench bench, TenantApp tenant, InstanceApp instance, ProvisioningHost host,
            CycleInstruments instruments, HttpClient graph, HttpClient table, string certificateSha256,
            (string Id, string Secret) reader, string domain)
        {
            Bench = bench;
            Tenant = tenant;
            Instance = instance;
            Host = host;
            Instruments = instruments;
            Graph = graph;
            Table = table;
            CertificateSha256 = certificateSha256;
            Reader = reader;
            Domain = domain;
        }

        public ProvisioningBench Bench { get; }
        public TenantApp Tenant { get; }
        public InstanceApp Instance { get; }
        public ProvisioningHost Host { get; }
        public Store State => Host.Store;
        public ProvisioningEngine Engine => Host.Engine;
        public JobStore Jobs => Host.Jobs;
        public CycleInstruments Instruments { get; }
        /// <summary>Graph as the admin app, pinned to the tenant's certificate, with a token.</summary>
        public HttpClient Graph { get; }
        /// <summary>The instance's Table API as its admin.</summary>
        public HttpClient Table { get; }
        public string CertificateSha256 { get; }
        public (string Id, string Secret) Reader { get; }
        public string Domain { get; }
        public string TenantUrl => Tenant.Addresses[0].TrimEnd('/');
        public string InstanceUrl => Instance.Addresses[0].TrimEnd('/');

        public static async Task<World> StartAsync(ProvisioningBench bench, BenchStoreLocation tenantStore, BenchStoreLocation instanceStore,
            BenchStoreLocation stateStore, TenantCertificate certificate, CancellationToken cancellationToken)
        {
            var tenant = await TenantApp.StartAsync(TenantOptionsFor(tenantStore) with { Certificate = certificate.Certificate },
                ErrorsOnly, cancellationToken);
            InstanceApp? instance = null;
            ProvisioningHost? host = null;
            try
            {
                instance = await InstanceApp.StartAsync(instanceStore.Instance with { AdminPassword = bench._adminPassword }, ErrorsOnly, cancellationToken);
                await UserSeeder.ResetAdminPasswordAsync(instance.Store, bench._adminPassword, cancellationToken);
                await EnsureReferenceDataAsync(instance.Store, cancellationToken);

                var reader = await tenant.Tokens.Applications.CreateClientAsync("IdentityBridge provisioning bench", ReaderPermissions,
                    cancellationToken: cancellationToken);
                var admin = await tenant.Tokens.Applications.CreateClientAsync("IdentityBridge provisioning bench admin", AdminPermissions,
                    cancellationToken: cancellationToken);
                var baseUrl = tenant.Addresses[0].TrimEnd('/');
                var graph = OutboundHttp.CreateClient(TimeSpan.FromSeconds(60), certificate.Sha256Thumbprint);
                graph.BaseAddress = new Uri(baseUrl + "/v1.0/");
                using (var response = await graph.PostAsync(TokenEndpoints.TokenUrl(baseUrl, tenant.TenantId), new FormUrlEncodedContent(
                           new Dictionary<string, string>
                           {
                               ["grant_type"] = "client_credentials",
                               ["client_id"] = admin.Application.AppId,
                               ["client_secret"] = admin.Secret.SecretText,
                               ["scope"] = "https://graph.microsoft.com/.default",
                           }), cancellationToken))
                {
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The token endpoint answered {(int)response.StatusCode}: {body}");
                    using var token = JsonDocument.Parse(body);
                    graph.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
                }

                var table = new HttpClient { BaseAddress = new Uri(instance.Addresses[0].TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
                table.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + bench._adminPassword)));
                table.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

                // The provisioning part as users open it, with the source, connector and log sink wrapped to be timed.
                var directory = stateStore.DataDirectory!;
                var instruments = new CycleInstruments();
                host = await ProvisioningHost.OpenAsync(new ProvisioningOptions
                {
                    DataDirectory = directory,
                    Sources = job => instruments.Wrap(new GraphSource(ProvisioningHost.SourceSettingsOf(job))),
                    Targets = job => instruments.Wrap(new ServiceNowConnector(ProvisioningHost.TargetSettingsOf(job))),
                    LogSink = instruments.Wrap,
                }, cancellationToken);
                var domain = await Commands.TenantCommand.DefaultDomainAsync(tenant.Directory, cancellationToken);
                bench.Out.MarkupLine($"  Tenant on {Markup.Escape(baseUrl)} (HTTPS), instance on {Markup.Escape(instance.Addresses[0])}, " +
                                         $"provisioning store {Markup.Escape(ProvisioningHost.DatabasePath(directory))}.");
                return new World(bench, tenant, instance, host, instruments, graph, table, certificate.Sha256Thumbprint,
                    (reader.Application.AppId, reader.Secret.SecretText), domain);
            }
            catch
            {
                if (host is not null) await host.DisposeAsync();
                if (instance is not null) await instance.DisposeAsync();
                await tenant.DisposeAsync();
                throw;
            }
        }

        /// <summary>A job that syncs all users and groups with the default ServiceNow schema and no deletion guard.</summary>
        public async Task<JobRecord> CreateJobAsync(string name, CancellationToken cancellationToken)
        {
            var definition = new JobDefinition
            {
                Name = name,
                Source = new JobSource
                {
                    GraphUrl = TenantUrl + "/v1.0",
                    TenantId = Tenant.TenantId,
                    ClientId = Reader.Id,
                    ClientSecret = Reader.Secret,
                    CertificateSha256 = CertificateSha256,
                },
                Target = new JobTarget
                {
                    InstanceUrl = InstanceUrl,
                    UserName = "admin",
                    Password = Bench._adminPassword,
                    MaxConcurrency = Bench.JobConcurrency,
                },
                Settings = new JobSettings { Scope = ProvisioningScope.AllUsersAndGroups, DeletionThreshold = 0 },
            };
            // A kept job reads a tenant and writes an instance that listen on new ports, with new credentials, on every run.
            if ((await Jobs.ListAsync(cancellationToken)).FirstOrDefault(j => j.Name == name) is { } existing)
                return await Jobs.UpdateDefinitionAsync(existing, existing.Definition with { Source = definition.Source, Target = definition.Target },
                    cancellationToken);
            return await Jobs.CreateAsync(definition, cancellationToken);
        }

        public async Task<long> CountAsync(string table, CancellationToken cancellationToken) =>
            await Instance.Store.CountAsync(Instance.Store.Tables.Find(table)!, EncodedQuery.Empty, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            Graph.Dispose();
            Table.Dispose();
            await Host.DisposeAsync();
            await Instance.DisposeAsync();
            await Tenant.DisposeAsync();
        }
    }

    /// <summary>The hosts' own logs show errors only, so that they do not break into the progress display.</summary>
    private static void ErrorsOnly(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Error);
    }
}
