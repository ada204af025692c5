using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Instance.Logging;

/// <summary>syslog levels as ServiceNow stores them (spec/servicenow.md 7).</summary>
public enum SyslogLevel
{
    Debug = -1,
    Information = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>
/// Writes rows into the <c>syslog</c> table: the log admins read through the Table API and <c>idbridge logs</c>.
/// A failure to log never fails the request that logged.
/// </summary>
public sealed partial class SystemLog(Store store, ILogger<SystemLog> logger)
{
    public const string SourceAuthentication = "Authentication";
    public const string SourceAcl = "ACL";
    public const string SourceRest = "REST API";
    public const string SourceRateLimit = "Rate Limit";
    public const string SourceOAuth = "OAuth";
    public const string SourceSystem = "System";

    public async Task WriteAsync(SyslogLevel level, string source, string message, CancellationToken cancellationToken = default)
    {
        // Messages quote what clients sent; a NUL there would make the store refuse the row and hide the attempt.
        message = message.Replace('\0', '\uFFFD');
        try
        {
            await store.InsertAsync(store.Tables.Find(InstanceTables.Syslog)!, new Dictionary<string, string?>
            {
                ["level"] = ((int)level).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["source"] = source,
                ["message"] = message.Length > 60_000 ? message[..60_000] : message,
                ["sys_class_name"] = "syslog",
            }, new WriteOptions("system"), CancellationToken.None);
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e, source);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Could not write a syslog row from {Source}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string source);
}
