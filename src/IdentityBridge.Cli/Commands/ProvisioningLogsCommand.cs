using System.CommandLine;
using System.Globalization;
using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge provisioning-logs</c>: a job's provisioning logs, filtered as the portal filters them, as a table,
/// Graph's JSON or the portal's three CSV files.
/// </summary>
internal static class ProvisioningLogsCommand
{
    public static Command Create()
    {
        var job = ProvisioningBinding.JobArgument();
        var user = new Option<string?>("--user") { Description = "Only entries of this source object: its userPrincipalName, display name or id." };
        var identity = new Option<string?>("--identity") { Description = "Only entries with this id or display name on either side (the portal's Identity filter)." };
        var action = new Option<string?>("--action") { Description = "Only this action: create, update, delete, disable, stagedDelete or other." };
        var status = new Option<string?>("--status") { Description = "Only this status: success, failure, skipped or warning." };
        var cycle = new Option<string?>("--cycle") { Description = "Only entries of this cycle id (as `idbridge sync` prints it)." };
        var change = new Option<string?>("--change") { Description = "Only the entry with this change id." };
        var errorCode = new Option<string?>("--error-code") { Description = "Only entries with this error code, e.g. InvalidLookupReference, DuplicateTargetEntries." };
        var since = new Option<string?>("--since") { Description = "Entries from this time on: an age such as 30m, 1h, 7d, or a UTC time such as 2026-11-26T10:00Z." };
        var until = new Option<string?>("--until") { Description = "Entries before this time (same forms as --since)." };
        var limit = new Option<int?>("--limit")
        {
            Description = $"Most recent entries to show, 1 to {ProvisioningLogFilter.MaxLimit:N0}: 100 for the table, all for json and csv unless given.",
        };
        var format = new Option<string>("--format") { Description = "table, json (Graph's provisioningObjectSummary) or csv (the portal's three files).", DefaultValueFactory = _ => "table" };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write to this file (json) or these files (csv: PATH.csv, PATH-steps.csv, PATH-modifiedProperties.csv) instead of the screen.",
        };
        var store = new ProvisioningBinding();
        var command = new Command("provisioning-logs",
            "Show a job's provisioning logs, newest first: what each cycle did to each object, with the error code and " +
            "the fix when it failed. Filters combine.");
        command.Arguments.Add(job);
        foreach (var option in new Option[] { user, identity, action, status, cycle, change, errorCode, since, until, limit, format, output })
            command.Options.Add(option);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var kind = parse.GetValue(format)!.Trim().ToLowerInvariant();
            if (kind is not ("table" or "json" or "csv")) throw new CliFailure($"--format '{kind}' is not a format; give table, json or csv.");
            if (kind == "csv" && string.IsNullOrWhiteSpace(parse.GetValue(output)))
                throw new CliFailure("--format csv writes three files: give their base path with --output, such as --output ./logs/export.");
            if (parse.GetValue(limit) is < 1 or > ProvisioningLogFilter.MaxLimit)
                throw new CliFailure($"--limit must be from 1 to {ProvisioningLogFilter.MaxLimit:N0}.");
            if (parse.GetValue(user) is not null && parse.GetValue(identity) is not null)
                throw new CliFailure("Give --user or --identity, not both.");
            ProvisioningAction? actionValue = null;
            if (parse.GetValue(action) is { } actionText)
                actionValue = GraphSpelling.TryParse(actionText, out ProvisioningAction parsedAction)
                    ? parsedAction
                    : throw new CliFailure($"--action '{actionText}' is not an action; give create, update, delete, disable, stagedDelete or other.");
            ProvisioningResult? statusValue = null;
            if (parse.GetValue(status) is { } statusText)
                statusValue = GraphSpelling.TryParse(statusText, out ProvisioningResult parsedStatus)
                    ? parsedStatus
                    : throw new CliFailure($"--status '{statusText}' is not a status; give success, failure, skipped or warning.");
            var from = Time(parse.GetValue(since), "--since");
            var to = Time(parse.GetValue(until), "--until");

            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var filter = new ProvisioningLogFilter
            {
                JobId = record.JobId,
                SourceIdentity = parse.GetValue(user),
                Identity = parse.GetValue(identity),
                Action = actionValue,
                Status = statusValue,
                CycleId = parse.GetValue(cycle),
                ChangeId = parse.GetValue(change),
                ErrorCode = parse.GetValue(errorCode),
                From = from,
                To = to,
                Limit = kind == "table" ? parse.GetValue(limit) ?? ProvisioningLogFilter.DefaultLimit : ProvisioningLogFilter.MaxLimit,
            };
            var entries = host.Logs.ReadAllAsync(filter, cancellationToken);
            if (parse.GetValue(limit) is { } most) entries = entries.Take(most);
            switch (kind)
            {
                case "json":
                    if (parse.GetValue(output) is { Length: > 0 } file)
                    {
                        await using (var stream = File.Create(file))
                            await ProvisioningLogExport.WriteJsonAsync(stream, entries, cancellationToken: cancellationToken);
                        Console.Error.WriteLine($"Wrote {Path.GetFullPath(file)}.");
                    }
                    else
                    {
                        await using var stdout = Console.OpenStandardOutput();
                        await ProvisioningLogExport.WriteJsonAsync(stdout, entries, cancellationToken: cancellationToken);
                        await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
                    }
                    return 0;
                case "csv":
                    var basePath = Path.GetFullPath(parse.GetValue(output)!);
                    if (basePath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) basePath = basePath[..^4];
                    var paths = await ProvisioningLogExport.WriteCsvFilesAsync(entries, Path.GetDirectoryName(basePath)!, Path.GetFileName(basePath),
                        cancellationToken);
                    foreach (var path in paths) Console.Out.WriteLine($"Wrote {path}");
                    return 0;
                default:
                    var page = await host.Logs.QueryAsync(filter, cancellationToken);
                    if (page.Entries.Count == 0)
                    {
                        Console.Out.WriteLine("No entries match.");
                        return 0;
                    }
                    ProvisioningOutput.Table(["time", "action", "status", "identity", "error code", "reason"],
                        page.Entries.Select(e => (IReadOnlyList<string?>)
                        [
                            ProvisioningBinding.Time(e.ActivityDateTime), GraphSpelling.Of(e.Action), GraphSpelling.Of(e.Status),
                            e.SourceIdentity.DisplayName ?? e.SourceIdentity.Id, e.Error?.ErrorCode ?? "", e.Error?.Reason ?? "",
                        ]));
                    if (page.Continuation is not null)
                        Console.Out.WriteLine($"Newest {page.Entries.Count} shown; more match (--limit up to {ProvisioningLogFilter.MaxLimit:N0}, or --format json/csv for all).");
                    return 0;
            }
        }, cancellationToken));
        return command;
    }

    /// <summary>An age (<c>1h</c> ago) or a UTC time (<c>2026-11-26T10:00Z</c>, <c>2026-11-26 10:00:00</c>).</summary>
    private static DateTimeOffset? Time(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (ProvisioningBinding.ParseDuration(text) is { } age && !text.TrimStart().StartsWith('P')) return DateTimeOffset.UtcNow - age;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at;
        throw new CliFailure($"{option} '{text}' is neither an age (30m, 1h, 7d) nor a UTC time (2026-11-26T10:00Z).");
    }
}
