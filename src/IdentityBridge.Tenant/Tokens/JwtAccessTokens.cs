using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityBridge.Tenant.Graph;
using Microsoft.Extensions.Logging;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>What an app-only access token for Microsoft Graph says about its holder.</summary>
public sealed record AccessTokenSubject(AppRegistration Application, string ObjectId);

/// <summary>
/// The names and values of Entra's v1.0 access tokens for Microsoft Graph (the version Graph's tokens still carry):
/// https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
/// </summary>
public static class EntraTokenNames
{
    public const string GraphResource = "https://graph.microsoft.com";
    /// <summary>Microsoft Graph's well-known application id; tokens may name the audience by it.</summary>
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";

    /// <summary>The issuer of v1.0 access tokens: <c>https://sts.windows.net/{tenantId}/</c>.</summary>
    public static string Issuer(string tenantId) => $"https://sts.windows.net/{tenantId}/";

    /// <summary>The issuer the v2.0 discovery document names.</summary>
    public static string IssuerV2(string baseUrl, string tenantId) => $"{baseUrl}/{tenantId}/v2.0";
}

/// <summary>Signs RS256 access tokens with the tenant's current key.</summary>
public sealed class JwtAccessTokenIssuer(string tenantId, SigningKeys keys, TimeProvider time)
{
    /// <summary>Entra's default access-token lifetime for app-only tokens is about an hour.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public sealed record Issued(string AccessToken, DateTimeOffset ExpiresOn, int ExpiresIn);

    public Issued Issue(AccessTokenSubject subject)
    {
        var now = time.GetUtcNow();
        var iat = now.ToUnixTimeSeconds();
        var exp = iat + (long)Lifetime.TotalSeconds;
        var key = keys.Current;

        var header = Json(w =>
        {
            w.WriteString("typ", "JWT");
            w.WriteString("alg", "RS256");
            w.WriteString("x5t", key.Kid);
            w.WriteString("kid", key.Kid);
        });
        var issuer = EntraTokenNames.Issuer(tenantId);
        var app = subject.Application;
        var payload = Json(w =>
        {
            w.WriteString("aud", EntraTokenNames.GraphResource);
            w.WriteString("iss", issuer);
            w.WriteNumber("iat", iat);
            w.WriteNumber("nbf", iat);
            w.WriteNumber("exp", exp);
            w.WriteString("app_displayname", app.DisplayName);
            w.WriteString("appid", app.AppId);
            // 1: the client authenticated with a secret (2 would be a certificate).
            w.WriteString("appidacr", "1");
            w.WriteString("idp", issuer);
            w.WriteString("idtyp", "app");
            w.WriteString("oid", subject.ObjectId);
            w.WriteString("rh", RefreshHint());
            if (app.Permissions.Count > 0)
            {
                w.WriteStartArray("roles");
                foreach (var role in app.Permissions) w.WriteStringValue(role);
                w.WriteEndArray();
            }
            w.WriteString("sub", subject.ObjectId);
            w.WriteString("tenant_region_scope", "WW");
            w.WriteString("tid", tenantId);
            w.WriteString("uti", Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)));
            w.WriteString("ver", "1.0");
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = key.PrivateKey!.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        return new Issued(signingInput + "." + Base64Url.EncodeToString(signature),
            DateTimeOffset.FromUnixTimeSeconds(exp), (int)Lifetime.TotalSeconds - 1);
    }

