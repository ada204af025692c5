using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Sessions;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Pages;

/// <summary>
/// The anti-forgery token of the login forms (ServiceNow's <c>sysparm_ck</c>): a random value in a cookie and the
/// same value in the form, compared on post. Another site can make a browser post to us but can neither read nor
/// set our cookie, so it cannot sign a victim in to the attacker's account (login CSRF). Needs no key shared
/// between nodes. A post whose Origin names another site is refused as well.
/// </summary>
internal sealed class LoginFormToken(UserSessions sessions, InstanceUrls urls)
{
    public const string CookieName = "glide_ck";
    public const string FieldName = "sysparm_ck";

    /// <summary>The token for a form: the browser's current one when it has one, else a new one set as a cookie.</summary>
    public string Issue(HttpContext context)
    {
        var current = context.Request.Cookies[CookieName];
        if (IsWellFormed(current)) return current!;
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = sessions.IsSecure(context),
            Path = "/",
            IsEssential = true,
        });
        return token;
    }

    public bool Validate(HttpContext context, IFormCollection form)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(context, origin)) return false;
        var cookie = context.Request.Cookies[CookieName];
        var field = form[FieldName].ToString();
        if (!IsWellFormed(cookie) || !IsWellFormed(field)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie!), Encoding.ASCII.GetBytes(field));
    }

    private bool SameOrigin(HttpContext context, string origin)
    {
        var request = context.Request;
        var own = $"{request.Scheme}://{request.Host}";
        var publicOrigin = Uri.TryCreate(urls.PublicBaseUrl, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ||
               string.Equals(origin, publicOrigin, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsWellFormed(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
