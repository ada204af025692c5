using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// An error of Entra's token endpoint: the OAuth <c>error</c>, the AADSTS number and the message, as Entra words them
/// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
/// </summary>
public sealed record EntraError(int Status, string Error, int Code, string Message)
{
    public static EntraError MissingParameter(string name) => new(StatusCodes.Status400BadRequest, "invalid_request", 900144,
        $"The request body must contain the following parameter: '{name}'.");

    public static EntraError PostOnly(string method) => new(StatusCodes.Status400BadRequest, "invalid_request", 900561,
        $"The endpoint only accepts POST requests. Received a {method} request.");

    public static EntraError UnknownTenant(string tenant) => new(StatusCodes.Status400BadRequest, "invalid_request", 90002,
        $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. " +
        "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");

    public static EntraError UnsupportedGrant(string grant) => new(StatusCodes.Status400BadRequest, "unsupported_grant_type", 70003,
        $"The app requested an unsupported grant type '{grant}'.");

    public static EntraError UnknownApplication(string appId, string tenant) => new(StatusCodes.Status400BadRequest,
        "unauthorized_client", 700016,
        $"Application with identifier '{appId}' was not found in the directory '{tenant}'. This can happen if the application " +
        "has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have " +
        "sent your authentication request to the wrong tenant.");

    public static EntraError InvalidSecret(string appId) => new(StatusCodes.Status401Unauthorized, "invalid_client", 7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the " +
        $"client secret ID, for a secret added to app '{appId}'.");

    public static EntraError ExpiredSecret(string appId) => new(StatusCodes.Status401Unauthorized, "invalid_client", 7000222,
        $"The provided client secret keys for app '{appId}' are expired. Visit the Azure portal to create new keys for your " +
        "app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.");

    public static EntraError InvalidScope(string scope) => new(StatusCodes.Status400BadRequest, "invalid_scope", 70011,
        $"The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid. " +
        "Use https://graph.microsoft.com/.default for an app-only Microsoft Graph token.");

    public static EntraError MissingSecret() => new(StatusCodes.Status401Unauthorized, "invalid_client", 7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");

    public static EntraError TransientError() => new(StatusCodes.Status500InternalServerError, "server_error", 90033,
        "A transient error has occurred. Please try again.");

    /// <summary>The discovery documents answer an unknown tenant with their own error name.</summary>
    public static EntraError UnknownTenantDiscovery(string tenant) => UnknownTenant(tenant) with { Error = "invalid_tenant" };

    /// <summary>
    /// Writes the error in Entra's body: the description ends with the trace id, correlation id and timestamp, which
    /// are repeated as fields (<c>error_codes</c> is a list, as Entra sends it).
    /// </summary>
    public Task WriteAsync(HttpContext context, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var traceId = Guid.NewGuid().ToString("D");
        var correlationId = TokenResponses.CorrelationId(context);
        var timestamp = now.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        context.Response.StatusCode = Status;
        TokenResponses.NoStore(context, traceId, correlationId);
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["error"] = Error,
            ["error_description"] =
                $"AADSTS{Code}: {Message}\r\nTrace ID: {traceId}\r\nCorrelation ID: {correlationId}\r\nTimestamp: {timestamp}",
            ["error_codes"] = new[] { Code },
            ["timestamp"] = timestamp,
            ["trace_id"] = traceId,
            ["correlation_id"] = correlationId,
            ["error_uri"] = $"https://login.microsoftonline.com/error?code={Code}",
        }));
    }
}

internal static class TokenResponses
{
    /// <summary>The client's <c>client-request-id</c> (MSAL sends one) when it is a GUID; Entra echoes it.</summary>
    public static string CorrelationId(HttpContext context) =>
        Guid.TryParse(context.Request.Headers["client-request-id"].ToString(), out var id) ? id.ToString("D") : Guid.NewGuid().ToString("D");

    public static void NoStore(HttpContext context, string requestId, string correlationId)
    {
        context.Response.Headers.CacheControl = "no-store, no-cache";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers["x-ms-request-id"] = requestId;
        context.Response.Headers["client-request-id"] = correlationId;
    }
}
