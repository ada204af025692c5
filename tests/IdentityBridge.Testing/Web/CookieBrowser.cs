using System.Net.Http.Headers;

namespace IdentityBridge.Testing.Web;

/// <summary>
/// A web browser's view of one server: its own cookie jar, redirects not followed (tests look at each one), forms
/// posted as browsers post them. Every request is real HTTP(S) on loopback.
/// </summary>
public class CookieBrowser : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="handler">The connection to use; it must neither follow redirects nor keep cookies itself.</param>
    public CookieBrowser(string baseUrl, HttpMessageHandler handler)
    {
        BaseUrl = baseUrl;
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public CookieBrowser(string baseUrl) : this(baseUrl, new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
    }

    public string BaseUrl { get; }

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
            var page = await BrowserPage.ReadAsync(response);
            foreach (var setCookie in page.SetCookies)
            {
                var pair = setCookie.Split(';')[0];
                var equals = pair.IndexOf('=');
                var (name, value) = (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
                if (value.Length == 0 || setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)) Cookies.Remove(name);
                else Cookies[name] = value;
            }
            return page;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }
}
