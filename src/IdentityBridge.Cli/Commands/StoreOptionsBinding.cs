using System.CommandLine;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// The options that choose a part's store (<c>--data</c> for SQLite, <c>--postgres</c>), shared by every verb that
/// opens one. The instance reads <c>IDBRIDGE_DATA</c> and <c>IDBRIDGE_POSTGRES</c>; the tenant its own
/// <c>IDBRIDGE_TENANT_*</c> variables, so that both can run side by side from one environment.
/// </summary>
internal sealed class StoreOptionsBinding
{
    public StoreOptionsBinding(string part = "instance", string environmentPrefix = "IDBRIDGE_")
    {
        var dataVariable = environmentPrefix + "DATA";
        var postgresVariable = environmentPrefix + "POSTGRES";
        Data = new Option<string>("--data")
        {
            Description = $"Directory of the {part}'s SQLite database ({part}.db). Env: {dataVariable}.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(dataVariable) ?? $"./data/{part}",
        };
        Postgres = new Option<string?>("--postgres")
        {
            Description = $"Npgsql connection string; the {part} then runs on PostgreSQL instead of SQLite. Env: {postgresVariable}.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(postgresVariable),
        };
    }

    public Option<string> Data { get; }

    public Option<string?> Postgres { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Postgres);
    }
}
