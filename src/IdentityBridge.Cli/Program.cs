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
// Ctrl+C and SIGTERM cancel the running verb's token and give it time to stop cleanly (close stores, print what
// was measured) instead of killing the process at once.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
