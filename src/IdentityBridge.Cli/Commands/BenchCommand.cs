using System.CommandLine;

namespace IdentityBridge.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure the parts of IdentityBridge on this machine.");
        return command;
    }
}
