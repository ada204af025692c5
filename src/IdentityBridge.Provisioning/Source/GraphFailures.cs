using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IdentityBridge.Provisioning.Source;

/// <summary>What a Graph call was doing, for the permission an error names.</summary>
internal enum GraphOperation
{
    ReadUsers,
    ReadGroups,
    ReadMembers,
    ReadServicePrincipals,
    ReadDomains,
}

/// <summary>Graph's error object (<c>{"error":{"code","message","innerError":{"request-id"}}}</c>) and the request's status.</summary>
internal sealed record GraphFailure(HttpStatusCode Status, string? Code, string Message, string? RequestId);

/// <summary>Turns transport failures and Graph's errors into <see cref="SourceError"/>s that say what to do.</summary>
internal static partial class GraphFailures
{
    public static string Permission(GraphOperation operation) => operation switch
    {
        GraphOperation.ReadUsers => "User.Read.All (or Directory.Read.All)",
        GraphOperation.ReadGroups => "Group.Read.All (or Directory.Read.All)",
        GraphOperation.ReadMembers => "Group.Read.All or GroupMember.Read.All (or Directory.Read.All)",
        GraphOperation.ReadServicePrincipals => "Application.Read.All (or Directory.Read.All)",
        _ => "Domain.Read.All (or Directory.Read.All)",
    };

    private static string What(GraphOperation operation) => operation switch
    {
        GraphOperation.ReadUsers => "read users",
        GraphOperation.ReadGroups => "read groups",
        GraphOperation.ReadMembers => "read group members",
        GraphOperation.ReadServicePrincipals => "read service principals and their app role assignments",
        _ => "read the tenant's domains",
    };

    /// <summary>A failure to get an answer at all: refused or reset connections, TLS failures, timeouts.</summary>
    public static bool IsConnectionFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException ||
        (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    public static bool IsTimeout(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    public static bool IsCertificateFailure(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AuthenticationException) return true;
        return false;
    }

    /// <summary>A job-level <c>SourceUnreachable</c> that names the cause, and says so plainly when the certificate pin did not match.</summary>
    public static SourceError Unreachable(Uri uri, Exception e, bool pinned)
    {
        var host = uri.GetLeftPart(UriPartial.Authority);
        if (IsCertificateFailure(e))
            return new SourceError("SourceUnreachable", pinned
                ? $"The certificate of {host} did not match the pinned SHA-256 thumbprint: the server is not the one configured, or its certificate changed. Check the address, and pin the thumbprint of the server's current certificate (the tenant prints it at start)."
                : $"The certificate of {host} is not trusted ({Innermost(e).Message}). Use a certificate from a trusted authority, or pin the server's SHA-256 thumbprint.",
                JobLevel: true);
        if (e is OperationCanceledException)
            return new SourceError("Timeout", $"{host} did not answer in time. Check that it is up and reachable, or raise the timeout.");
        return new SourceError("SourceUnreachable",
            $"{host} could not be reached: {Innermost(e).Message}. Check the Graph URL and that the host is up and reachable from here.",
            JobLevel: true);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>Reads Graph's error object from a failed answer (any body: an error page of a proxy gives only the status).</summary>
    public static async Task<GraphFailure> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? code = null, message = null, requestId = null;
        if (response.Headers.TryGetValues("request-id", out var ids)) requestId = ids.FirstOrDefault();
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0 && text.Length < 1_000_000 && text.TrimStart().StartsWith('{'))
            {
                var body = JsonSerializer.Deserialize<JsonElement>(text);
                if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) code = c.GetString();
                    if (error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
                    if (error.TryGetProperty("innerError", out var inner) && inner.ValueKind == JsonValueKind.Object &&
                        inner.TryGetProperty("request-id", out var r) && r.ValueKind == JsonValueKind.String)
                        requestId ??= r.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        return new GraphFailure(response.StatusCode, string.IsNullOrEmpty(code) ? null : code,
            message ?? $"Graph answered {(int)response.StatusCode} {response.ReasonPhrase}.", requestId);
    }

    [GeneratedRegex("Could not find a property named '(?<name>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownPropertyPattern();

    /// <summary>The property a 400 says the type does not have (<c>$select</c> of a property this directory lacks).</summary>
    public static string? UnknownProperty(GraphFailure failure) =>
        failure.Status == HttpStatusCode.BadRequest && UnknownPropertyPattern().Match(failure.Message) is { Success: true } match
            ? match.Groups["name"].Value
            : null;

    /// <summary>The error a failed Graph call ends in, once retries (if any) are spent.</summary>
    public static SourceError ToError(GraphFailure failure, GraphOperation operation, string clientId)
    {
        var status = (int)failure.Status;
        var reference = failure.RequestId is null ? "" : $" (request-id {failure.RequestId})";
        return failure.Status switch
        {
            HttpStatusCode.Unauthorized => new SourceError(failure.Code ?? "InvalidAuthenticationToken",
                $"Graph refused the access token: {failure.Message}{reference} Check that the tenant id and the authority are those of the tenant Graph serves.",
                status, JobLevel: true),
            HttpStatusCode.Forbidden => new SourceError(failure.Code ?? "Authorization_RequestDenied",
                $"The app {clientId} may not {What(operation)}: grant it the Microsoft Graph application permission {Permission(operation)} with admin consent.{reference}",
                status, JobLevel: true),
            HttpStatusCode.TooManyRequests => new SourceError("TooManyRequests",
                $"Graph kept throttling the requests after {GraphSource.MaxAttempts} tries{reference}; the next cycle tries again.", status),
            HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout => new SourceError(failure.Code ?? "Timeout",
                $"Graph timed out after {GraphSource.MaxAttempts} tries: {failure.Message}{reference}", status),
            _ when status >= 500 => new SourceError(failure.Code ?? failure.Status.ToString(),
                $"Graph failed after {GraphSource.MaxAttempts} tries: {failure.Message}{reference}", status),
            _ => new SourceError(failure.Code ?? failure.Status.ToString(), failure.Message + reference, status),
        };
    }
}
