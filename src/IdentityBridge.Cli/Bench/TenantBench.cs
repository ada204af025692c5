using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using IdentityBridge.Cli.Commands;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Tenant.Certificates;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Import;
using IdentityBridge.Tenant.Tokens;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>What <c>idbridge bench tenant</c> measures, and where.</summary>
internal sealed record TenantBenchOptions
{
    public required int Users { get; init; }
    public required int SmallUsers { get; init; }
    public string? DataDirectory { get; init; }
    public bool Keep { get; init; }
    public string? PostgresConnectionString { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>Measured delta rounds at each size, after one unmeasured round.</summary>
    public int Rounds { get; init; } = 11;
    /// <summary>Users changed before each delta round.</summary>
    public int Changes { get; init; } = 100;
}

/// <summary>
/// <c>idbridge bench tenant</c>: seeds generated directories of <see cref="TenantBenchOptions.Users"/> and
/// <see cref="TenantBenchOptions.SmallUsers"/> users (in bulk, resumably), starts a tenant over HTTPS on each, and
/// measures as a Graph client does: a full read of the users through <c>@odata.nextLink</c> paging, and delta rounds
/// after a fixed number of changes at both sizes.
/// </summary>
internal sealed class TenantBench(TenantBenchOptions options, IAnsiConsole console)
{
    private const double ReadTarget = 50_000;
    private const double DeltaTargetMs = 100;
    private const double ScaleTarget = 1.5;
    private const int PageSize = 999;
    private const int SeedBatch = TenantCommand.GenerateBatchSize;

    private readonly List<string> _backends = [];
    private readonly List<(int Users, long Created, TimeSpan Elapsed)> _seeding = [];
    private (int Users, long Read, TimeSpan Elapsed, LatencyHistogram Pages)? _fullRead;
    private readonly Dictionary<int, (long Users, TimeSpan Elapsed)> _fullDelta = [];
    private readonly Dictionary<int, (LatencyHistogram Rounds, long Returned)> _delta = [];
    private ResourceUsage? _resources;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var workDirectory = options.DataDirectory ??
                            Path.Combine(Path.GetTempPath(), "idbridge-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}; load average {MachineCpu.LoadAverage()}");
        var locations = new List<BenchStoreLocation>();
        var interrupted = false;
        var started = ResourceSnapshot.Take();
        var clock = Stopwatch.StartNew();
        try
        {
            var large = BenchStoreLocation.For(workDirectory, options.PostgresConnectionString, options.Users, "tenant");
            locations.Add(large);
            await SeedAsync(large, options.Users, cancellationToken);
            var small = BenchStoreLocation.For(workDirectory, options.PostgresConnectionString, options.SmallUsers, "tenant");
            locations.Add(small);
            await SeedAsync(small, options.SmallUsers, cancellationToken);

            using var certificate = TenantCertificate.LoadOrCreate(Path.Combine(workDirectory, "tenant-certificate"));
            await using var largeTenant = await StartAsync(large, certificate, cancellationToken);
            await using var smallTenant = await StartAsync(small, certificate, cancellationToken);
            console.WriteLine();
            console.Write(new Rule("[bold]Measuring[/]").LeftJustified());
            await FullReadAsync(largeTenant, cancellationToken);
            await DeltaAsync(smallTenant, largeTenant, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
            console.MarkupLine("[yellow bold]Interrupted; stopping.[/]");
        }
        finally
        {
            _resources = ResourceUsage.Between(started, ResourceSnapshot.Take(), clock.Elapsed, 1);
            await BenchStoreLocation.CleanUpAsync(locations, workDirectory, options.Keep,
                options.DataDirectory is not null, options.PostgresConnectionString is not null, console);
        }
        Write(interrupted);
        if (options.JsonPath is { } json)
        {
            await WriteJsonAsync(json, interrupted);
            console.MarkupLine($"Figures written to {Markup.Escape(Path.GetFullPath(json))}.");
        }
        return interrupted ? 130 : 0;
    }

    private static TenantOptions TenantOptionsFor(BenchStoreLocation location) => new()
    {
        DataDirectory = location.DataDirectory ?? "",
        PostgresConnectionString = location.PostgresConnectionString,
        Urls = "https://127.0.0.1:0",
    };

