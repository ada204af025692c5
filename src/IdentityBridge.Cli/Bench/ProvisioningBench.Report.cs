using System.Globalization;
using Spectre.Console;

namespace IdentityBridge.Cli.Bench;

internal sealed partial class ProvisioningBench
{
    /// <summary>One of the issue's targets; Met is null when the run ended before measuring it.</summary>
    private sealed record Target(string Name, string Figure, string Goal, bool? Met);

    private List<Target> Targets()
    {
        var targets = new List<Target>();
        var size = options.Size;
        if (_initial is { } m)
        {
            var complete = m.Outcome.State == "Succeeded";
            targets.Add(new($"initial cycle, {size.Objects:N0} objects in scope", $"{Minutes(m.Elapsed)} ({m.Outcome.State})", "< 5 min",
                m.Elapsed.TotalSeconds < InitialTarget && complete));
            targets.Add(new("objects written per second",
                $"{m.Written / m.Elapsed.TotalSeconds:N0}/s ({m.Users:N0} users + {m.Groups:N0} groups + {m.Memberships:N0} memberships)",
                $">= {size.Objects / InitialTarget:N0}/s", null));
            targets.Add(new("peak working set of the process during the cycle", $"{Mib(m.PeakWorkingSet)} MiB", "< 1,024 MiB",
                m.PeakWorkingSet < MemoryTarget));
            targets.Add(new("peak managed heap during the cycle", $"{Mib(m.PeakManagedHeap)} MiB (live after the cycle, hosts and stores only: {Mib(m.LiveHeapAfterCycle)} MiB)", "", null));
            targets.Add(new("requests the connector sent to the instance", $"{m.Requests:N0} ({m.Requests / (double)Math.Max(1, m.Written):N2} per object written)", "", null));
            var entraMinutes = size.Objects * EntraMinutesPerObject;
            targets.Add(new("against Entra's best documented rate (0.01 min per object)",
                $"{entraMinutes:N0} min / {m.Elapsed.TotalMinutes:N2} min = {entraMinutes / m.Elapsed.TotalMinutes:N0}x faster", "", null));
        }
        else targets.Add(new($"initial cycle, {size.Objects:N0} objects in scope", "not measured", "< 5 min", null));

        foreach (var users in new[] { size.Users, options.Large?.Users ?? 0 }.Where(u => u > 0))
        {
            var name = $"incremental cycle after {options.Changes} changes @{users:N0} users";
            if (_incremental.TryGetValue(users, out var rounds) && rounds.Count > 0)
            {
                var sorted = rounds.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
                var p50 = sorted[(sorted.Count - 1) / 2];
                var max = sorted[^1];
                var failed = rounds.Count(r => r.State is not ("Succeeded" or "EntryLevelErrors"));
                targets.Add(new(name, $"p50 {p50:N0} ms, max {max:N0} ms over {rounds.Count} rounds; {rounds.Average(r => r.Requests):N0} requests each" +
                                      (failed > 0 ? $"; {failed} FAILED" : ""), "< 2,000 ms", max < IncrementalTargetMs && failed == 0));
            }
            else targets.Add(new(name, "not measured", "< 2,000 ms", null));
        }

        const string continuous = "continuous mode: change in Graph until visible in the Table API";
        if (_continuous.Count > 0 || _continuousMissed > 0)
            targets.Add(new(continuous,
                $"p50 {_continuous.PercentileMilliseconds(0.5):N0} ms, max {_continuous.MaxMicroseconds / 1000.0:N0} ms over {_continuous.Count} changes" +
                (_continuousMissed > 0 ? $"; {_continuousMissed} NOT SEEN in 60 s" : ""), "< 5,000 ms",
                _continuousMissed == 0 && _continuous.MaxMicroseconds / 1000.0 < ContinuousTargetMs));
        else targets.Add(new(continuous, "not measured", "< 5,000 ms", null));
        return targets;
    }

    private void Write(bool interrupted)
    {
        console.WriteLine();
        console.Write(new Rule("[bold]idbridge bench provisioning[/]").LeftJustified());
        console.MarkupLine($"Machine: {Markup.Escape(BenchReport.Machine)}; load average now {MachineCpu.LoadAverage()}");
        console.MarkupLine($"Directory: {Markup.Escape(options.Size.ToString())} (seed {options.Seed}); job: all users and groups, default " +
                           $"ServiceNow schema, deletion threshold 0, {options.Concurrency} concurrent requests to the instance.");
        if (interrupted) console.MarkupLine("[yellow bold]Interrupted: the figures below are those measured before Ctrl+C.[/]");
        foreach (var (size, written, elapsed) in _seeding)
            console.MarkupLine($"Seeding {Markup.Escape(size.ToString())}: {written:N0} objects in {elapsed.TotalSeconds:N1} s.");
        if (_initial is { OthersCpuPercent: >= 10 } busy)
            console.MarkupLine($"[yellow]Other processes used {busy.OthersCpuPercent:N0} % of the machine's CPU during the initial cycle.[/]");

        var table = new Table().Border(TableBorder.Rounded).Title("Provisioning");
        table.AddColumn("measurement");
        table.AddColumn(new TableColumn("figure").RightAligned());
        table.AddColumn("target");
        table.AddColumn("result");
        var targets = Targets();
        foreach (var t in targets)
            table.AddRow(Markup.Escape(t.Name), Markup.Escape(t.Figure), Markup.Escape(t.Goal),
                t.Met switch { true => "[green]met[/]", false => "[red bold]NOT MET[/]", null => "" });
        console.Write(table);
        foreach (var note in _notes) console.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
        console.MarkupLine("[grey]The tenant, the instance and the engine share this process and its two cores: the memory and CPU figures " +
                           "cover all three, and the instance's SQLite writer is the cycle's pace-maker (see the phase table).[/]");
        var missed = targets.Where(t => t.Met == false).ToList();
        var unmeasured = targets.Count(t => t.Met is null && t.Figure == "not measured");
        var text = missed.Count == 0 && unmeasured == 0
            ? $"All {targets.Count(t => t.Met is not null)} targets met."
            : string.Join(". ", new[]
            {
                missed.Count > 0 ? $"NOT MET {missed.Count}: " + string.Join("; ", missed.Select(t => $"{t.Name} {t.Figure} (target {t.Goal})")) : null,
                unmeasured > 0 ? $"{unmeasured} not measured" : null,
            }.OfType<string>()) + ".";
        console.WriteLine();
        console.MarkupLine($"[{(missed.Count == 0 && unmeasured == 0 ? "green" : "red")} bold]Verdict: {Markup.Escape(text)}[/]");
    }

    private static string Minutes(TimeSpan t) => $"{(int)t.TotalMinutes}:{t.Seconds:D2} min ({t.TotalSeconds:N1} s)";

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture);
}
