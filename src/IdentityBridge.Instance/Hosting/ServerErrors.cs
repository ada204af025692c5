using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.TableApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Instance.Hosting;

/// <summary>
/// The last line of defence: an exception that escapes a handler is a bug of ours, never the client's fault. It is
/// logged (diagnostic log and syslog, source REST API) and answered with ServiceNow's error envelope, not a bare 500.
/// </summary>
internal sealed partial class ServerErrors(SystemLog log, ILogger<ServerErrors> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (BadHttpRequestException e)
        {
            if (!context.Response.HasStarted)
                await ApiResponse.WriteErrorAsync(context, new ApiError(e.StatusCode, "Bad request", e.Message));
        }
        catch (Exception e)
        {
            LogServerError(logger, e, context.Request.Method, context.Request.Path);
            await log.WriteAsync(SyslogLevel.Error, SystemLog.SourceRest,
                $"Server error on {context.Request.Method} {context.Request.Path}: {e.GetType().Name}: {e.Message}");
            if (!context.Response.HasStarted)
                await ApiResponse.WriteErrorAsync(context, new ApiError(StatusCodes.Status500InternalServerError,
                    "Internal server error", "The error is recorded in the system log (syslog, source REST API)"));
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogServerError(ILogger logger, Exception exception, string method, string path);
}
