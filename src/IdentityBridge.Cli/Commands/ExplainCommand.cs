using System.CommandLine;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// <c>idbridge explain</c>: why one user or group is (or is not) provisioned the way it is, computed and not sent:
/// each scoping verdict, the matching lookup, each mapping's value against the instance's, the diff, the decision.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var job = ProvisioningBinding.JobArgument();
        var subject = SubjectArgument();
        var group = GroupOption();
        var store = new ProvisioningBinding();
        var command = new Command("explain",
            "Explain what the job does with one user or group and why: scope (assignment, account state, each scoping " +
            "clause), matching, each attribute mapping's expression and value against the instance's value, and the " +
            "decision. Nothing is written.");
        command.Arguments.Add(job);
        command.Arguments.Add(subject);
        command.Options.Add(group);
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => store.RunAsync(parse, async host =>
        {
            var record = await ProvisioningBinding.FindJobAsync(host, parse.GetValue(job)!, cancellationToken);
            var who = Subject(parse, subject, group);
            var outcome = await host.Engine.ExplainAsync(record, who, cancellationToken);
            if (outcome.Error is { } error)
            {
                Console.Error.WriteLine($"{error.Code}: {error.Message}");
                return error.Code == "SourceObjectNotFound" ? 2 : 1;
            }
            if (outcome.Explanations.Count == 0)
            {
                Console.Out.WriteLine($"The job has nothing to say about {who.IdOrName}: it is not an object the job looks at.");
                foreach (var entry in outcome.Entries) ProvisioningOutput.Entry(entry);
                return 0;
            }
            foreach (var explanation in outcome.Explanations)
                Report(explanation, outcome.Entries.FirstOrDefault(e => e.SourceIdentity.Id == explanation.SourceId && e.SourceIdentity.Type == explanation.Type.ToString()));
            return 0;
        }, cancellationToken));
        return command;
    }

    internal static Argument<string> SubjectArgument() =>
        new("object") { Description = "The user's userPrincipalName or id, or with --group the group's display name or id." };

    internal static Option<bool> GroupOption() => new("--group") { Description = "The object is a group." };

    internal static CycleSubject Subject(ParseResult parse, Argument<string> subject, Option<bool> group) =>
        new(parse.GetValue(group) ? SourceObjectType.Group : SourceObjectType.User, parse.GetValue(subject)!.Trim());

    private static void Report(ObjectExplanation explanation, ProvisioningLogEntry? entry)
    {
        Console.Out.WriteLine($"{explanation.Type} {explanation.SourceName} (id {explanation.SourceId})");
        Console.Out.WriteLine();
        Console.Out.WriteLine("Scope");
        foreach (var line in explanation.Scope) Console.Out.WriteLine("  " + line);
        Console.Out.WriteLine();
        Console.Out.WriteLine("Matching");
        if (explanation.Matching.Count == 0)
            Console.Out.WriteLine(entry?.TargetIdentity.Id is { } linked
                ? $"  Linked already to {entry.TargetIdentity.Type} {linked} (no lookup needed)."
                : "  No lookup (the object is not provisioned, or is linked already).");
        foreach (var line in explanation.Matching) Console.Out.WriteLine("  " + line);
        if (explanation.Mappings.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("Mappings");
            ProvisioningOutput.Table(["target attribute", "expression", "computed value", "instance value", "outcome"],
                explanation.Mappings.Select(m => (IReadOnlyList<string?>)
                [
                    m.TargetAttribute, m.Expression, ProvisioningOutput.Value(m.Value),
                    explanation.Target.Count == 0 ? "(no record)" : ProvisioningOutput.Value(m.TargetValue),
                    m.Outcome.Length > 0 ? m.Outcome : Outcome(m, explanation.Target.Count > 0, entry),
                ]));
        }
        if (entry is not null && entry.ModifiedProperties.Count > 0)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("Changes");
            foreach (var property in entry.ModifiedProperties)
                Console.Out.WriteLine($"  {property.DisplayName}: {ProvisioningOutput.Value(property.OldValue)} -> {ProvisioningOutput.Value(property.NewValue)}");
        }
        Console.Out.WriteLine();
        Console.Out.WriteLine("Decision");
        Console.Out.WriteLine("  " + explanation.Decision);
        if (entry?.Error is { } error)
        {
            Console.Out.WriteLine($"  {error.ErrorCode}: {error.Reason}");
            if (!string.IsNullOrEmpty(error.RecommendedAction)) Console.Out.WriteLine($"  fix: {error.RecommendedAction}");
        }
        Console.Out.WriteLine();
    }

    /// <summary>
    /// What happens to a mapped value. The engine's own diff decides (a reference compares the looked-up sys_id, not
    /// the display value the mapping computes), so a value changes when the entry lists it among its modified properties.
    /// </summary>
    private static string Outcome(MappingValue mapping, bool hasRecord, ProvisioningLogEntry? entry) =>
        !hasRecord ? "sent on create"
        : entry?.ModifiedProperties.Any(p => p.DisplayName == mapping.TargetAttribute) == true ? "changes"
        : "unchanged";
}
