using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace IdentityBridge.Testing.Web;

/// <summary>One answer as a browser sees it: status, headers, the Set-Cookie headers and the page.</summary>
public sealed partial record BrowserPage(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<string> SetCookies, string Body)
{
    /// <summary>Reads a response as a browser receives it.</summary>
    public static async Task<BrowserPage> ReadAsync(HttpResponseMessage response)
    {
        var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, headerValues) in response.Headers.Concat(response.Content.Headers))
            headers[name] = string.Join(", ", headerValues);
        return new BrowserPage(response.StatusCode, headers, setCookies, await response.Content.ReadAsStringAsync());
    }

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public string? Location => Header("Location");

    /// <summary>The Set-Cookie header that sets the named cookie.</summary>
    public string? SetCookie(string name) => SetCookies.FirstOrDefault(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    public string? HiddenField(string name)
    {
        var match = Regex.Match(Body, $"<input type=\"hidden\" name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\">");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    /// <summary>The text of the page's alert (the error a screen reader announces), without markup; null when none.</summary>
    public string? Alert
    {
        get
        {
            var match = Regex.Match(Body, "<div[^>]*role=\"alert\"[^>]*>(.*?)</div>", RegexOptions.Singleline);
            return match.Success ? WebUtility.HtmlDecode(Regex.Replace(match.Groups[1].Value, "<[^>]+>", " ")).Trim() : null;
        }
    }

    /// <summary>
    /// Every link as (href, name): its text without markup and without what is hidden from screen readers, which is
    /// close to the accessible name for the plain links of these pages.
    /// </summary>
    public IReadOnlyList<(string Href, string Text)> Links =>
        LinkPattern().Matches(Body).Select(m => (WebUtility.HtmlDecode(m.Groups[1].Value),
            WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(m.Groups[2].Value, "<(\\w+)[^>]*aria-hidden=\"true\"[^>]*>.*?</\\1>", ""),
                "<[^>]+>", "")).Trim())).ToList();

    /// <summary>The href of every link whose text starts with <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LinksTo(string text) =>
        Links.Where(l => l.Text.StartsWith(text, StringComparison.Ordinal)).Select(l => l.Href).ToList();

    public BrowserPage ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Body}");
        return this;
    }

    [GeneratedRegex("<a [^>]*href=\"([^\"]*)\"[^>]*>(.*?)</a>", RegexOptions.Singleline)]
    private static partial Regex LinkPattern();
}
