using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using IdentityBridge.Tenant.Tests.Tokens;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>
/// A web browser's view of the tenant: its own cookie jar, redirects not followed (tests look at each one), forms
/// posted as browsers post them, the tenant's certificate pinned. Every request is real HTTP(S) on loopback.
/// </summary>
public sealed class TenantBrowser : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="certificate">The tenant's https certificate, pinned; null for a tenant on plain http.</param>
    public TenantBrowser(string baseUrl, X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        if (certificate is not null) handler.ServerCertificateCustomValidationCallback = TokenWorld.Pin(certificate);
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

    public Task<BrowserPage> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), configure);

    public Task<BrowserPage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields,
        Action<HttpRequestMessage>? configure = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) }, configure);

    public async Task<BrowserPage> SendAsync(HttpRequestMessage request, Action<HttpRequestMessage>? configure = null)
    {
        using (request)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            if (Cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
            configure?.Invoke(request);
            using var response = await _http.SendAsync(request);
            var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
            foreach (var setCookie in setCookies)
            {
                var pair = setCookie.Split(';')[0];
                var equals = pair.IndexOf('=');
                var (name, value) = (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
                if (value.Length == 0 || setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)) Cookies.Remove(name);
                else Cookies[name] = value;
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, headerValues) in response.Headers.Concat(response.Content.Headers))
                headers[name] = string.Join(", ", headerValues);
            return new BrowserPage(response.StatusCode, headers, setCookies, await response.Content.ReadAsStringAsync());
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One answer as a browser sees it.</summary>
public sealed partial record BrowserPage(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<string> SetCookies, string Body)
{
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

    public BrowserPage ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Body}");
        return this;
    }

    [GeneratedRegex("<a [^>]*href=\"([^\"]*)\"[^>]*>(.*?)</a>", RegexOptions.Singleline)]
    private static partial Regex LinkPattern();
}
