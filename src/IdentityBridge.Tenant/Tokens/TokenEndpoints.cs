using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// The token service's HTTP surface: the token endpoint, the OpenID configuration documents (v2.0 and v1.0) and the
/// signing keys. Wire them either as routed endpoints (<see cref="MapTokenEndpoints"/>) or from a middleware that
/// dispatches by path (<see cref="TryHandleAsync"/>).
/// </summary>
public static class TokenEndpoints
{
    private enum Route
    {
        Token,
        ConfigurationV2,
        ConfigurationV1,
        KeysV2,
        KeysV1,
    }

    private static readonly (string Suffix, Route Route)[] Routes =
    [
        ("/oauth2/v2.0/token", Route.Token),
        ("/v2.0/.well-known/openid-configuration", Route.ConfigurationV2),
        ("/.well-known/openid-configuration", Route.ConfigurationV1),
        ("/discovery/v2.0/keys", Route.KeysV2),
        ("/discovery/keys", Route.KeysV1),
    ];

    /// <summary>The token endpoint of a tenant served at the given address, for the CLI to print.</summary>
    public static string TokenUrl(string baseUrl, string tenantId) => $"{baseUrl.TrimEnd('/')}/{tenantId}/oauth2/v2.0/token";

    /// <summary>The v2.0 OpenID configuration document of a tenant served at the given address.</summary>
    public static string ConfigurationUrl(string baseUrl, string tenantId) =>
        $"{baseUrl.TrimEnd('/')}/{tenantId}/v2.0/.well-known/openid-configuration";

    /// <summary>Maps <c>/{tenant}/oauth2/v2.0/token</c>, the discovery documents and the keys.</summary>
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder endpoints, TokenAuthority authority)
    {
        foreach (var (suffix, route) in Routes)
            endpoints.Map("/{tenant}" + suffix, context =>
                DispatchAsync(context, authority, route, context.Request.RouteValues["tenant"] as string ?? ""));
        return endpoints;
    }

    /// <summary>Answers the request and returns true when its path is one of the token service's; otherwise false.</summary>
    public static async Task<bool> TryHandleAsync(HttpContext context, TokenAuthority authority)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.Length < 2 || path[0] != '/') return false;
        var slash = path.IndexOf('/', 1);
        if (slash < 0) return false;
        var tenant = path[1..slash];
        var rest = path[slash..];
        foreach (var (suffix, route) in Routes)
        {
            if (!string.Equals(rest, suffix, StringComparison.OrdinalIgnoreCase)) continue;
            await DispatchAsync(context, authority, route, tenant);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Runs one route. An exception escaping it is a bug of ours or a failing database, never the client's fault: it is
    /// logged and answered in Entra's error shape (AADSTS90033, which clients retry), not as a bare 500.
    /// </summary>
    private static async Task DispatchAsync(HttpContext context, TokenAuthority authority, Route route, string tenant)
    {
        try
        {
            await RunAsync(context, authority, route, tenant);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            TokenLog.ServerError(authority.Logger, e, context.Request.Method, route.ToString());
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await EntraError.TransientError().WriteAsync(context, authority.Time);
            }
        }
    }

    private static Task RunAsync(HttpContext context, TokenAuthority authority, Route route, string tenant) => route switch
    {
        Route.Token => new TokenEndpoint(authority).HandleAsync(context, tenant),
        Route.ConfigurationV2 => new Discovery(authority).ConfigurationV2Async(context, tenant),
        Route.ConfigurationV1 => new Discovery(authority).ConfigurationV1Async(context, tenant),
        Route.KeysV2 => new Discovery(authority).KeysAsync(context, tenant, v2: true),
        _ => new Discovery(authority).KeysAsync(context, tenant, v2: false),
    };
}
