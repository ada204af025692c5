using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// OpenID Connect discovery as Entra serves it: the v2.0 and v1.0 configuration documents and the keys at their
/// <c>jwks_uri</c>. URLs are built on the address the client used, and always name the tenant by its id, as Entra's do
/// when asked by domain name.
/// </summary>
internal sealed class Discovery(TokenAuthority authority)
{
    public async Task ConfigurationV2Async(HttpContext context, string tenant)
    {
        if (!await KnownTenantAsync(context, tenant)) return;
        var root = BaseUrl(context) + "/" + authority.TenantId;
        await WriteJsonAsync(context, new Dictionary<string, object>
        {
            ["token_endpoint"] = root + "/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt", "client_secret_basic" },
            ["jwks_uri"] = root + "/discovery/v2.0/keys",
            ["response_modes_supported"] = new[] { "query", "fragment", "form_post" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
            ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
            ["issuer"] = EntraTokenNames.IssuerV2(BaseUrl(context), authority.TenantId),
            ["request_uri_parameter_supported"] = false,
            ["userinfo_endpoint"] = "https://graph.microsoft.com/oidc/userinfo",
            ["authorization_endpoint"] = root + "/oauth2/v2.0/authorize",
            ["device_authorization_endpoint"] = root + "/oauth2/v2.0/devicecode",
            ["http_logout_supported"] = true,
            ["frontchannel_logout_supported"] = true,
            ["end_session_endpoint"] = root + "/oauth2/v2.0/logout",
            ["claims_supported"] = Claims,
            ["kerberos_endpoint"] = root + "/kerberos",
            ["tenant_region_scope"] = "WW",
            ["cloud_instance_name"] = "microsoftonline.com",
            ["cloud_graph_host_name"] = "graph.windows.net",
            ["msgraph_host"] = "graph.microsoft.com",
            ["rbac_url"] = "https://pas.windows.net",
        });
    }

    public async Task ConfigurationV1Async(HttpContext context, string tenant)
    {
        if (!await KnownTenantAsync(context, tenant)) return;
        var root = BaseUrl(context) + "/" + authority.TenantId;
        await WriteJsonAsync(context, new Dictionary<string, object>
        {
            // The v1.0 token endpoint (resource= instead of scope=) is not served; clients of this tenant use v2.0.
            ["token_endpoint"] = root + "/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "private_key_jwt", "client_secret_basic" },
            ["jwks_uri"] = root + "/discovery/keys",
            ["response_modes_supported"] = new[] { "query", "fragment", "form_post" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["http_logout_supported"] = true,
            ["frontchannel_logout_supported"] = true,
            ["end_session_endpoint"] = root + "/oauth2/logout",
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "token id_token", "token" },
            ["scopes_supported"] = new[] { "openid" },
            ["issuer"] = EntraTokenNames.Issuer(authority.TenantId),
            ["claims_supported"] = Claims,
            ["microsoft_multi_refresh_token"] = true,
            ["authorization_endpoint"] = root + "/oauth2/authorize",
            ["kerberos_endpoint"] = root + "/kerberos",
            ["tenant_region_scope"] = "WW",
            ["cloud_instance_name"] = "microsoftonline.com",
            ["cloud_graph_host_name"] = "graph.windows.net",
            ["msgraph_host"] = "graph.microsoft.com",
            ["rbac_url"] = "https://pas.windows.net",
        });
    }

    public async Task KeysAsync(HttpContext context, string tenant, bool v2)
    {
        if (!await KnownTenantAsync(context, tenant)) return;
        var keys = authority.Keys.All.Select(key =>
        {
            var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
            var jwk = new Dictionary<string, object>
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = key.Kid,
                ["x5t"] = key.Kid,
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
                ["x5c"] = new[] { Convert.ToBase64String(key.Certificate.RawData) },
            };
            if (v2)
            {
                jwk["cloud_instance_name"] = "microsoftonline.com";
                jwk["issuer"] = EntraTokenNames.IssuerV2(BaseUrl(context), authority.TenantId);
            }
            return jwk;
        }).ToList();
        await WriteJsonAsync(context, new Dictionary<string, object> { ["keys"] = keys });
    }

    private static readonly string[] Claims =
    [
        "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud",
        "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email",
    ];

    private async Task<bool> KnownTenantAsync(HttpContext context, string tenant)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return false;
        }
        if (await authority.IsThisTenantAsync(tenant, context.RequestAborted)) return true;
        await EntraError.UnknownTenantDiscovery(tenant).WriteAsync(context, authority.Time);
        return false;
    }

    internal static string BaseUrl(HttpContext context) =>
        $"{context.Request.Scheme}://{context.Request.Host.ToUriComponent()}{context.Request.PathBase.ToUriComponent()}";

    private static Task WriteJsonAsync(HttpContext context, object body)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        // Entra lets clients cache discovery for a day; keys rotate with overlap, so a day-old copy still verifies.
        context.Response.Headers.CacheControl = "max-age=86400, private";
        context.Response.Headers.AccessControlAllowOrigin = "*";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
