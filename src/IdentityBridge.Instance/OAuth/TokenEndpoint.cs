using System.Text.Json;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.OAuth;

/// <summary>
/// <c>POST /oauth_token.do</c>: the password, client_credentials and refresh_token grants, with ServiceNow's
/// success body and its failure bodies (spec/servicenow.md 1.5).
/// </summary>
public sealed class TokenEndpoint(Store store, Authenticator authenticator, TokenService tokens, SystemProperties properties,
    SystemLog log)
{
    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "invalid_request", "oauth_token.do accepts POST only");
            return;
        }
        if (!context.Request.HasFormContentType)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                "send the token request as application/x-www-form-urlencoded");
            return;
        }
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request", "the form body could not be read");
            return;
        }
        var clientAddress = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var grant = form["grant_type"].ToString();
        var client = await ClientAsync(form["client_id"].ToString(), form["client_secret"].ToString(), cancellationToken);
        if (grant is not ("password" or "client_credentials" or "refresh_token"))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, "unsupported_grant_type",
                "grant_type must be password, client_credentials or refresh_token");
            return;
        }
        if (client is null)
        {
            await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceOAuth,
                $"Token request ({grant}) from {clientAddress} refused: unknown or inactive client, or wrong client secret", cancellationToken);
            await AccessDenied(context);
            return;
        }

        switch (grant)
        {
            case "password":
            {
                var caller = await authenticator.SignInAsync(form["username"].ToString(), form["password"].ToString(),
                    clientAddress, cancellationToken);
                if (caller is null)
                {
                    await AccessDenied(context);
                    return;
                }
                await IssueAsync(context, await tokens.IssueAsync(caller.UserSysId, client, null, withRefresh: true, cancellationToken));
                return;
            }
            case "client_credentials":
            {
                if (!await properties.GetBooleanAsync(SystemProperties.ClientCredentialsEnabled, cancellationToken))
                {
                    await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceOAuth,
                        $"client_credentials grant refused for client '{client["name"]}': set {SystemProperties.ClientCredentialsEnabled} to true to allow it",
                        cancellationToken);
                    await AccessDenied(context);
                    return;
                }
                var userSysId = client["oauth_application_user"];
                var user = string.IsNullOrEmpty(userSysId)
                    ? null
                    : await store.GetAsync(store.Tables.Find(InstanceTables.User)!, userSysId, cancellationToken: cancellationToken);
                if (user is null || user["active"] != "true" || user["locked_out"] == "true")
                {
                    await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceOAuth,
                        $"client_credentials grant refused for client '{client["name"]}': its OAuth Application User is not set, inactive or locked out",
                        cancellationToken);
                    await WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized_client", "integration user is not configured");
                    return;
                }
                await IssueAsync(context, await tokens.IssueAsync(user.SysId, client, null, withRefresh: false, cancellationToken));
                return;
            }
            default:
            {
                var refresh = form["refresh_token"].ToString();
                var credential = await tokens.FindAsync(refresh, "refresh_token", cancellationToken);
                var user = credential is null || credential["client"] != client.SysId
                    ? null
                    : await store.GetAsync(store.Tables.Find(InstanceTables.User)!, credential["user"] ?? "", cancellationToken: cancellationToken);
                if (user is null || user["active"] != "true" || user["locked_out"] == "true")
                {
                    await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceOAuth,
                        $"refresh_token grant refused for client '{client["name"]}': unknown, expired or foreign refresh token, or the user cannot sign in",
                        cancellationToken);
                    await AccessDenied(context);
                    return;
                }
                await IssueAsync(context, await tokens.IssueAsync(user.SysId, client, refresh, withRefresh: true, cancellationToken));
                return;
            }
        }
    }

    private async Task<RecordRow?> ClientAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        if (clientId.Length is 0 or > 200 || secret.Length is 0 or > 1024) return null;
        var table = store.Tables.Find(InstanceTables.OAuthEntity)!;
        var client = await store.FindAsync(table, "client_id", clientId, cancellationToken);
        if (client is null || client["active"] != "true") return null;
        var hash = await store.GetPasswordHashAsync(table, client.SysId, "client_secret", cancellationToken);
        return PasswordHasher.Verify(secret, hash) ? client : null;
    }

    private static Task IssueAsync(HttpContext context, TokenService.Issued issued)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.ContentType = "application/json;charset=UTF-8";
        var body = new Dictionary<string, object>
        {
            ["access_token"] = issued.AccessToken,
            ["scope"] = "useraccount",
            ["token_type"] = "Bearer",
            ["expires_in"] = issued.ExpiresIn,
        };
        if (issued.RefreshToken is not null) body["refresh_token"] = issued.RefreshToken;
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>ServiceNow's generic refusal, whatever the reason; the reason goes to syslog, not to the client.</summary>
    private static Task AccessDenied(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "server_error", "access_denied");

    private static Task WriteAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["error_description"] = description,
            ["error"] = error,
        }));
    }
}
