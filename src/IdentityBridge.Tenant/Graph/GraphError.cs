using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Graph;

/// <summary>
/// An answer in Graph's error shape: <c>{"error":{"code","message","innerError":{...}}}</c>. Handlers throw it for
/// the client's mistakes; <see cref="GraphErrors"/> writes it, so every path ends in one envelope.
/// </summary>
public sealed class GraphException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public TimeSpan? RetryAfter { get; init; }

    public static GraphException BadRequest(string message) => new(StatusCodes.Status400BadRequest, "Request_BadRequest", message);

    public static GraphException NotFound(string id) =>
        new(StatusCodes.Status404NotFound, "Request_ResourceNotFound",
            $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");

    public static GraphException Denied() =>
        new(StatusCodes.Status403Forbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

    public static GraphException InvalidToken(string message) =>
        new(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", message);

    public static GraphException UnsupportedQuery(string message = "Unsupported Query.") => BadRequest(message);
}
