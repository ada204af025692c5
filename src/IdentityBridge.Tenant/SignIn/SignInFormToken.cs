using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// The sign-in form's anti-forgery token (Entra calls its own the <c>canary</c>): a random value in a short-lived
/// cookie and the same value in a hidden field, compared in constant time on post (double submit). Another site can
/// make a browser post the form but can neither read nor set our cookie, so it cannot sign a victim in to the
/// attacker's account (login CSRF). Over https the cookie takes the <c>__Host-</c> prefix, which forbids a sibling
/// subdomain from planting one; <c>SameSite=Strict</c> keeps it off every cross-site request. Nothing is shared
/// between nodes, so any node checks any form.
/// </summary>
internal static class SignInFormToken
{
    public const string FieldName = "canary";
    public const string SecureCookieName = "__Host-idbridge-canary";
    public const string PlainCookieName = "idbridge-canary";

    /// <summary>A form left open longer than this must be reloaded before it can be posted.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(20);

    public static string CookieName(HttpContext context) => context.Request.IsHttps ? SecureCookieName : PlainCookieName;

    /// <summary>
    /// The token for a form: the browser's current one when it sent one (so two open tabs both work), else a new one
    /// set as a cookie. Either way the cookie's lifetime starts again.
    /// </summary>
    public static string Issue(HttpContext context)
    {
        var current = context.Request.Cookies[CookieName(context)];
        var token = IsWellFormed(current)
            ? current!
            : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        context.Response.Cookies.Append(CookieName(context), token, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = Lifetime,
            IsEssential = true,
        });
        return token;
    }

    /// <summary>Whether the post carries the cookie and the same value in the form, and comes from no other origin.</summary>
    public static bool Validate(HttpContext context, IFormCollection form)
    {
        // Browsers send "null" from sandboxed and privacy-sensitive contexts; only a named foreign origin is refused.
        // The host is compared, not the scheme, so a proxy that ends TLS in front of the tenant changes nothing.
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null" &&
            (!Uri.TryCreate(origin, UriKind.Absolute, out var from) ||
             !string.Equals(from.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            return false;
        var cookie = context.Request.Cookies[CookieName(context)];
        var field = form[FieldName].ToString();
        if (!IsWellFormed(cookie) || !IsWellFormed(field)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie!), Encoding.ASCII.GetBytes(field));
    }

    private static bool IsWellFormed(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
