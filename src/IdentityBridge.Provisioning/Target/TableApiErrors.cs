using System.Net;
using System.Text.Json;

namespace IdentityBridge.Provisioning.Target;

/// <summary>
/// What the connector saw, named with Entra's provisioning error codes (entra-provisioning.md 1.4 and 5.2) and
/// told the way ServiceNow told it (its <c>error.message</c> and <c>error.detail</c>, spec/servicenow.md 1.4).
/// </summary>
internal static class TableApiErrors
{
    /// <summary>Entra's own text for <c>ServiceNowInstanceInvalid</c>, which admins search for.</summary>
    public const string InstanceInvalidText =
        "Your ServiceNow instance name appears to be invalid. Please provide a current ServiceNow administrative user name " +
        "and password along with the name of a valid ServiceNow instance.";

    public static TargetError InstanceInvalid(string seen, int? status = null) =>
        new("ServiceNowInstanceInvalid", InstanceInvalidText + " " + seen, status, JobLevel: true);

    public static TargetError Timeout(string seen) => new("Timeout", seen, null, Transient: true);

    /// <summary>A request that found no HTTP server to talk to: a name that does not resolve, a refused connection, a failed TLS handshake.</summary>
    public static TargetError Unreachable(Uri instance, HttpRequestException exception)
    {
        var cause = exception.InnerException?.Message ?? exception.Message;
        var seen = exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"The host name {instance.Host} could not be resolved ({cause}).",
            HttpRequestError.ConnectionError => $"Nothing accepted a connection at {instance.GetLeftPart(UriPartial.Authority)} ({cause}).",
            HttpRequestError.SecureConnectionError => $"The TLS handshake with {instance.GetLeftPart(UriPartial.Authority)} failed ({cause}).",
            HttpRequestError.InvalidResponse => $"The server at {instance.GetLeftPart(UriPartial.Authority)} did not answer in HTTP ({cause}).",
            _ => $"The request to {instance.GetLeftPart(UriPartial.Authority)} failed ({cause}).",
        };
        return InstanceInvalid(seen);
    }

    /// <summary>Whether the request never reached a server, so that nothing can have been applied.</summary>
    public static bool NeverSent(HttpRequestException exception) =>
        exception.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    /// <summary>ServiceNow's error envelope <c>{"error":{"message","detail"},"status":"failure"}</c>, or null when the body is something else.</summary>
    public static (string Message, string? Detail)? ReadError(JsonElement? body)
    {
        if (body is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("error", out var error)) return null;
        if (error.ValueKind == JsonValueKind.String) return (error.GetString() ?? "", null);
        if (error.ValueKind != JsonValueKind.Object) return null;
        return (Text(error, "message") ?? "", Text(error, "detail"));
    }

    /// <summary>"message (detail)" as ServiceNow gave them.</summary>
    public static string Said((string Message, string? Detail)? error) => error switch
    {
        null => "no error message",
        { Detail: { Length: > 0 } detail } e => $"{e.Message} ({detail})",
        { } e => e.Message,
    };

    public static string StatusText(HttpStatusCode status, string? reason) =>
        $"{(int)status} {(string.IsNullOrEmpty(reason) ? status.ToString() : reason)}";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        } : null;
}
