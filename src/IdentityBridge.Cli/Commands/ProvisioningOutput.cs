using System.Globalization;
using IdentityBridge.Provisioning.Logs;
using Spectre.Console;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// How provisioning verbs print: tables drawn by Spectre.Console in a terminal and plain aligned columns when the
/// output goes to a file or a pipe (one row per line, never wrapped, so that it can be grepped), and log entries
/// with their steps and changed attributes.
/// </summary>
internal static class ProvisioningOutput
{
    public static bool Terminal => !Console.IsOutputRedirected;

    public static void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var all = rows.Select(r => r.Select(c => Flatten(c ?? "")).ToList()).ToList();
        if (Terminal)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var header in headers) table.AddColumn(new TableColumn(Markup.Escape(header)));
            foreach (var row in all) table.AddRow(row.Select(c => new Text(c)).ToArray<Spectre.Console.Rendering.IRenderable>());
            AnsiConsole.Write(table);
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToList();
        Console.Out.WriteLine(Line(headers, widths));
        foreach (var row in all) Console.Out.WriteLine(Line(row, widths));
    }

    private static string Line(IReadOnlyList<string> cells, IReadOnlyList<int> widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();

    private static string Flatten(string text) => text.ReplaceLineEndings(" ");

    /// <summary>A label and its value, aligned.</summary>
    public static void Field(string label, string? value, int width = 18) =>
        Console.Out.WriteLine($"{label.PadRight(width)}{value ?? "-"}");

    /// <summary>A label under a heading, indented, and its value, aligned.</summary>
    public static void FieldIndented(string label, string? value, int width = 18) => Field("  " + label, value, width);

    public static string Mark(bool passed) => passed ? "✓" : "✗";

    public static string Action(ProvisioningAction action) => GraphSpelling.Of(action);

    public static string Status(ProvisioningResult status) => GraphSpelling.Of(status);

    public static string Value(string? value) => value is null ? "(empty)" : value.Length == 0 ? "\"\"" : value;

    /// <summary>One entry as the portal's detail pane shows it: what happened, the error, the steps, the changes.</summary>
    public static void Entry(ProvisioningLogEntry entry)
    {
        var source = entry.SourceIdentity;
        var target = entry.TargetIdentity;
        Console.Out.WriteLine($"{Action(entry.Action)} {Status(entry.Status)}: {source.Type} {source.DisplayName ?? source.Id} ({source.Id})" +
                              $" -> {target.Type} {target.DisplayName ?? "-"}{(target.Id is null ? "" : $" ({target.Id})")}");
        Console.Out.WriteLine($"  time {ProvisioningBinding.Time(entry.ActivityDateTime)}, cycle {entry.CycleId}, change {entry.ChangeId}, " +
                              $"{entry.DurationInMilliseconds.ToString(CultureInfo.InvariantCulture)} ms, initiated by {entry.InitiatedBy}");
        if (entry.Error is { } error)
        {
            Console.Out.WriteLine($"  {(entry.Status == ProvisioningResult.Failure ? "error" : "reason")} {error.ErrorCode}: {error.Reason}");
            if (!string.IsNullOrEmpty(error.RecommendedAction)) Console.Out.WriteLine($"  fix: {error.RecommendedAction}");
            if (!string.IsNullOrEmpty(error.AdditionalDetails)) Console.Out.WriteLine($"  details: {error.AdditionalDetails}");
        }
        if (entry.Steps.Count > 0)
        {
            Console.Out.WriteLine("  steps:");
            // The portal lists steps in the order a cycle takes them (import, scoping, matching, processing, export).
            foreach (var step in entry.Steps.OrderBy(s => s.Type))
            {
                var mark = step.Status switch
                {
                    ProvisioningResult.Success => "✓",
                    ProvisioningResult.Failure => "✗",
                    ProvisioningResult.Warning => "!",
                    _ => "-",
                };
                Console.Out.WriteLine($"    {mark} {GraphSpelling.Of(step.Type)} {step.Name} ({Status(step.Status)}): {step.Description}");
                foreach (var (key, value) in step.Details) Console.Out.WriteLine($"        {key}: {value}");
            }
        }
        if (entry.ModifiedProperties.Count > 0)
        {
            Console.Out.WriteLine("  modified properties:");
            foreach (var property in entry.ModifiedProperties)
                Console.Out.WriteLine($"    {property.DisplayName}: {Value(property.OldValue)} -> {Value(property.NewValue)}");
        }
    }
}
