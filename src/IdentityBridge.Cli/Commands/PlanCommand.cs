using System.CommandLine;
using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge plan</c>: the next cycle computed and not sent (a dry run): every create, update with its attribute
/// changes, disable, delete and held-back delete, then the totals.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var job = ProvisioningBinding.JobArgument();
        var json = new Option<bool>("--json") { Description = "Print the planned changes as Graph's provisioningObjectSummary JSON." };
        var limit = new Option<int?>("--limit") { Description = "Show at most this many changes (the totals still count all)." };
        var all = new Option<bool>("--all") { Description = "Also list the objects the cycle would look at and leave alone (skipped)." };
        var store = new ProvisioningBinding();
        var command = new Command("plan",
            "Show what the next cycle of a job would do, without writing anything to the instance or the store: " +
            "creates, updates (old -> new), disables, deletes and deletions held back by the deletion threshold.");
        command.Arguments.Add(job);
        command.Options.Add(json);
        command.Options.Add(limit);
        command.Options.Add(all);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            if (parse.GetValue(limit) is < 0) throw new CliFailure("--limit must be 0 or more.");
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var outcome = await host.Engine.PlanAsync(record, cancellationToken: cancellationToken);
            var changes = outcome.Entries
                .Where(e => parse.GetValue(all) || e.Action != ProvisioningAction.Other || e.Status == ProvisioningResult.Failure)
                .OrderBy(e => Order(e.Action)).ThenBy(e => e.SourceIdentity.DisplayName, StringComparer.OrdinalIgnoreCase)
                .ToList();
            var shown = parse.GetValue(limit) is { } max ? changes.Take(max).ToList() : changes;
            if (parse.GetValue(json))
            {
                await using var stdout = Console.OpenStandardOutput();
                await ProvisioningLogExport.WriteJsonAsync(stdout, shown, cancellationToken: cancellationToken);
                await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
                return outcome.State == "Failed" ? 1 : 0;
            }
            Console.Out.WriteLine($"Plan for job '{record.Name}': the next cycle is {(outcome.Kind == Provisioning.Engine.CycleKind.Initial ? "an initial" : "an incremental")} one.");
            if (outcome.Error is { } error)
            {
                Console.Out.WriteLine($"The cycle would fail: {error.Code}: {error.Message}");
                return 1;
            }
            foreach (var entry in shown) Print(entry);
            if (shown.Count < changes.Count) Console.Out.WriteLine($"... and {changes.Count - shown.Count} more (--limit {parse.GetValue(limit)}).");
            var counts = outcome.Entries.GroupBy(e => (e.Action, Failed: e.Status == ProvisioningResult.Failure)).ToDictionary(g => g.Key, g => g.Count());
            int Of(ProvisioningAction action) => counts.GetValueOrDefault((action, false));
            var failing = counts.Where(c => c.Key.Failed).Sum(c => c.Value);
            Console.Out.WriteLine();
            Console.Out.WriteLine(changes.Count == 0 && failing == 0
                ? "Nothing to do: the instance matches the directory."
                : $"{Of(ProvisioningAction.Create)} to create, {Of(ProvisioningAction.Update)} to update, {Of(ProvisioningAction.Disable)} to disable, " +
                  $"{Of(ProvisioningAction.Delete)} to delete, {Of(ProvisioningAction.StagedDelete)} held back (deletion threshold), " +
                  $"{failing} would fail, {Of(ProvisioningAction.Other)} left alone.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static int Order(ProvisioningAction action) => action switch
    {
        ProvisioningAction.Create => 0,
        ProvisioningAction.Update => 1,
        ProvisioningAction.Disable => 2,
        ProvisioningAction.Delete => 3,
        ProvisioningAction.StagedDelete => 4,
        _ => 5,
    };

    private static void Print(ProvisioningLogEntry entry)
    {
        var mark = entry.Status == ProvisioningResult.Failure ? "✗" : entry.Action switch
        {
            ProvisioningAction.Create => "+",
            ProvisioningAction.Update => "~",
            ProvisioningAction.Disable => "-",
            ProvisioningAction.Delete => "x",
            ProvisioningAction.StagedDelete => "!",
            _ => " ",
        };
        var what = entry.Action == ProvisioningAction.StagedDelete ? "staged delete (held back)" : ProvisioningOutput.Action(entry.Action);
        var name = entry.SourceIdentity.DisplayName ?? entry.SourceIdentity.Id;
        var target = entry.TargetIdentity.Id is null ? entry.TargetIdentity.Type : $"{entry.TargetIdentity.Type} {entry.TargetIdentity.Id}";
        Console.Out.WriteLine($"{mark} {what} {entry.SourceIdentity.Type.ToLowerInvariant()} {name} ({target})");
        if (entry.Status == ProvisioningResult.Failure && entry.Error is { } error)
            Console.Out.WriteLine($"    would fail: {error.ErrorCode}: {error.Reason}");
        else if (entry.Action == ProvisioningAction.Other && entry.Error is { } reason)
            Console.Out.WriteLine($"    {reason.ErrorCode}: {reason.Reason}");
        foreach (var property in entry.ModifiedProperties)
            Console.Out.WriteLine(entry.Action == ProvisioningAction.Create
                ? $"    {property.DisplayName}: {ProvisioningOutput.Value(property.NewValue)}"
                : $"    {property.DisplayName}: {ProvisioningOutput.Value(property.OldValue)} -> {ProvisioningOutput.Value(property.NewValue)}");
    }
}
