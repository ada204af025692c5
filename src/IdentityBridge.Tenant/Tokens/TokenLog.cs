using Microsoft.Extensions.Logging;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// The token service's diagnostic log messages, with public event ids (42xx) to filter on. Secrets and tokens are
/// never logged: a refusal names the client id, the AADSTS code and the reason.
/// </summary>
internal static partial class TokenLog
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Information,
        Message = "Issued an access token to application {AppId} with roles {Roles}")]
    public static partial void TokenIssued(ILogger logger, string appId, string roles);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning,
        Message = "Token request for client {ClientId} on tenant {Tenant} refused: AADSTS{Code} ({Error})")]
    public static partial void TokenRefused(ILogger logger, string clientId, string tenant, int code, string error);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Bearer token refused: {Reason}")]
    public static partial void BearerTokenRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Error, Message = "Unhandled error on {Method} to the token service's {Route} endpoint")]
    public static partial void ServerError(ILogger logger, Exception exception, string method, string route);
}
