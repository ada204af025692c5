using Microsoft.Extensions.Logging;

namespace IdentityBridge.Provisioning.Source;

/// <summary>
/// The Graph source's log messages (event ids 5101 to 5105), for filtering. They name hosts, operations and error
/// codes, never a token or a secret.
/// </summary>
internal static partial class SourceLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "Graph call to {Operation} failed ({Reason}), try {Attempt}; trying again in {Delay}")]
    public static partial void Retrying(ILogger logger, GraphOperation operation, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "The token endpoint refused the app's credentials: {Code}")]
    public static partial void TokenRefused(ILogger logger, string code);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning,
        Message = "The directory has no property '{Property}' on {Type}; it is read as empty from now on")]
    public static partial void PropertyUnsupported(ILogger logger, string property, SourceObjectType type);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Graph refused the saved {Type} deltaLink ({Code}); a full round follows")]
    public static partial void DeltaTokenExpired(ILogger logger, SourceObjectType type, string code);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Graph at {Host} is unreachable: {Code}")]
    public static partial void Unreachable(ILogger logger, string host, string code, Exception exception);
}
