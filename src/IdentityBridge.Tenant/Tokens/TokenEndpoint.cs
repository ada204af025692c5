using System.Text;
using System.Text.Json;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// <c>POST /{tenant}/oauth2/v2.0/token</c>: Entra's client credentials grant with a client secret, in the form body
/// (client_secret_post) or in a Basic Authorization header (client_secret_basic). Answers as Entra does, success and
/// failure alike; no input gets a 500.
/// </summary>
internal sealed class TokenEndpoint(TokenAuthority authority)
{
    private static readonly HashSet<string> GraphResources =
        new([EntraTokenNames.GraphResource, EntraTokenNames.GraphAppId], StringComparer.OrdinalIgnoreCase);

    // MSAL and other clients add OpenID scopes to every request; Entra ignores them for this grant.
    private static readonly HashSet<string> ReservedScopes = new(["openid", "profile", "offline_access", "email"], StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext context, string tenant)
    {
        var cancellationToken = context.RequestAborted;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await FailAsync(context, EntraError.PostOnly(context.Request.Method), tenant);
            return;
        }
        if (!await authority.IsThisTenantAsync(tenant, cancellationToken))
        {
            await FailAsync(context, EntraError.UnknownTenant(Echo(tenant)), tenant);
            return;
        }
        var form = await ReadFormAsync(context);
        var grant = Single(form, "grant_type");
        if (grant is null)
        {
            await FailAsync(context, EntraError.MissingParameter("grant_type"), tenant);
            return;
        }
        if (grant != "client_credentials")
        {
            await FailAsync(context, EntraError.UnsupportedGrant(Echo(grant)), tenant);
            return;
        }

        var (clientId, secret) = Credentials(context, form);
        if (clientId is null)
        {
            await FailAsync(context, EntraError.MissingParameter("client_id"), tenant, clientId);
            return;
        }
        var scope = Single(form, "scope");
        if (scope is null)
        {
            await FailAsync(context, EntraError.MissingParameter("scope"), tenant, clientId);
            return;
        }
        if (!IsGraphDefaultScope(scope))
        {
            await FailAsync(context, EntraError.InvalidScope(Echo(scope)), tenant, clientId);
            return;
        }
        var app = Guid.TryParse(clientId, out _) ? await authority.Applications.FindAsync(clientId, cancellationToken) : null;
        if (app is null)
        {
            await FailAsync(context, EntraError.UnknownApplication(Echo(clientId), authority.TenantId), tenant, clientId);
            return;
        }
        if (secret is null)
        {
            await FailAsync(context, EntraError.MissingSecret(), tenant, clientId);
            return;
        }
        var checkedClient = await authority.Applications.AuthenticateAsync(clientId, secret, cancellationToken);
        switch (checkedClient.Failure)
        {
            case ClientAuthenticationFailure.UnknownApplication:
                await FailAsync(context, EntraError.UnknownApplication(Echo(clientId), authority.TenantId), tenant, clientId);
                return;
            case ClientAuthenticationFailure.InvalidSecret:
                await FailAsync(context, EntraError.InvalidSecret(app.AppId), tenant, clientId);
                return;
            case ClientAuthenticationFailure.ExpiredSecret:
                await FailAsync(context, EntraError.ExpiredSecret(app.AppId), tenant, clientId);
                return;
        }

        var granted = checkedClient.Application!;
        var issued = authority.Issuer.Issue(new AccessTokenSubject(granted, await ObjectIdAsync(granted, cancellationToken)));
        TokenLog.TokenIssued(authority.Logger, granted.AppId, string.Join(' ', granted.Permissions));
        context.Response.StatusCode = StatusCodes.Status200OK;
        TokenResponses.NoStore(context, Guid.NewGuid().ToString("D"), TokenResponses.CorrelationId(context));
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = issued.ExpiresIn,
            ["ext_expires_in"] = issued.ExpiresIn,
            ["access_token"] = issued.AccessToken,
        }), cancellationToken);
    }

    /// <summary>
    /// The token's oid and sub: the app's service principal in the directory (found by appId when the registration does
    /// not name it), or else the app id.
    /// </summary>
    private async Task<string> ObjectIdAsync(AppRegistration app, CancellationToken cancellationToken)
    {
        if (app.ServicePrincipalId is not null) return app.ServicePrincipalId;
        if (authority.Store.Tables.Find(DirectoryTables.ServicePrincipalTable) is not { } principals) return app.AppId;
        var row = await authority.Store.FindAsync(principals, "app_id", app.AppId, cancellationToken);
        return row is not null && Guid.TryParseExact(row.SysId, "N", out var id) ? id.ToString("D") : app.AppId;
    }

    /// <summary>
    /// Accepts <c>https://graph.microsoft.com/.default</c> (or Graph's app id, or a doubled slash, which Entra also
    /// takes), with any OpenID scopes beside it.
    /// </summary>
    private static bool IsGraphDefaultScope(string scope)
    {
        var resources = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !ReservedScopes.Contains(s)).ToList();
        if (resources.Count != 1) return false;
        var value = resources[0];
        const string suffix = "/.default";
        if (!value.EndsWith(suffix, StringComparison.Ordinal)) return false;
        var resource = value[..^suffix.Length].TrimEnd('/');
        return GraphResources.Contains(resource);
    }

    private static async Task<IFormCollection> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType) return FormCollection.Empty;
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            // An unreadable body has no parameters; the first missing one is reported.
            return FormCollection.Empty;
        }
    }

    /// <summary>Request values are quoted back in messages, as Entra does, but never at length.</summary>
    private static string Echo(string value) => value.Length > 256 ? value[..256] + "..." : value;

    private static string Printable(string value)
    {
        if (Guid.TryParse(value, out var id)) return id.ToString("D");
        var excerpt = new string(value.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 64 ? excerpt + "..." : excerpt;
    }

    /// <summary>A parameter given once and not empty; given twice, it is taken as not given.</summary>
    private static string? Single(IFormCollection form, string name) =>
        form.TryGetValue(name, out StringValues values) && values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    /// <summary>
    /// The client id and secret from a Basic Authorization header (each part form-encoded, RFC 6749 2.3.1), or else
    /// from the form.
    /// </summary>
    private static (string? ClientId, string? Secret) Credentials(HttpContext context, IFormCollection form)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':');
                if (colon > 0)
                {
                    var id = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
                    var secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
                    return (id, secret.Length == 0 ? null : secret);
                }
            }
            catch (FormatException)
            {
                // A malformed header carries no credentials; the form may still.
            }
        }
        return (Single(form, "client_id"), Single(form, "client_secret"));
    }

    private Task FailAsync(HttpContext context, EntraError error, string tenant, string? clientId = null)
    {
        // Both come from the request: only a GUID's canonical form, or a short printable excerpt, reaches the log.
        TokenLog.TokenRefused(authority.Logger, clientId is null ? "(none)" : Printable(clientId), Printable(tenant), error.Code, error.Error);
        return error.WriteAsync(context, authority.Time);
    }
}
