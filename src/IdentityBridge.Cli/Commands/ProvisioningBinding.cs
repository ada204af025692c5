using System.CommandLine;
using System.Globalization;
using System.Xml;
using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;

namespace IdentityBridge.Cli.Commands;

/// <summary>
/// An expected failure of a provisioning verb: its message (what went wrong and what to do) and the exit code,
/// 2 for what the user gave (an unknown job, a bad value) and 1 for what happened (an unreachable server).
/// </summary>
internal sealed class CliFailure(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// What every provisioning verb shares: the store options (<c>--data</c>, <c>--postgres</c> with their
/// <c>IDBRIDGE_PROVISIONING_*</c> variables), the secrets key from <c>IDBRIDGE_PROVISIONING_KEY</c>, opening the
/// host, finding a job by name or id, and turning expected failures into one line and an exit code.
/// </summary>
internal sealed class ProvisioningBinding
{
    public const string KeyVariable = "IDBRIDGE_PROVISIONING_KEY";

    private readonly StoreOptionsBinding _store = new("provisioning", "IDBRIDGE_PROVISIONING_");

    public void AddTo(Command command) => _store.AddTo(command);

    public ProvisioningOptions Options(ParseResult parse) => new()
    {
        DataDirectory = parse.GetValue(_store.Data)!,
        PostgresConnectionString = parse.GetValue(_store.Postgres),
        Key = Environment.GetEnvironmentVariable(KeyVariable),
    };

    /// <summary>
    /// Opens the provisioning store and runs <paramref name="action"/> on it, expected failures turned into one line
    /// and an exit code (<see cref="GuardAsync"/>).
    /// </summary>
    public Task<int> RunAsync(ParseResult parse, Func<ProvisioningHost, Task<int>> action, CancellationToken cancellationToken) =>
        GuardAsync(() => OpenAsync(parse, action, cancellationToken), cancellationToken);

    /// <summary>
    /// Opens the provisioning store and runs <paramref name="action"/> on it. Unless <paramref name="create"/>, a
    /// SQLite store that is not there is an error rather than a new empty store (and a new key) made by accident.
    /// </summary>
    public async Task<int> OpenAsync(ParseResult parse, Func<ProvisioningHost, Task<int>> action, CancellationToken cancellationToken,
        bool create = false)
    {
        var options = Options(parse);
        if (!create && string.IsNullOrWhiteSpace(options.PostgresConnectionString) &&
            !File.Exists(ProvisioningHost.DatabasePath(options.DataDirectory)))
            throw new CliFailure($"No provisioning store at {Path.GetFullPath(ProvisioningHost.DatabasePath(options.DataDirectory))}; " +
                                 "give the --data directory (or --postgres) the jobs were created with, or create one with `idbridge job create`.");
        await using var host = await ProvisioningHost.OpenAsync(options, cancellationToken);
        return await action(host);
    }

    /// <summary>Runs a verb's work and turns the failures that are expected into one line on standard error and an exit code.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (CliFailure failure)
        {
            Console.Error.WriteLine(failure.Message);
            return failure.ExitCode;
        }
        catch (JobDefinitionException invalid)
        {
            Console.Error.WriteLine("The job cannot be saved:");
            foreach (var problem in invalid.Problems) Console.Error.WriteLine("  " + problem);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped.");
            return 1;
        }
        // A secrets key that does not fit, a schema that no longer compiles, a server that cannot be reached: the
        // engine says what happened and what to do in the message.
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or FormatException
                                      or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>The job by its name or its job id, or the failure that says how to list them.</summary>
    public static async Task<JobRecord> FindJobAsync(ProvisioningHost host, string nameOrId, CancellationToken cancellationToken) =>
        await host.Jobs.FindAsync(nameOrId.Trim(), cancellationToken)
        ?? throw new CliFailure($"No job named '{nameOrId}'. `idbridge job list` shows the jobs.");

    public static Argument<string> JobArgument() => new("job") { Description = "The job's name or its job id." };

    /// <summary>
    /// A duration as people write it (<c>10s</c>, <c>40m</c>, <c>1h</c>, <c>1d</c>, <c>500ms</c>) or as Graph does
    /// (ISO 8601, <c>PT40M</c>); null when it is neither.
    /// </summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.StartsWith('P') || text.StartsWith('p'))
        {
            try
            {
                return XmlConvert.ToTimeSpan(text.ToUpperInvariant());
            }
            catch (FormatException)
            {
                return null;
            }
        }
        var unit = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? "ms" : text.Length > 0 ? text[^1..].ToLowerInvariant() : "";
        var number = text[..^Math.Min(unit.Length, text.Length)];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || double.IsInfinity(amount))
            return null;
        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => null,
        };
    }

    /// <summary>A duration the short way: <c>40m</c>, <c>1h30m</c>, <c>2s</c>, <c>350 ms</c>.</summary>
    public static string FormatDuration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span < TimeSpan.FromSeconds(1)) return $"{span.TotalMilliseconds:0} ms";
        if (span < TimeSpan.FromMinutes(1)) return span.TotalSeconds % 1 == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalSeconds:0.0}s";
        var parts = new List<string>();
        if (span.Days > 0) parts.Add($"{span.Days}d");
        if (span.Hours > 0) parts.Add($"{span.Hours}h");
        if (span.Minutes > 0) parts.Add($"{span.Minutes}m");
        if (span.Seconds > 0 && span < TimeSpan.FromHours(1)) parts.Add($"{span.Seconds}s");
        return string.Concat(parts);
    }

    /// <summary>A job's schedule in words: <c>every 40m</c> or <c>continuous (poll 2s)</c>.</summary>
    public static string Schedule(JobSettings settings) =>
        settings.Interval == TimeSpan.Zero ? $"continuous (poll {FormatDuration(settings.PollInterval)})" : "every " + FormatDuration(settings.Interval);

    /// <summary>A job name as it can be pasted into a POSIX shell: quoted when it holds spaces or shell characters.</summary>
    public static string ShellName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':' or '/' or '+' or ',')
            ? name
            : "'" + name.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
