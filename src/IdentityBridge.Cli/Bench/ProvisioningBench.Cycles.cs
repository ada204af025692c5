using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Scheduling;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Import;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

/// <summary>One phase of a cycle as the engine reported it, with what the surroundings did meanwhile.</summary>
internal sealed record PhaseTiming(string Phase, TimeSpan Wall, TimeSpan Source, TimeSpan Target, TimeSpan Logs, TimeSpan State,
    long SourceCalls, long TargetRequests, long Finds, long Reads, long Creates, long Updates, long Deletes, long LogEntries, int Gen0, int Gen1,
    int Gen2, long AllocatedBytes, long HeapAtEnd)
{
    /// <summary>What is left when the waits on the directory, the instance, the log store and the state writes are taken off.</summary>
    public TimeSpan Engine => Max(TimeSpan.Zero, Wall - Source - Target - Logs - State);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

internal sealed record InitialMeasurement(DirectorySize Size, TimeSpan Elapsed, long Users, long Groups, long Memberships, long Requests,
    long Retries, long PeakWorkingSet, long PeakManagedHeap, long LiveHeapAfterCycle, IReadOnlyList<PhaseTiming> Phases,
    CycleOutcome Outcome, long LogEntries, double OthersCpuPercent)
{
    public long Written => Users + Groups + Memberships;
}

internal sealed record IncrementalRound(int Round, TimeSpan Elapsed, string State, long Requests, IReadOnlyList<PhaseTiming> Phases,
    IReadOnlyDictionary<string, long> Totals);

internal sealed partial class ProvisioningBench
{
    // ---- phase timings -------------------------------------------------------------------------------------------

    /// <summary>
    /// Turns the engine's progress reports into phase timings: a new phase name closes the previous phase with the
    /// differences of the instruments' counters, and the progress bar follows the counts.
    /// </summary>
    private sealed class PhaseRecorder(CycleInstruments instruments, ProgressTask? task) : IProgress<CycleProgress>
    {
        private readonly Lock _gate = new();
        private readonly List<PhaseTiming> _phases = [];
        private string? _phase;
        private CycleInstruments.Snapshot _since = instruments.Take();

        public void Report(CycleProgress value)
        {
            lock (_gate)
            {
                if (value.Phase != _phase)
                {
                    Close();
                    _phase = value.Phase;
                }
                if (task is null) return;
                task.Description = $"{value.Phase} ({value.Completed:N0}/{value.Total:N0}, {value.Exported:N0} exported" +
                                   (value.Failed > 0 ? $", [red]{value.Failed:N0} failed[/])" : ")");
                task.MaxValue = Math.Max(1, value.Total);
                task.Value = Math.Min(value.Completed, task.MaxValue);
            }
        }

        public IReadOnlyList<PhaseTiming> Finish()
        {
            lock (_gate)
            {
                Close();
                return _phases;
            }
        }

        private void Close()
        {
            var now = instruments.Take();
            if (_phase is not null && _phase != "done")
                _phases.Add(new PhaseTiming(_phase, Stopwatch.GetElapsedTime(_since.At, now.At), now.Source - _since.Source,
                    now.Target - _since.Target, now.Logs - _since.Logs, now.State - _since.State, now.SourceCalls - _since.SourceCalls,
                    now.TargetRequests - _since.TargetRequests, now.Finds - _since.Finds, now.Reads - _since.Reads,
                    now.Creates - _since.Creates, now.Updates - _since.Updates, now.Deletes - _since.Deletes, now.LogEntries - _since.LogEntries,
                    now.Gen0 - _since.Gen0, now.Gen1 - _since.Gen1, now.Gen2 - _since.Gen2, now.Allocated - _since.Allocated,
                    GC.GetTotalMemory(forceFullCollection: false)));
            _since = now;
        }
    }

    /// <summary>
    /// The process's resident memory and managed heap, sampled while a cycle runs; the kernel's own peak (VmHWM) is
    /// reset before, so the peak is the cycle's and not the seeding's.
    /// </summary>
    private sealed class MemorySampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private long _peakWorkingSet, _peakManaged;

        public MemorySampler()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not Linux, or not allowed: the process's lifetime peak is reported instead.
            }
            _sampling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Sample();
                    try
                    {
                        await Task.Delay(100, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public long PeakManaged => Interlocked.Read(ref _peakManaged);

        public long PeakWorkingSet
        {
            get
            {
                using var process = Process.GetCurrentProcess();
                return Math.Max(Interlocked.Read(ref _peakWorkingSet), process.PeakWorkingSet64);
            }
        }

        private void Sample()
        {
            var workingSet = Environment.WorkingSet;
            var managed = GC.GetTotalMemory(forceFullCollection: false);
            if (workingSet > Interlocked.Read(ref _peakWorkingSet)) Interlocked.Exchange(ref _peakWorkingSet, workingSet);
            if (managed > Interlocked.Read(ref _peakManaged)) Interlocked.Exchange(ref _peakManaged, managed);
        }

        public async ValueTask DisposeAsync()
        {
            Sample();
            await _stop.CancelAsync();
            await _sampling;
            _stop.Dispose();
        }
    }

    // ---- initial cycle -------------------------------------------------------------------------------------------

    private async Task<InitialMeasurement> InitialCycleAsync(World world, JobRecord job, DirectorySize size, CancellationToken cancellationToken)
    {
        var before = (Users: await world.CountAsync("sys_user", cancellationToken), Groups: await world.CountAsync("sys_user_group", cancellationToken),
            Members: await world.CountAsync("sys_user_grmember", cancellationToken));
        var requestsBefore = world.Instruments.TargetRequests;
        var retriesBefore = world.Instruments.TargetRetries;
        var logsBefore = world.Instruments.LogEntries;
        var cpu = ResourceSnapshot.Take();
        IReadOnlyList<PhaseTiming> phases = [];
        CycleOutcome? outcome = null;
        var clock = Stopwatch.StartNew();
        long peakWorkingSet, peakManaged;
        await using (var memory = new MemorySampler())
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("starting", maxValue: 1);
                    var recorder = new PhaseRecorder(world.Instruments, task);
                    outcome = await world.Engine.RunCycleAsync(job, new CycleOptions { Progress = recorder, InitiatedBy = "bench" }, cancellationToken);
                    phases = recorder.Finish();
                    task.Value = task.MaxValue;
                    task.Description = $"done: {outcome.State}";
                });
            clock.Stop();
            peakWorkingSet = memory.PeakWorkingSet;
            peakManaged = memory.PeakManaged;
        }
        var others = ResourceUsage.Between(cpu, ResourceSnapshot.Take(), clock.Elapsed, 1).OtherProcessesCpuPercent ?? 0;
        // What stays live once the cycle's objects are garbage: the tenant's, the instance's and the stores' own.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var after = (Users: await world.CountAsync("sys_user", cancellationToken), Groups: await world.CountAsync("sys_user_group", cancellationToken),
            Members: await world.CountAsync("sys_user_grmember", cancellationToken));
        return new InitialMeasurement(size, clock.Elapsed, after.Users - before.Users, after.Groups - before.Groups, after.Members - before.Members,
            world.Instruments.TargetRequests - requestsBefore, world.Instruments.TargetRetries - retriesBefore, peakWorkingSet, peakManaged,
            baseline, phases, outcome!, world.Instruments.LogEntries - logsBefore, others);
    }

    private void WriteInitial(InitialMeasurement m)
    {
        console.MarkupLine($"  Initial cycle: [bold]{m.Elapsed.TotalSeconds:N1} s[/], {m.Outcome.State}; written {m.Users:N0} users, {m.Groups:N0} groups, " +
                           $"{m.Memberships:N0} memberships ([bold]{m.Written / m.Elapsed.TotalSeconds:N0} objects/s[/]); " +
                           $"{m.Requests:N0} requests to the instance ({m.Retries:N0} retries); {m.LogEntries:N0} log entries.");
        console.MarkupLine($"  Totals: {Markup.Escape(string.Join(", ", m.Outcome.Totals.OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Value:N0}")))}");
        if (m.Outcome.Error is { } error) console.MarkupLine($"  [red bold]Cycle error: {Markup.Escape(error.Code)}: {Markup.Escape(error.Message)}[/]");
        console.Write(PhaseTable("Where the initial cycle's time went", m.Phases));
    }

    private static Table PhaseTable(string title, IReadOnlyList<PhaseTiming> phases)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title);
        table.AddColumn("phase");
        foreach (var column in new[] { "wall s", "Graph wait s", "instance busy s", "log writes s", "state writes ≈ s", "engine s",
                     "Graph pages", "instance requests", "finds/reads/creates/updates/deletes", "log entries", "GCs 0/1/2", "alloc MiB", "heap at end MiB" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var p in phases)
            table.AddRow(Markup.Escape(p.Phase), S(p.Wall), S(p.Source), S(p.Target), S(p.Logs), S(p.State), S(p.Engine),
                N(p.SourceCalls), N(p.TargetRequests), $"{p.Finds:N0}/{p.Reads:N0}/{p.Creates:N0}/{p.Updates:N0}/{p.Deletes:N0}", N(p.LogEntries),
                $"{p.Gen0}/{p.Gen1}/{p.Gen2}", Mib(p.AllocatedBytes), Mib(p.HeapAtEnd));
        table.Caption("[grey]Graph wait and instance busy: time with a request in flight (overlapping requests count once). State writes: " +
                      "from a chunk's last export to its log append, when the engine writes links and memberships. Engine: the rest " +
                      "(reading state, matching, computing, bookkeeping).[/]");
        return table;

        static string S(TimeSpan t) => t.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture);
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    }

    // ---- incremental cycles --------------------------------------------------------------------------------------

    /// <summary>
    /// Rounds of <see cref="ProvisioningBenchOptions.Changes"/> changes made through Graph as an admin app, each
    /// followed by a timed incremental cycle; the first round warms up and is not counted.
    /// </summary>
    private async Task<List<IncrementalRound>> IncrementalAsync(World world, JobRecord job, DirectorySize size, CancellationToken cancellationToken)
    {
        var rounds = new List<IncrementalRound>();
        var generator = new DirectoryGenerator(options.Seed, world.Domain);
        for (var round = 0; round <= options.Rounds; round++)
        {
            var made = await ChangeDirectoryAsync(world, generator, size, round, cancellationToken);
            var requests = world.Instruments.TargetRequests;
            var recorder = new PhaseRecorder(world.Instruments, null);
            var current = (await world.Jobs.GetAsync(job.SysId, cancellationToken))!;
            var clock = Stopwatch.StartNew();
            var outcome = await world.Engine.RunCycleAsync(current, new CycleOptions { Progress = recorder, InitiatedBy = "bench" }, cancellationToken);
            clock.Stop();
            var measured = new IncrementalRound(round, clock.Elapsed, outcome.State, world.Instruments.TargetRequests - requests, recorder.Finish(),
                outcome.Totals);
            if (round > 0) rounds.Add(measured);
            var phases = string.Join(", ", measured.Phases.Where(p => p.Wall.TotalMilliseconds >= 5)
                .Select(p => $"{p.Phase} {p.Wall.TotalMilliseconds:N0}"));
            console.MarkupLine($"  {(round == 0 ? "warm-up" : $"round {round}")}: {made}; cycle [bold]{clock.Elapsed.TotalMilliseconds:N0} ms[/] " +
                               $"({outcome.Kind}, {outcome.State}, {measured.Requests:N0} requests; {Markup.Escape(phases)} ms)");
            console.MarkupLine($"    [grey]{Markup.Escape(string.Join(", ", outcome.Totals.OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Value:N0}")))}[/]");
            if (outcome.Error is { } error) console.MarkupLine($"    [red bold]{Markup.Escape(error.Code)}: {Markup.Escape(error.Message)}[/]");
        }
        await ProbeStateReadsAsync(world, job, generator, size, cancellationToken);
        if (rounds.Count > 0)
        {
            var slowest = rounds.MaxBy(r => r.Elapsed)!;
            console.Write(PhaseTable($"Where the slowest incremental cycle's time went (round {slowest.Round}, {slowest.Elapsed.TotalMilliseconds:N0} ms)",
                slowest.Phases));
        }
        return rounds;
    }

    /// <summary>
    /// Reads links of random users from the provisioning store as the engine's state reads do (job and sys_id IN a
    /// list of 500 keys, in sys_id order), to put a price on the link lookups a membership reconciliation makes for
    /// every member of a touched group.
    /// </summary>
    private async Task ProbeStateReadsAsync(World world, JobRecord job, DirectoryGenerator generator, DirectorySize size,
        CancellationToken cancellationToken)
    {
        const int Links = 5_000;
        var random = new Random(HashCode.Combine(size.Users, _tag, "probe"));
        var keys = Enumerable.Range(0, Links)
            .Select(_ => ProvisioningTables.KeyOf(job.SysId, "link", "User", generator.IdFor("user", random.Next(size.Users)).ToString("D")))
            .ToList();
        var clock = Stopwatch.StartNew();
        long found = 0;
        foreach (var chunk in keys.Chunk(500))
        {
            var page = await world.State.QueryAsync(new RecordQuery
            {
                Table = ProvisioningTables.Link,
                Query = EncodedQuery.Where("job", job.SysId).And(new QueryCondition("sys_id", QueryOperator.In, string.Join(",", chunk))) with
                {
                    Order = [new OrderTerm("sys_id", Descending: false)],
                },
                Limit = 10_000,
            }, cancellationToken);
            found += page.Rows.Count;
        }
        clock.Stop();
        var members = (double)size.Memberships / size.Groups;
        var message = $"Reading {Links:N0} random links by key from the provisioning store took {clock.Elapsed.TotalMilliseconds:N0} ms " +
                      $"({found:N0} found; {clock.Elapsed.TotalMilliseconds * 1000 / Links:N0} µs each). A group has {members:N0} members on " +
                      $"average, so a cycle that touches 30 groups reads about {30 * members:N0} links.";
        console.MarkupLine($"  [grey]{Markup.Escape(message)}[/]");
        _notes.Add($"@{size.Users:N0} users: {message}");
    }

    /// <summary>
    /// One round's changes, through Graph: attribute updates, a few disables, a few new users, and memberships added
    /// and removed, in the proportions 70/5/5/10/10 of <see cref="ProvisioningBenchOptions.Changes"/>.
    /// </summary>
    private async Task<string> ChangeDirectoryAsync(World world, DirectoryGenerator generator, DirectorySize size, int round,
        CancellationToken cancellationToken)
    {
        var random = new Random(HashCode.Combine(size.Users, round, _tag));
        var disables = Math.Max(1, options.Changes * 5 / 100);
        var creates = Math.Max(1, options.Changes * 5 / 100);
        var adds = Math.Max(1, options.Changes / 10);
        var removes = Math.Max(1, options.Changes / 10);
        var updates = Math.Max(0, options.Changes - disables - creates - adds - removes);
        var departments = DirectoryGenerator.DepartmentNames;
        var cities = DirectoryGenerator.CityNames;
        string UserId(int index) => generator.IdFor("user", index).ToString("D");

        for (var i = 0; i < updates; i++)
            await SendAsync(world, HttpMethod.Patch, $"users/{UserId(random.Next(size.Users))}", new
            {
                jobTitle = $"Bench title {_tag}-{round}-{i}",
                department = departments[random.Next(departments.Count)],
                city = cities[random.Next(cities.Count)],
            }, cancellationToken);
        for (var i = 0; i < disables; i++)
            await SendAsync(world, HttpMethod.Patch, $"users/{UserId(random.Next(size.Users))}", new { accountEnabled = false }, cancellationToken);
        for (var i = 0; i < creates; i++)
        {
            var nickname = $"bench.{_tag}.{round}.{i}";
            await SendAsync(world, HttpMethod.Post, "users", new
            {
                accountEnabled = true,
                displayName = $"Bench {_tag} {round} {i}",
                mailNickname = nickname.Replace(".", "", StringComparison.Ordinal),
                userPrincipalName = $"{nickname}@{world.Domain}",
                passwordProfile = new { password = "Bench-" + Guid.NewGuid().ToString("n")[..12] + "!A1" },
                department = departments[random.Next(departments.Count)],
                city = cities[random.Next(cities.Count)],
                companyName = DirectoryGenerator.CompanyNames[random.Next(DirectoryGenerator.CompanyNames.Count)],
            }, cancellationToken);
        }
        var memberTable = DirectoryTables.GroupMember;
        var added = 0;
        while (added < adds)
        {
            var user = random.Next(size.Users);
            var group = random.Next(size.Groups);
            var groupSysId = GraphIds.ToSysId(generator.IdFor("group", group));
            var userSysId = GraphIds.ToSysId(generator.IdFor("user", user));
            var existing = await world.Tenant.Store.CountAsync(memberTable, EncodedQuery.Where("group_id", groupSysId)
                .And(new QueryCondition("member_id", QueryOperator.Equals, userSysId)), cancellationToken);
            if (existing > 0) continue;
            await SendAsync(world, HttpMethod.Post, $"groups/{GraphIds.FromSysId(groupSysId)}/members/$ref",
                new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{UserId(user)}" },
                cancellationToken);
            added++;
        }
        var removed = 0;
        while (removed < removes)
        {
            var userSysId = GraphIds.ToSysId(generator.IdFor("user", random.Next(size.Users)));
            var rows = await world.Tenant.Store.QueryAsync(new RecordQuery
            {
                Table = memberTable,
                Query = EncodedQuery.Where("member_id", userSysId),
                Fields = ["group_id", "member_id"],
                Limit = 1,
            }, cancellationToken);
            if (rows.Rows.Count == 0) continue;
            await SendAsync(world, HttpMethod.Delete,
                $"groups/{GraphIds.FromSysId(rows.Rows[0]["group_id"]!)}/members/{GraphIds.FromSysId(userSysId)}/$ref", null, cancellationToken);
            removed++;
        }
        return $"{updates} updated, {disables} disabled, {creates} created, {adds} added to and {removes} removed from groups";
    }

    private static async Task SendAsync(World world, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await world.Graph.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: " +
                                                await response.Content.ReadAsStringAsync(cancellationToken));
    }

    // ---- continuous mode -----------------------------------------------------------------------------------------

    /// <summary>
    /// The job switched to continuous mode (interval zero, the delta link polled every
    /// <see cref="ProvisioningBenchOptions.PollInterval"/>) and run by the worker in the background, as
    /// <c>idbridge provision run</c> runs it; then changes through Graph, each timed until the instance's Table API
    /// shows it. Changes are spaced by a random part of the poll interval, so they land at all points of the poll.
    /// </summary>
    private async Task ContinuousAsync(World world, JobRecord job, DirectorySize size, CancellationToken cancellationToken)
    {
        var current = (await world.Jobs.GetAsync(job.SysId, cancellationToken))!;
        current = await world.Jobs.UpdateDefinitionAsync(current, current.Definition with
        {
            Settings = current.Definition.Settings with { Interval = TimeSpan.Zero, PollInterval = options.PollInterval },
        }, cancellationToken);
        await world.Jobs.SetNextRunAsync(current, DateTimeOffset.UtcNow, cancellationToken);
        var worker = new ProvisioningWorker(world.Engine);
        var cycles = 0;
        worker.CycleCompleted += _ => Interlocked.Increment(ref cycles);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(() => worker.RunAsync([current.Name], stopping.Token), CancellationToken.None);
        try
        {
            var generator = new DirectoryGenerator(options.Seed, world.Domain);
            var random = new Random(HashCode.Combine(size.Users, _tag, "continuous"));
            // One cycle first, so that the changes below do not wait behind the catch-up of the incremental rounds.
            while (Volatile.Read(ref cycles) == 0) await Task.Delay(50, cancellationToken);
            for (var i = 0; i < options.ContinuousChanges; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * options.PollInterval.TotalMilliseconds), cancellationToken);
                var sysId = GraphIds.ToSysId(generator.IdFor("user", random.Next(size.Users)));
                var user = await world.Tenant.Store.GetAsync(DirectoryTables.User, sysId, ["user_principal_name", "account_enabled", "user_type"],
                    cancellationToken: cancellationToken);
                // Enabled members: a disabled user not yet in the instance is not created, and a guest's user_name
                // there is its home address, not its userPrincipalName.
                if (user?["user_principal_name"] is not { } userName || user["account_enabled"] != "true" || user["user_type"] != "Member")
                {
                    i--;
                    continue;
                }
                var title = $"Continuous {_tag} {i}";
                var started = Stopwatch.GetTimestamp();
                await SendAsync(world, HttpMethod.Patch, $"users/{GraphIds.FromSysId(sysId)}", new { jobTitle = title }, cancellationToken);
                var seen = await WaitForTitleAsync(world, userName, title, TimeSpan.FromSeconds(60), cancellationToken);
                var latency = Stopwatch.GetElapsedTime(started);
                if (seen) _continuous.Record(latency);
                else _continuousMissed++;
                console.MarkupLine($"  change {i + 1}: {(seen ? $"visible in the instance after [bold]{latency.TotalMilliseconds:N0} ms[/]" : $"[red bold]not visible after 60 s[/] ({Markup.Escape(userName)}: {Markup.Escape(await DescribeAsync(world, userName, cancellationToken))})")}");
            }
        }
        finally
        {
            await stopping.CancelAsync();
            await running;
        }
        console.MarkupLine($"  The worker ran {cycles:N0} cycles.");
    }

    /// <summary>What the instance holds for a user, for a change that did not arrive.</summary>
    private static async Task<string> DescribeAsync(World world, string userName, CancellationToken cancellationToken)
    {
        var table = world.Instance.Store.Tables.Find("sys_user")!;
        var record = await world.Instance.Store.FindAsync(table, "user_name", userName, cancellationToken);
        return record is null ? "no sys_user record with this user_name" : $"sys_user {record.SysId}, active {record["active"]}, title '{record["title"]}'";
    }

    /// <summary>Polls the instance's Table API every 50 ms until the user's title is the given one.</summary>
    private static async Task<bool> WaitForTitleAsync(World world, string userName, string title, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var url = $"api/now/table/sys_user?sysparm_query=user_name={Uri.EscapeDataString(userName)}&sysparm_fields=title&sysparm_limit=1";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var response = await world.Table.GetAsync(url, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var result = body.RootElement.GetProperty("result");
                if (result.GetArrayLength() > 0 && result[0].TryGetProperty("title", out var value) && value.GetString() == title) return true;
            }
            await Task.Delay(50, cancellationToken);
        }
        return false;
    }
}
