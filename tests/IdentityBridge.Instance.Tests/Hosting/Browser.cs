using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// A web browser's view of the instance: its own cookie jar, redirects not followed (tests look at each one), forms
/// posted as browsers post them. Every request is real HTTP on loopback.
/// </summary>
public sealed partial class Browser(string baseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

    public string BaseUrl { get; } = baseUrl;

    public Task<Page> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), configure);

    public Task<Page> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) }, configure);

    /// <summary>Opens the login form and posts it with the user name and password.</summary>
    public async Task<Page> LogInAsync(string userName, string password, string? goTo = null)
    {
        var form = await GetAsync("/login.do?sysparm_local=true");
        var fields = new Dictionary<string, string>
        {
            ["sysparm_ck"] = form.HiddenField("sysparm_ck")!,
            ["user_name"] = userName,
            ["user_password"] = password,
        };
        if (goTo is not null) fields["sysparm_goto_url"] = goTo;
        return await PostFormAsync("/login.do", fields);
    }

    private async Task<Page> SendAsync(HttpRequestMessage request, Action<HttpRequestMessage>? configure)
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
            return new Page(response.StatusCode, headers, setCookies, await response.Content.ReadAsStringAsync());
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One answer as a browser sees it.</summary>
public sealed partial record Page(HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> SetCookies, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public string? Location => Header("Location");

    /// <summary>The Set-Cookie header that sets the named cookie.</summary>
    public string? SetCookie(string name) => SetCookies.FirstOrDefault(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    public string? HiddenField(string name)
    {
        var match = Regex.Match(Body, $"<input type=\"hidden\" name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\">");
        return match.Success ? System.Net.WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    /// <summary>The href of every link whose text starts with <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LinksTo(string text) =>
        LinkPattern().Matches(Body).Where(m => System.Net.WebUtility.HtmlDecode(m.Groups[2].Value).StartsWith(text, StringComparison.Ordinal))
            .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    public Page ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Body}");
        return this;
    }

    [GeneratedRegex("<a [^>]*href=\"([^\"]*)\"[^>]*>([^<]*)</a>")]
    private static partial Regex LinkPattern();
}