    // ---- seeding ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Fills the directory with the generator's users 0..N-1 (seed 1), in batches of one transaction each. Users
    /// already there are left alone, so an interrupted seeding of a kept store resumes where it stopped.
    /// </summary>
    private async Task SeedAsync(BenchStoreLocation location, int users, CancellationToken cancellationToken)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]{users:N0} users[/]: {Markup.Escape(location.Description)}").LeftJustified());
        _backends.Add($"{users:N0} users: {location.Description}");
        await location.PrepareAsync(cancellationToken);
        var directory = await TenantApp.OpenDirectoryAsync(TenantOptionsFor(location), cancellationToken);
        await using var store = directory.Store;
        var existing = await store.CountAsync(DirectoryTables.User, EncodedQuery.Empty, cancellationToken);
        if (existing >= users)
        {
            console.MarkupLine($"  The directory already holds {existing:N0} users; nothing to seed.");
            return;
        }
        if (existing > 0) console.MarkupLine($"  Resuming: the directory holds {existing:N0} of {users:N0} users.");
        var generator = new DirectoryGenerator(1, await TenantCommand.DefaultDomainAsync(directory, cancellationToken));
        var importer = new DirectoryImporter(directory, "bench");
        long created = 0;
        var clock = Stopwatch.StartNew();
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Seeding {users:N0} users in batches of {SeedBatch:N0}", maxValue: users);
                foreach (var batch in generator.Users(users).Chunk(SeedBatch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var results = await importer.ImportManyAsync(batch, generator, updateExisting: false, cancellationToken);
                    foreach (var (result, reason) in results)
                        if (result == ImportResult.Rejected) throw new InvalidOperationException("A generated user was rejected: " + reason);
                    created += results.Count(r => r.Result == ImportResult.Created);
                    task.Increment(batch.Length);
                }
            });
        _seeding.Add((users, created, clock.Elapsed));
        console.MarkupLine($"  Seeded {created:N0} users in {clock.Elapsed.TotalSeconds:N1} s: " +
                           $"[bold]{created / clock.Elapsed.TotalSeconds:N0} users/s[/] (with one change-log row each).");
    }

    // ---- the tenant and its client ------------------------------------------------------------------------------

    private sealed class Running(TenantApp app, HttpClient http, string baseUrl, int users) : IAsyncDisposable
    {
        public TenantApp App { get; } = app;
        public HttpClient Http { get; } = http;
        public string BaseUrl { get; } = baseUrl;
        public int Users { get; } = users;

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts the tenant on a free loopback port over HTTPS, registers a reader application and gets its token from
    /// the tenant's token endpoint, as a Graph client would; the client trusts exactly the tenant's certificate.
    /// </summary>
    private async Task<Running> StartAsync(BenchStoreLocation location, TenantCertificate certificate, CancellationToken cancellationToken)
    {
        var users = (int)await CountAsync(location, cancellationToken);
        var app = await TenantApp.StartAsync(TenantOptionsFor(location) with { Certificate = certificate.Certificate },
            cancellationToken: cancellationToken);
        try
        {
            var pinned = certificate.Certificate.RawData;
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(pinned),
                },
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            };
            var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(5) };
            var baseUrl = app.Addresses[0].TrimEnd('/');
            var client = await app.Tokens.Applications.CreateClientAsync("idbridge bench", ["User.Read.All", "Directory.Read.All"],
                cancellationToken: cancellationToken);
            using var response = await http.PostAsync(TokenEndpoints.TokenUrl(baseUrl, app.TenantId), new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = client.Application.AppId,
                    ["client_secret"] = client.Secret.SecretText,
                    ["scope"] = "https://graph.microsoft.com/.default",
                }), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"The token endpoint answered {(int)response.StatusCode}: {body}");
            using var token = JsonDocument.Parse(body);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            console.MarkupLine($"  Tenant with {users:N0} users on {Markup.Escape(baseUrl)}; app {client.Application.AppId} has a token.");
            return new Running(app, http, baseUrl, users);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<long> CountAsync(BenchStoreLocation location, CancellationToken cancellationToken)
    {
        await using var store = await TenantApp.OpenStoreAsync(TenantOptionsFor(location), cancellationToken);
        return await store.CountAsync(DirectoryTables.User,
            EncodedQuery.Empty.And(new QueryCondition("deleted_date_time", QueryOperator.IsEmpty, "")), cancellationToken);
    }

    /// <summary>Reads one Graph page: the number of objects in it, and its nextLink and deltaLink.</summary>
    private static async Task<(int Count, string? Next, string? Delta)> PageAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await new StreamReader(stream).ReadToEndAsync(cancellationToken)}");
        using var page = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        var root = page.RootElement;
        return (root.GetProperty("value").GetArrayLength(),
            root.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null,
            root.TryGetProperty("@odata.deltaLink", out var delta) ? delta.GetString() : null);
    }

    /// <summary>Follows nextLinks from the URL to the end; answers the objects read and the final deltaLink, if any.</summary>
    private static async Task<(long Count, string? DeltaLink)> RoundAsync(HttpClient http, string url, LatencyHistogram? pages,
        CancellationToken cancellationToken)
    {
        long count = 0;
        string? next = url;
        string? delta = null;
        while (next is { } link)
        {
            var at = Stopwatch.GetTimestamp();
            (var n, next, delta) = await PageAsync(http, link, cancellationToken);
            pages?.Record(Stopwatch.GetElapsedTime(at));
            count += n;
        }
        return (count, delta);
    }

    // ---- measurements -------------------------------------------------------------------------------------------

    private async Task FullReadAsync(Running tenant, CancellationToken cancellationToken)
    {
        var pages = new LatencyHistogram();
        var url = $"{tenant.BaseUrl}/v1.0/users?$top={PageSize}";
        // One unmeasured page warms the JIT and the connection.
        await PageAsync(tenant.Http, url, cancellationToken);
        var clock = Stopwatch.StartNew();
        var (count, _) = await console.Status().StartAsync($"Full read of {tenant.Users:N0} users through Graph paging ($top={PageSize})",
            _ => RoundAsync(tenant.Http, url, pages, cancellationToken));
        clock.Stop();
        _fullRead = (tenant.Users, count, clock.Elapsed, pages);
        console.MarkupLine($"  Full read @{tenant.Users:N0}: {count:N0} users in {clock.Elapsed.TotalSeconds:N2} s, " +
                           $"[bold]{count / clock.Elapsed.TotalSeconds:N0} users/s[/] (page p50 {pages.PercentileMilliseconds(0.5):N1} ms)");
    }

    /// <summary>
    /// A full delta round at each size (which also yields the deltaLink), then rounds from the deltaLink after
    /// <see cref="TenantBenchOptions.Changes"/> changes each: one unmeasured, then <see cref="TenantBenchOptions.Rounds"/>
    /// timed. The two sizes take turns round by round, so that both are measured in the same state of the machine
    /// (the JIT, the thread pool, the garbage collector and whatever else runs).
    /// </summary>
    private async Task DeltaAsync(Running small, Running large, CancellationToken cancellationToken)
    {
        var links = new Dictionary<int, string>();
        foreach (var tenant in new[] { small, large })
        {
            var clock = Stopwatch.StartNew();
            var (initial, deltaLink) = await console.Status().StartAsync($"Full delta round of {tenant.Users:N0} users",
                _ => RoundAsync(tenant.Http, $"{tenant.BaseUrl}/v1.0/users/delta?$top={PageSize}", null, cancellationToken));
            clock.Stop();
            _fullDelta[tenant.Users] = (initial, clock.Elapsed);
            links[tenant.Users] = deltaLink ?? throw new InvalidOperationException("A delta round ended without a deltaLink.");
            _delta[tenant.Users] = (new LatencyHistogram(), 0);
            console.MarkupLine($"  Full delta round @{tenant.Users:N0}: {initial:N0} users in {clock.Elapsed.TotalSeconds:N2} s");
        }

        var generator = new DirectoryGenerator(1, "unused");
        for (var round = 0; round <= options.Rounds; round++)
        {
            foreach (var tenant in new[] { small, large })
            {
                var random = new Random(HashCode.Combine(tenant.Users, round));
                for (var i = 0; i < options.Changes; i++)
                {
                    var sysId = GraphIds.ToSysId(generator.IdFor("user", random.Next(tenant.Users)));
                    var result = await tenant.App.Directory.UpdateUserAsync(sysId, new Dictionary<string, string?>
                    {
                        ["job_title"] = $"Bench change {round}.{i} {Guid.NewGuid():N}",
                    }, "bench", cancellationToken);
                    if (!result.Succeeded) throw new InvalidOperationException($"Could not change user {sysId}: {result.Error!.Detail}");
                }
                var at = Stopwatch.GetTimestamp();
                var (count, next) = await RoundAsync(tenant.Http, links[tenant.Users], null, cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(at);
                links[tenant.Users] = next ?? throw new InvalidOperationException("A delta round ended without a deltaLink.");
                if (round == 0) continue; // warm-up
                var (rounds, returned) = _delta[tenant.Users];
                rounds.Record(elapsed);
                _delta[tenant.Users] = (rounds, returned + count);
                console.MarkupLine($"  Delta round {round} @{tenant.Users:N0} after {options.Changes} changes: {count} users in {elapsed.TotalMilliseconds:N1} ms");
            }
        }
    }

    // ---- report -------------------------------------------------------------------------------------------------

    private sealed record Target(string Name, string Goal, string Measured, bool? Met);

    private double? DeltaP50(int users) => _delta.TryGetValue(users, out var d) ? d.Rounds.PercentileMilliseconds(0.5) : null;

    private double? ReadRate => _fullRead is { } r ? r.Read / r.Elapsed.TotalSeconds : null;

    private double? Scale => DeltaP50(options.Users) is { } large && DeltaP50(options.SmallUsers) is { } small ? large / small : null;

    private IReadOnlyList<Target> Targets() =>
    [
        new($"full read through Graph paging @{options.Users:N0}", $">= {ReadTarget:N0} users/s",
            ReadRate is { } rate ? $"{rate:N0} users/s" : "not measured", ReadRate is { } r ? r >= ReadTarget : null),
        new($"delta round after {options.Changes} changes @{options.SmallUsers:N0} (p50)", $"< {DeltaTargetMs:N0} ms",
            DeltaP50(options.SmallUsers) is { } s ? $"{s:N1} ms" : "not measured", DeltaP50(options.SmallUsers) is { } s2 ? s2 < DeltaTargetMs : null),
        new($"delta round after {options.Changes} changes @{options.Users:N0} (p50)", $"< {DeltaTargetMs:N0} ms",
            DeltaP50(options.Users) is { } l ? $"{l:N1} ms" : "not measured", DeltaP50(options.Users) is { } l2 ? l2 < DeltaTargetMs : null),
        new($"delta p50 @{options.Users:N0} over @{options.SmallUsers:N0}", $"<= {ScaleTarget:N1}x",
            Scale is { } x ? $"{x:N2}x" : "not measured", Scale is { } x2 ? x2 <= ScaleTarget : null),
    ];

    private void Write(bool interrupted)
    {
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench tenant[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}; load average now {MachineCpu.LoadAverage()}");
        foreach (var backend in _backends) console.MarkupLine($"Backend: {Markup.Escape(backend)}");
        console.MarkupLine($"Client: one HttpClient over HTTPS (pinned to the tenant's certificate), $top={PageSize}; delta rounds: " +
                           $"{options.Rounds} measured after one unmeasured, each after {options.Changes} users changed.");
        if (interrupted) console.MarkupLine("[yellow bold]Interrupted: the figures below are those measured before Ctrl+C.[/]");
        foreach (var (users, created, elapsed) in _seeding)
            console.MarkupLine($"Seeding @{users:N0}: {created:N0} users in {elapsed.TotalSeconds:N1} s ({created / elapsed.TotalSeconds:N0} users/s).");

        var table = new Table().Border(TableBorder.Rounded).Title("Graph reads and delta rounds");
        table.AddColumn("measurement");
        table.AddColumn(new TableColumn("users").RightAligned());
        table.AddColumn(new TableColumn("result").RightAligned());
        table.AddColumn(new TableColumn("detail").RightAligned());
        table.AddColumn("target");
        table.AddColumn("verdict");
        var targets = Targets();
        if (_fullRead is { } read)
            table.AddRow("full read, Graph paging", N(read.Users), $"{read.Read / read.Elapsed.TotalSeconds:N0} users/s",
                $"{read.Read:N0} in {read.Elapsed.TotalSeconds:N2} s; page p50 {read.Pages.PercentileMilliseconds(0.5):N1} ms, p99 {read.Pages.PercentileMilliseconds(0.99):N1} ms",
                Markup.Escape(targets[0].Goal), Verdict(targets[0].Met));
        foreach (var (users, (count, elapsed)) in _fullDelta.OrderBy(d => d.Key))
            table.AddRow("full delta round (initial)", N(users), $"{count / elapsed.TotalSeconds:N0} users/s",
                $"{count:N0} in {elapsed.TotalSeconds:N2} s", "", "");
        foreach (var (users, index) in new[] { (options.SmallUsers, 1), (options.Users, 2) })
        {
            if (!_delta.TryGetValue(users, out var d)) continue;
            table.AddRow($"delta round after {options.Changes} changes", N(users), $"p50 {d.Rounds.PercentileMilliseconds(0.5):N1} ms",
                $"max {d.Rounds.MaxMicroseconds / 1000.0:N1} ms over {d.Rounds.Count} rounds; {d.Returned / Math.Max(1, d.Rounds.Count):N0} users each",
                Markup.Escape(targets[index].Goal), Verdict(targets[index].Met));
        }
        if (Scale is { } scale)
            table.AddRow("delta p50 ratio large/small", $"{N(options.Users)}/{N(options.SmallUsers)}", $"{scale:N2}x", "",
                Markup.Escape(targets[3].Goal), Verdict(targets[3].Met));
        console.Write(table);
        if (_resources is { } r)
            console.MarkupLine($"Peak memory: [bold]{r.PeakWorkingSetBytes / (1024.0 * 1024):N0} MiB[/] working set; GC heap " +
                               $"{r.GcHeapBytes / (1024.0 * 1024):N0} MiB at the end; {r.Gen0Collections}/{r.Gen1Collections}/{r.Gen2Collections} GCs (gen 0/1/2).");
        console.MarkupLine("[grey]The client and the tenant share this process: CPU and memory cover both sides of every request.[/]");
        var missed = targets.Where(t => t.Met == false).ToList();
        var unmeasured = targets.Count(t => t.Met is null);
        var text = missed.Count == 0 && unmeasured == 0
            ? $"All {targets.Count} targets met."
            : string.Join(". ", new[]
            {
                missed.Count > 0 ? $"MISSED {missed.Count} of {targets.Count} targets: " +
                                   string.Join("; ", missed.Select(t => $"{t.Name} {t.Measured} (target {t.Goal})")) : null,
                unmeasured > 0 ? $"{unmeasured} of {targets.Count} targets not measured" : null,
            }.OfType<string>()) + ".";
        console.WriteLine();
        console.MarkupLine($"[{(missed.Count == 0 && unmeasured == 0 ? "green" : "red")} bold]Verdict: {Markup.Escape(text)}[/]");
    }

    private static string Verdict(bool? met) => met switch { true => "[green]pass[/]", false => "[red bold]MISSED[/]", null => "" };

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private async Task WriteJsonAsync(string path, bool interrupted)
    {
        var document = new
        {
            machine = new
            {
                processor_count = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                server_gc = GCSettings.IsServerGC,
            },
            backends = _backends,
            options = new { users = options.Users, small_users = options.SmallUsers, rounds = options.Rounds, changes = options.Changes, page_size = PageSize },
            interrupted,
            seeding = _seeding.Select(s => new { users = s.Users, created = s.Created, seconds = s.Elapsed.TotalSeconds }),
            full_read = _fullRead is { } r
                ? new { users = r.Read, seconds = r.Elapsed.TotalSeconds, users_per_second = r.Read / r.Elapsed.TotalSeconds }
                : null,
            full_delta = _fullDelta.Select(d => new { users = d.Key, read = d.Value.Users, seconds = d.Value.Elapsed.TotalSeconds }),
            delta = _delta.Select(d => new
            {
                users = d.Key,
                rounds = d.Value.Rounds.Count,
                p50_ms = d.Value.Rounds.PercentileMilliseconds(0.5),
                max_ms = d.Value.Rounds.MaxMicroseconds / 1000.0,
            }),
            delta_scale_ratio = Scale,
            peak_working_set_bytes = _resources?.PeakWorkingSetBytes,
            targets = Targets().Select(t => new { name = t.Name, goal = t.Goal, measured = t.Measured, met = t.Met }),
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, document, new JsonSerializerOptions { WriteIndented = true });
    }
}