    /// <summary>Entra's opaque <c>rh</c> claim: "0." and a base64url blob; clients must not read it.</summary>
    private string RefreshHint()
    {
        Span<byte> blob = stackalloc byte[32];
        Guid.Parse(tenantId).TryWriteBytes(blob);
        Guid.Parse(EntraTokenNames.GraphAppId).TryWriteBytes(blob[16..]);
        return "0." + Base64Url.EncodeToString(blob);
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>
/// Validates bearer tokens presented to the tenant's Graph API: RS256 only, signed by one of this tenant's own keys,
/// issued by and for this tenant, for Microsoft Graph, within its lifetime (five minutes of clock skew allowed).
/// </summary>
public sealed class JwtAccessTokenValidator(string tenantId, SigningKeys keys, TimeProvider time, ILogger? logger = null)
    : IGraphTokenValidator
{
    /// <summary>The skew Microsoft.IdentityModel allows by default.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    // Graph's own limit on a request header is far above any real token; this bounds the work a hostile one causes.
    private const int MaxTokenLength = 16 * 1024;

    public ValueTask<GraphCaller?> ValidateAsync(string bearerToken, CancellationToken ct)
    {
        var (caller, problem) = Validate(bearerToken);
        if (problem is not null && logger is not null) TokenLog.BearerTokenRejected(logger, problem);
        return ValueTask.FromResult(caller);
    }

    /// <summary>The caller, or the reason the token is refused (for the diagnostic log, never for the client).</summary>
    public (GraphCaller? Caller, string? Problem) Validate(string token)
    {
        try
        {
            return ValidateCore(token);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or CryptographicException
                                      or ArgumentException)
        {
            return (null, "the token is malformed: " + e.GetType().Name);
        }
    }

    private (GraphCaller?, string?) ValidateCore(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength) return (null, "the token is empty or too long");
        var parts = token.Split('.');
        if (parts.Length != 3) return (null, "the token is not a signed JWT (three dot-separated parts)");

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        if (header.RootElement.ValueKind != JsonValueKind.Object) return (null, "the token header is not a JSON object");
        // Only RS256: "none" and HS256 (with the public key as the HMAC secret) are the classic forgeries.
        if (Text(header.RootElement, "alg") != "RS256") return (null, "the token is not signed with RS256");
        if (header.RootElement.TryGetProperty("crit", out _)) return (null, "the token has critical header extensions");
        var kid = Text(header.RootElement, "kid") ?? Text(header.RootElement, "x5t");
        // Only this tenant's own keys: a jku, x5u or embedded jwk in the header is never followed.
        var key = kid is null ? null : keys.Find(kid);
        if (key is null) return (null, "the token is not signed by a key of this tenant");
        var signature = Base64Url.DecodeFromChars(parts[2]);
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!key.Rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return (null, "the token's signature does not verify");

        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var claims = payload.RootElement;
        if (claims.ValueKind != JsonValueKind.Object) return (null, "the token payload is not a JSON object");
        if (Text(claims, "iss") != EntraTokenNames.Issuer(tenantId)) return (null, "the token was issued by another issuer");
        if (Text(claims, "tid") is not { } tid || !string.Equals(tid, tenantId, StringComparison.OrdinalIgnoreCase))
            return (null, "the token belongs to another tenant");
        if (!HasGraphAudience(claims)) return (null, "the token is not for Microsoft Graph");
        var now = time.GetUtcNow();
        if (Seconds(claims, "exp") is not { } exp) return (null, "the token has no expiry");
        if (now >= DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew) return (null, "the token has expired");
        if (Seconds(claims, "nbf") is { } nbf && now < DateTimeOffset.FromUnixTimeSeconds(nbf) - ClockSkew)
            return (null, "the token is not valid yet");
        if (Text(claims, "appid") is not { Length: > 0 } appId) return (null, "the token names no application");

        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (claims.TryGetProperty("roles", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) return (null, "the token's roles are not a list");
            foreach (var role in list.EnumerateArray())
                if (role.ValueKind == JsonValueKind.String) roles.Add(role.GetString()!);
        }
        return (new GraphCaller(appId, tenantId, roles), null);
    }

    private static bool HasGraphAudience(JsonElement claims)
    {
        if (!claims.TryGetProperty("aud", out var aud)) return false;
        // RFC 7519 allows a list; Entra writes a single string.
        var values = aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()!],
            JsonValueKind.Array => aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToArray(),
            _ => Array.Empty<string>(),
        };
        return values.Any(a => a.TrimEnd('/') == EntraTokenNames.GraphResource ||
                               string.Equals(a, EntraTokenNames.GraphAppId, StringComparison.OrdinalIgnoreCase));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n)
            && n is > 0 and < 253_402_300_799 // 9999-12-31: FromUnixTimeSeconds throws beyond it
            ? n
            : null;
}
