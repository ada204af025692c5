using System.CommandLine;
using IdentityBridge.Cli.Commands;

var root = new RootCommand(
    "IdentityBridge: a ServiceNow-compatible instance, an Entra-compatible tenant, and the provisioning and sign-in " +
    "between them, with a doctor that says why it breaks.");
root.Subcommands.Add(InstanceCommand.Create());
root.Subcommands.Add(TenantCommand.Create());
root.Subcommands.Add(LogsCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ExprCommand.Create());
root.Subcommands.Add(SchemaCommand.Create());
root.Subcommands.Add(JobCommand.Create());
root.Subcommands.Add(SyncCommand.Create());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(ProvisionCommand.Create());
root.Subcommands.Add(ProvisioningLogsCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
// Ctrl+C and SIGTERM cancel the running verb's token and give it time to stop cleanly (close stores, print what
// was measured) instead of killing the process at once.
var parse = root.Parse(args);
var exit = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
// What the command line itself gets wrong (a missing or unknown option, a value of the wrong type) is a usage
// error like any other bad value: exit status 2, as the verbs use it.
return parse.Errors.Count > 0 ? 2 : exit;
