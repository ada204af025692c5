using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// The tenant's server-rendered pages (sign-in, errors, My Apps): semantic HTML that works without script, sent with
/// headers that keep them out of caches and frames and a Content-Security-Policy that allows only the page's own
/// style, a nonce'd auto-submit script where a page has one, and forms posting where the page says.
/// </summary>
public static class TenantPage
{
    private const string Css =
        "body{font-family:system-ui,sans-serif;margin:0;background:#f2f2f2;color:#1b1b1b}" +
        "main{max-width:30rem;margin:3rem auto;padding:2rem;background:#fff;box-shadow:0 2px 6px #0003}" +
        "main.wide{max-width:60rem}" +
        "h1{font-size:1.5rem;margin-top:0}" +
        "label{display:block;font-weight:600;margin:.75rem 0 .25rem}" +
        "input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #666}" +
        "button,.button{display:inline-block;margin-top:1rem;padding:.5rem 1.25rem;font-size:1rem;border:1px solid #0067b8;background:#0067b8;color:#fff;text-decoration:none;cursor:pointer}" +
        ".button.secondary,button.secondary{background:#fff;color:#0067b8}" +
        ":focus-visible{outline:3px solid #ffb900;outline-offset:2px}" +
        ".error{color:#a4262c;font-weight:600}" +
        ".details{font-size:.85rem;color:#444;border-top:1px solid #ddd;margin-top:1.5rem;padding-top:.5rem}" +
        "ul.tiles{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:1rem}" +
        "ul.tiles li{border:1px solid #ccc;padding:1rem;text-align:center}" +
        "ul.tiles img{width:4rem;height:4rem;object-fit:contain;display:block;margin:0 auto .5rem}" +
        ".tile-initial{display:flex;align-items:center;justify-content:center;width:4rem;height:4rem;margin:0 auto .5rem;background:#0067b8;color:#fff;font-size:2rem}" +
        "header.bar{display:flex;justify-content:space-between;align-items:center}";

    public static string Encode(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    /// <summary>
    /// Writes a complete page. <paramref name="formTargets"/> are origins beyond the tenant's own that a form may post
    /// to (a Reply URL); <paramref name="imageSources"/> origins images may load from (app logos).
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string body,
        IEnumerable<string>? formTargets = null, IEnumerable<string>? imageSources = null, string? scriptNonce = null,
        bool wide = false)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        NoStore(response);
        var formAction = string.Join(' ', new[] { "'self'" }.Concat(formTargets ?? []).Distinct(StringComparer.Ordinal));
        var images = string.Join(' ', new[] { "'self'" }.Concat(imageSources ?? []).Distinct(StringComparer.Ordinal));
        var script = scriptNonce is null ? "" : $" script-src 'nonce-{scriptNonce}';";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}';{script} img-src {images}; form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style nonce=\"").Append(nonce).Append("\">").Append(Css).Append("</style>\n")
            .Append("</head>\n<body>\n<main").Append(wide ? " class=\"wide\"" : "").Append(">\n")
            .Append(body).Append("\n</main>\n</body>\n</html>\n");
        await response.WriteAsync(html.ToString(), context.RequestAborted);
    }

    /// <summary>
    /// Entra's sign-in error page: the AADSTS code and message, with the request id, correlation id and time to
    /// quote to an admin.
    /// </summary>
    public static Task ErrorAsync(HttpContext context, SignInError error, TimeProvider time, string? correlationId = null)
    {
        var body = new StringBuilder()
            .Append("<h1>Sign in</h1>\n")
            .Append("<p role=\"alert\" class=\"error\">Sorry, but we’re having trouble signing you in.</p>\n")
            .Append("<p id=\"error-message\"><strong>AADSTS").Append(error.Code.ToString(CultureInfo.InvariantCulture)).Append(":</strong> ")
            .Append(Encode(error.Message)).Append("</p>\n")
            .Append("<dl class=\"details\">\n")
            .Append("<dt>Request Id</dt><dd>").Append(Encode(context.TraceIdentifier)).Append("</dd>\n")
            .Append("<dt>Correlation Id</dt><dd>").Append(Encode(correlationId ?? Guid.NewGuid().ToString("D"))).Append("</dd>\n")
            .Append("<dt>Timestamp</dt><dd>").Append(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append("</dd>\n")
            .Append("<dt>Message</dt><dd>").Append(Encode(error.Title)).Append("</dd>\n")
            .Append("</dl>\n");
        return WriteAsync(context, error.Status, "Sign in", body.ToString());
    }

    /// <summary>A redirect, never cached: where it leads depends on who asks.</summary>
    public static void Redirect(HttpContext context, string location, int status = StatusCodes.Status302Found)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        NoStore(context.Response);
    }

    /// <summary>Pages show user data and anti-forgery tokens: no cache may keep them, and no other site may frame them.</summary>
    public static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store, no-cache, max-age=0";
        response.Headers.Pragma = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }
}
