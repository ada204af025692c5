using System.CommandLine;

namespace IdentityBridge.Cli.Commands;

/// <summary>The options that choose an instance's store, shared by every verb that opens one.</summary>
internal sealed class StoreOptionsBinding
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = "Directory of the instance's SQLite database (instance.db). Env: IDBRIDGE_DATA.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_DATA") ?? "./data/instance",
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "Npgsql connection string; the instance then runs on PostgreSQL instead of SQLite. Env: IDBRIDGE_POSTGRES.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IDBRIDGE_POSTGRES"),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Postgres);
    }
}
