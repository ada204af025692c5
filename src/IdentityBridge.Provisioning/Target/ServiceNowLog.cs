using Microsoft.Extensions.Logging;

namespace IdentityBridge.Provisioning.Target;

/// <summary>The connector's log messages (event ids 5301-5399). None carries a secret or a record's values.</summary>
internal static partial class ServiceNowLog
{
    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning,
        Message = "The instance throttled {Method} on {Table} (429); every request waits {Delay} before the next is sent")]
    public static partial void Throttled(ILogger logger, string method, string table, TimeSpan delay);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information,
        Message = "{Method} on {Table} failed ({Failure}); trying again in {Delay} (retry {Retry} of {MaxRetries})")]
    public static partial void Retrying(ILogger logger, string method, string table, string failure, TimeSpan delay, int retry, int maxRetries);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning,
        Message = "A create in {Table} lost its answer ({Failure}); it is not sent again, since the instance may have applied it")]
    public static partial void CreateNotResent(ILogger logger, string table, string failure);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "{Method} on {Table} failed: {Code}: {Message}")]
    public static partial void Failed(ILogger logger, string method, string table, string code, string message);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Information,
        Message = "The instance refused the cached OAuth token (401); requesting a new one")]
    public static partial void TokenRefused(ILogger logger);
}
