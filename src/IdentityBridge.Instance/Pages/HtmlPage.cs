using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Pages;

/// <summary>
/// Server-rendered pages: semantic HTML with no script, sent with headers that keep them out of caches and frames
/// and a Content-Security-Policy that allows nothing but the page's own style and forms posting to us.
/// </summary>
internal static class HtmlPage
{
    private const string Css =
        "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1d1d}" +
        "main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0003}" +
        "label{display:block;font-weight:600;margin-bottom:.25rem}" +
        "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #666;border-radius:.25rem}" +
        "button,.button{display:inline-block;padding:.5rem 1rem;font-size:1rem;border-radius:.25rem;border:1px solid #0b5394;background:#0b5394;color:#fff;text-decoration:none;cursor:pointer}" +
        ".button.secondary{background:#fff;color:#0b5394}" +
        ":focus-visible{outline:3px solid #f1c232;outline-offset:2px}" +
        ".error{color:#a30000;font-weight:600}" +
        "ul.providers{list-style:none;padding:0}ul.providers li{margin:.5rem 0}";

    public static string Encode(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    /// <summary>Writes a complete page; <paramref name="formTargets"/> are origins beyond our own a form may lead to.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string body,
        IEnumerable<string>? formTargets = null)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        NoStore(response);
        var formAction = string.Join(' ', new[] { "'self'" }.Concat(formTargets ?? []).Distinct(StringComparer.Ordinal));
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append(" | IdentityBridge</title>\n")
            .Append("<style nonce=\"").Append(nonce).Append("\">").Append(Css).Append("</style>\n")
            .Append("</head>\n<body>\n<main>\n").Append(body).Append("\n</main>\n</body>\n</html>\n");
        await response.WriteAsync(html.ToString(), context.RequestAborted);
    }

    /// <summary>A redirect, never cached: where it leads depends on who asks.</summary>
    public static void Redirect(HttpContext context, string location, int status = StatusCodes.Status302Found)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        NoStore(context.Response);
    }

    /// <summary>Pages show user data and anti-forgery tokens: no cache may keep them, and no other site may frame them.</summary>
    internal static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store, no-cache, max-age=0";
        response.Headers.Pragma = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "same-origin";
    }
}
