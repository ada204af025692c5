using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// Gives every response Graph's <c>request-id</c> and <c>client-request-id</c> headers (the client's own id echoed,
/// as Graph does) and turns every failure into Graph's error object. An exception that is not a
/// <see cref="GraphException"/> is a bug of ours: it is logged and still answered in Graph's shape.
/// </summary>
internal sealed partial class GraphErrors(TimeProvider time, ILogger<GraphErrors> logger)
{
    private const string RequestIdKey = "graph.request-id";
    private const string ClientRequestIdKey = "graph.client-request-id";

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var requestId = Guid.NewGuid().ToString("D");
        var clientRequestId = context.Request.Headers["client-request-id"].ToString();
        if (clientRequestId.Length is 0 or > 200) clientRequestId = requestId;
        context.Items[RequestIdKey] = requestId;
        context.Items[ClientRequestIdKey] = clientRequestId;
        context.Response.Headers["request-id"] = requestId;
        context.Response.Headers["client-request-id"] = clientRequestId;
        try
        {
            await next();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (GraphException e)
        {
            await WriteAsync(context, e);
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, new GraphException(e.StatusCode, "Request_BadRequest", e.Message));
        }
        catch (JsonException)
        {
            await WriteAsync(context, GraphException.BadRequest("Invalid request body: the body is not valid JSON."));
        }
        catch (Exception e)
        {
            LogServerError(logger, e, context.Request.Method, context.Request.Path);
            await WriteAsync(context, new GraphException(StatusCodes.Status500InternalServerError, "generalException",
                "An internal server error occurred; it is recorded in the tenant's log with the request-id."));
        }
    }

    public Task WriteAsync(HttpContext context, GraphException error)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.StatusCode = error.Status;
        if (error.RetryAfter is { } retry)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (error.Status == StatusCodes.Status401Unauthorized)
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"\", error=\"invalid_token\"";
        var body = new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?>
            {
                ["code"] = error.Code,
                ["message"] = error.Message,
                ["innerError"] = new Dictionary<string, object?>
                {
                    ["date"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = context.Items[RequestIdKey] as string,
                    ["client-request-id"] = context.Items[ClientRequestIdKey] as string,
                },
            },
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogServerError(ILogger logger, Exception exception, string method, string path);
}
