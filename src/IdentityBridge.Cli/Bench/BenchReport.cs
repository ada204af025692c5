using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The figures of a bench run, the issue's targets checked against them, and how they are shown: tables on the
/// console and, on request, a JSON file with the same numbers.
/// </summary>
internal sealed class BenchReport(InstanceBenchOptions options)
{
    /// <summary>A loopback port the system just handed out, for a server that must be told its address up front.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const string Http = "HTTP";
    private const string Direct = "direct";
    private const string Lookup = "lookup";
    private const string Create = "create";
    private const string ListPage = "list page";

    // The issue's targets for a 2-core machine.
    private const double LookupsPerSecondTarget = 5_000;
    private const double LookupP99TargetMs = 10;
    private const double CreatesPerSecondTarget = 2_000;
    private const double ScaleRatioTarget = 1.5;

    private readonly List<PhaseMeasurement> _phases = [];
    private readonly List<string> _backends = [];

    public static string Machine =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
        $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : " (concurrent)")}";

    /// <summary>Writes a bench's figures as indented JSON (the <c>--json</c> option) and says where.</summary>
    public static async Task WriteFiguresAsync(IAnsiConsole console, string path, object figures, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        console.MarkupLine($"Figures written to {Markup.Escape(Path.GetFullPath(path))}.");
    }

    public void AddBackend(string description) => _backends.Add(description);

    public void Add(PhaseMeasurement phase) => _phases.Add(phase);

    private PhaseMeasurement? Find(string operation, string path, int users) =>
        _phases.FirstOrDefault(p => p.Operation == operation && p.Path == path && p.Users == users);

    /// <summary>One of the issue's targets; Met is null when the run ended before measuring it.</summary>
    private sealed record Target(string Name, string Goal, string Measured, bool? Met, PhaseMeasurement? Phase);

    private IReadOnlyList<Target> Targets()
    {
        var lookup = Find(Lookup, Http, options.Users);
        var create = Find(Create, Http, options.Users);
        var smallLookup = Find(Lookup, Http, options.SmallUsers);
        var scale = ScaleRatio(Http);
        return
        [
            Check($"lookups/s over HTTP at {options.Users:N0} users", $">= {LookupsPerSecondTarget:N0}/s", lookup,
                p => $"{p.PerSecond:N0}/s", p => p.PerSecond >= LookupsPerSecondTarget),
            Check($"lookup p99 over HTTP at {options.Users:N0} users", $"p99 < {LookupP99TargetMs:N0} ms", lookup,
                p => $"{p.P99:N2} ms", p => p.P99 < LookupP99TargetMs),
            Check($"creates/s over HTTP at {options.Users:N0} users", $">= {CreatesPerSecondTarget:N0}/s", create,
                p => $"{p.PerSecond:N0}/s", p => p.PerSecond >= CreatesPerSecondTarget),
            new($"lookup p50 at {options.Users:N0} over {options.SmallUsers:N0} users (HTTP)", $"<= {ScaleRatioTarget:N1}x",
                scale is null ? "not measured" : $"{scale:N2}x",
                scale is null ? null : scale <= ScaleRatioTarget && lookup!.Failures == 0 && smallLookup!.Failures == 0,
                null),
        ];

        // A phase with failed operations meets no target: its speed may be that of the failures.
        static Target Check(string name, string goal, PhaseMeasurement? phase, Func<PhaseMeasurement, string> measured,
            Func<PhaseMeasurement, bool> met) =>
            phase is null
                ? new(name, goal, "not measured", null, null)
                : new(name, goal, measured(phase), met(phase) && phase.Failures == 0, phase);
    }

    private double? ScaleRatio(string path) =>
        Find(Lookup, path, options.Users) is { } large && Find(Lookup, path, options.SmallUsers) is { } small
            ? large.P50 / small.P50
            : null;

    // ---- console -----------------------------------------------------------------------------------------------

    public void Write(IAnsiConsole console, bool interrupted)
    {
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench instance[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(Machine)}; load average now {MachineCpu.LoadAverage()}");
        foreach (var backend in _backends) console.MarkupLine($"Backend: {Markup.Escape(backend)}");
        console.MarkupLine($"Load: {options.Concurrency} keep-alive clients, {options.Duration.TotalSeconds:N0} s per phase after " +
                           $"{options.WarmUp.TotalSeconds:N0} s of warm-up; latencies in milliseconds.");
        if (interrupted) console.MarkupLine("[yellow bold]Interrupted: the figures below are those measured before Ctrl+C.[/]");
        if (_phases.Count > 0)
        {
            console.WriteLine();
            console.Write(ResultsTable());
            if (Find(Lookup, Direct, options.Users) is not null)
            {
                console.Write(HttpCostTable());
                // https://learn.microsoft.com/dotnet/standard/data/sqlite/async
                if (options.PostgresConnectionString is null)
                    console.MarkupLine("[grey]Microsoft.Data.Sqlite runs its Async methods synchronously: a direct client holds a " +
                                       "pool thread for a whole call, so direct latencies depend on how many pool threads share " +
                                       "the cores at the time. Compare the direct path by ops/s.[/]");
            }
            if (ScaleRatio(Http) is not null) console.Write(ScaleTable());
            console.Write(ResourcesTable());
            var peak = _phases.MaxBy(p => p.Resources.PeakWorkingSetBytes)!;
            console.MarkupLine($"Peak memory: [bold]{Mb(peak.Resources.PeakWorkingSetBytes)} MiB[/] working set (reached by " +
                               $"{Markup.Escape(Label(peak))} at {peak.Users:N0} users); GC heap at most " +
                               $"{Mb(_phases.Max(p => p.Resources.GcHeapBytes))} MiB after a phase.");
            if (_phases.Max(p => p.Resources.OtherProcessesCpuPercent ?? 0) is var busiest and >= 10)
                console.MarkupLine($"[yellow bold]Other processes used up to {busiest:N0} % of the machine's CPU during a phase:[/] " +
                                   "[yellow]the figures are lower, and vary more, than this machine gives the instance alone.[/]");
        }
        console.MarkupLine("[grey]The bench's clients and the instances share this process: CPU, allocation and memory " +
                           "figures cover both sides of every request. CPU % is of the whole machine; \"others\" is what " +
                           "other processes used meanwhile (on PostgreSQL, the database server among them).[/]");

        foreach (var phase in _phases.Where(p => p.Failures > 0))
            console.MarkupLine($"[red bold]FAILURES in {Markup.Escape(Label(phase))} at {phase.Users:N0} users: " +
                               $"{phase.Failures:N0} of {phase.Operations:N0} operations failed.[/] " +
                               $"[red]First: {Markup.Escape(phase.FirstFailure ?? "")}[/]");
        console.WriteLine();
        console.MarkupLine(Verdict(markup: true));
    }

    private Table ResultsTable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Throughput and latency");
        table.AddColumn("phase");
        table.AddColumn(new TableColumn("users").RightAligned());
        table.AddColumn(new TableColumn("ops/s").RightAligned());
        table.AddColumn(new TableColumn("p50 ms").RightAligned());
        table.AddColumn(new TableColumn("p99 ms").RightAligned());
        table.AddColumn(new TableColumn("p99.9 ms").RightAligned());
        table.AddColumn(new TableColumn("max ms").RightAligned());
        table.AddColumn(new TableColumn("errors").RightAligned());
        table.AddColumn("target");
        table.AddColumn("result");
        var targets = Targets();
        foreach (var phase in Ordered())
        {
            var own = targets.Where(t => ReferenceEquals(t.Phase, phase)).ToList();
            var goal = string.Join(", ", own.Select(t => t.Goal));
            bool? met = own.Count == 0 ? null : own.All(t => t.Met == true);
            table.AddRow(
                Markup.Escape(Label(phase)),
                phase.Users.ToString("N0", CultureInfo.InvariantCulture),
                phase.PerSecond.ToString("N0", CultureInfo.InvariantCulture),
                Ms(phase.P50), Ms(phase.P99), Ms(phase.P999), Ms(phase.MaxMilliseconds),
                phase.Failures == 0 ? "0" : $"[red bold]{phase.Failures:N0}[/]",
                Markup.Escape(goal),
                met switch { true => "[green]pass[/]", false => "[red bold]MISSED[/]", null => "" });
        }
        return table;
    }

    private Table HttpCostTable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Cost of the HTTP layer at {options.Users:N0} users");
        table.AddColumn("operation");
        table.AddColumn(new TableColumn("HTTP ops/s").RightAligned());
        table.AddColumn(new TableColumn("direct ops/s").RightAligned());
        table.AddColumn(new TableColumn("HTTP p50 ms").RightAligned());
        table.AddColumn(new TableColumn("direct p50 ms").RightAligned());
        table.AddColumn(new TableColumn("p50 HTTP/direct").RightAligned());
        table.AddColumn(new TableColumn("ops/s HTTP/direct").RightAligned());
        foreach (var (http, direct) in HttpOverDirect())
            table.AddRow(http.Operation,
                http.PerSecond.ToString("N0", CultureInfo.InvariantCulture), direct.PerSecond.ToString("N0", CultureInfo.InvariantCulture),
                Ms(http.P50), Ms(direct.P50),
                Ratio(http.P50 / direct.P50), Ratio(http.PerSecond / direct.PerSecond));
        return table;
    }

    private IEnumerable<(PhaseMeasurement Http, PhaseMeasurement Direct)> HttpOverDirect()
    {
        foreach (var operation in new[] { Lookup, Create, ListPage })
            if (Find(operation, Http, options.Users) is { } http && Find(operation, Direct, options.Users) is { } direct)
                yield return (http, direct);
    }

    private Table ScaleTable()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Lookup latency at {options.Users:N0} users over {options.SmallUsers:N0} users");
        table.AddColumn("path");
        table.AddColumn(new TableColumn($"p50 ms @{options.SmallUsers:N0}").RightAligned());
        table.AddColumn(new TableColumn($"p50 ms @{options.Users:N0}").RightAligned());
        table.AddColumn(new TableColumn("ratio").RightAligned());
        table.AddColumn("target");
        table.AddColumn("result");
        foreach (var path in new[] { Http, Direct })
        {
            if (ScaleRatio(path) is not { } ratio) continue;
            var isTarget = path == Http;
            table.AddRow(path, Ms(Find(Lookup, path, options.SmallUsers)!.P50), Ms(Find(Lookup, path, options.Users)!.P50),
                Ratio(ratio), isTarget ? $"<= {ScaleRatioTarget:N1}x" : "",
                !isTarget ? "" : ratio <= ScaleRatioTarget ? "[green]pass[/]" : "[red bold]MISSED[/]");
        }
        return table;
    }

    private Table ResourcesTable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Process resources per phase, in the order run");
        table.AddColumn("phase");
        table.AddColumn(new TableColumn("users").RightAligned());
        table.AddColumn(new TableColumn("CPU %").RightAligned());
        table.AddColumn(new TableColumn("others CPU %").RightAligned());
        table.AddColumn(new TableColumn("KB alloc/op").RightAligned());
        table.AddColumn(new TableColumn("GCs 0/1/2").RightAligned());
        table.AddColumn(new TableColumn("lock waits").RightAligned());
        table.AddColumn(new TableColumn("pool threads").RightAligned());
        table.AddColumn(new TableColumn("GC heap MiB").RightAligned());
        table.AddColumn(new TableColumn("working set MiB").RightAligned());
        table.AddColumn(new TableColumn("peak WS MiB").RightAligned());
        foreach (var phase in _phases)
        {
            var r = phase.Resources;
            table.AddRow(Markup.Escape(Label(phase)), phase.Users.ToString("N0", CultureInfo.InvariantCulture),
                r.CpuPercentOfMachine.ToString("N0", CultureInfo.InvariantCulture),
                r.OtherProcessesCpuPercent?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
                (r.AllocatedBytesPerOperation / 1024).ToString("N1", CultureInfo.InvariantCulture),
                $"{r.Gen0Collections}/{r.Gen1Collections}/{r.Gen2Collections}",
                r.LockContentions.ToString("N0", CultureInfo.InvariantCulture),
                r.PoolThreads.ToString(CultureInfo.InvariantCulture),
                Mb(r.GcHeapBytes), Mb(r.WorkingSetBytes), Mb(r.PeakWorkingSetBytes));
        }
        return table;
    }

    private string Verdict(bool markup)
    {
        var targets = Targets();
        var missed = targets.Where(t => t.Met == false).ToList();
        var unmeasured = targets.Count(t => t.Met is null);
        var failures = _phases.Sum(p => p.Failures);
        string text;
        if (missed.Count == 0 && unmeasured == 0 && failures == 0)
            text = $"All {targets.Count} targets met.";
        else
        {
            var parts = new List<string>();
            if (missed.Count > 0)
                parts.Add($"MISSED {missed.Count} of {targets.Count} targets: " +
                          string.Join("; ", missed.Select(t => $"{t.Name} {t.Measured} (target {t.Goal})")));
            if (unmeasured > 0) parts.Add($"{unmeasured} of {targets.Count} targets not measured");
            if (failures > 0) parts.Add($"{failures:N0} operations FAILED");
            text = string.Join(". ", parts) + ".";
        }
        if (!markup) return text;
        var color = missed.Count == 0 && unmeasured == 0 && failures == 0 ? "green" : "red";
        return $"[{color} bold]Verdict: {Markup.Escape(text)}[/]";
    }

    private IEnumerable<PhaseMeasurement> Ordered() =>
        _phases.OrderByDescending(p => p.Users == options.Users)
            .ThenBy(p => p.Operation switch { "seed" => 0, Lookup => 1, Create => 2, ListPage => 3, _ => 4 })
            .ThenBy(p => p.Path == Http ? 0 : 1);

    private static string Label(PhaseMeasurement phase) => $"{phase.Operation} · {phase.Path}";

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString("N2", CultureInfo.InvariantCulture);

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("N2", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture);

    // ---- JSON --------------------------------------------------------------------------------------------------

    public async Task WriteJsonAsync(string path, bool interrupted, CancellationToken cancellationToken)
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
            options = new
            {
                users = options.Users,
                small_users = options.SmallUsers,
                duration_seconds = options.Duration.TotalSeconds,
                warm_up_seconds = options.WarmUp.TotalSeconds,
                concurrency = options.Concurrency,
            },
            interrupted,
            peak_working_set_bytes = _phases.Count == 0 ? (long?)null : _phases.Max(p => p.Resources.PeakWorkingSetBytes),
            phases = Ordered().Select(p => new
            {
                operation = p.Operation,
                path = p.Path,
                users = p.Users,
                operations = p.Operations,
                failures = p.Failures,
                first_failure = p.FirstFailure,
                seconds = p.Elapsed.TotalSeconds,
                per_second = p.PerSecond,
                p50_ms = Finite(p.P50),
                p99_ms = Finite(p.P99),
                p999_ms = Finite(p.P999),
                max_ms = p.MaxMilliseconds,
                cpu_percent_of_machine = p.Resources.CpuPercentOfMachine,
                other_processes_cpu_percent_of_machine = p.Resources.OtherProcessesCpuPercent,
                allocated_bytes_per_operation = p.Resources.AllocatedBytesPerOperation,
                gen0_collections = p.Resources.Gen0Collections,
                gen1_collections = p.Resources.Gen1Collections,
                gen2_collections = p.Resources.Gen2Collections,
                lock_contentions = p.Resources.LockContentions,
                pool_threads = p.Resources.PoolThreads,
                gc_heap_bytes = p.Resources.GcHeapBytes,
                working_set_bytes = p.Resources.WorkingSetBytes,
                peak_working_set_bytes = p.Resources.PeakWorkingSetBytes,
            }),
            http_over_direct = HttpOverDirect().Select(pair => new
            {
                operation = pair.Http.Operation,
                p50_ratio = Finite(pair.Http.P50 / pair.Direct.P50),
                per_second_ratio = Finite(pair.Http.PerSecond / pair.Direct.PerSecond),
            }),
            lookup_p50_scale_ratio = new { http = Finite(ScaleRatio(Http)), direct = Finite(ScaleRatio(Direct)) },
            targets = Targets().Select(t => new { name = t.Name, goal = t.Goal, measured = t.Measured, met = t.Met }),
            verdict = Verdict(markup: false),
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, document, new JsonSerializerOptions { WriteIndented = true }, cancellationToken);
    }

    // JSON has no NaN: a percentile of nothing is null.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
