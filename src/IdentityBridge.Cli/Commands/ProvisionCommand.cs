using System.CommandLine;
using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge provision</c>: Entra's "Provision on demand": one user, or one group with up to five members, through
/// the same steps as a cycle, now, answered with its log entries.
/// </summary>
internal static class ProvisionCommand
{
    public static Command Create()
    {
        var job = ProvisioningBinding.JobArgument();
        var subject = ExplainCommand.SubjectArgument();
        var group = ExplainCommand.GroupOption();
        var json = new Option<bool>("--json") { Description = "Print the log entries as Graph's provisioningObjectSummary JSON." };
        var store = new ProvisioningBinding();
        var command = new Command("provision",
            "Provision one user, or one group with at most five members, now (Entra's \"Provision on demand\"), and " +
            "print what happened step by step. The job's watermark does not move. Exit status 1 when it fails.");
        command.Arguments.Add(job);
        command.Arguments.Add(subject);
        command.Options.Add(group);
        command.Options.Add(json);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var who = ExplainCommand.Subject(parse, subject, group);
            var outcome = await host.Engine.ProvisionOnDemandAsync(record, who, $"{Environment.UserName} (idbridge provision)", cancellationToken);
            var failed = outcome.State == "Failed" || outcome.Entries.Any(e => e.Status == ProvisioningResult.Failure);
            if (parse.GetValue(json))
            {
                await using var stdout = Console.OpenStandardOutput();
                await ProvisioningLogExport.WriteJsonAsync(stdout, outcome.Entries, cancellationToken: cancellationToken);
                await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken);
                if (outcome.Error is { } jsonError) Console.Error.WriteLine($"{jsonError.Code}: {jsonError.Message}");
                return failed ? 1 : 0;
            }
            if (outcome.Error is { } error)
            {
                Console.Error.WriteLine($"{error.Code}: {error.Message}");
                return error.Code == "SourceObjectNotFound" ? 2 : 1;
            }
            foreach (var entry in outcome.Entries)
            {
                ProvisioningOutput.Entry(entry);
                Console.Out.WriteLine();
            }
            Console.Out.WriteLine(failed
                ? "Provisioning on demand failed; the error above says why and what to do."
                : $"Done: {outcome.Entries.Count} log entr{(outcome.Entries.Count == 1 ? "y" : "ies")}, also in `idbridge provisioning-logs`.");
            return failed ? 1 : 0;
        }, cancellationToken));
        return command;
    }
}
