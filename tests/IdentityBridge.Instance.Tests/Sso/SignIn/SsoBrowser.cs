using System.Net.Http.Headers;
using IdentityBridge.Testing.Web;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// A browser as single sign-on meets it: cookies kept per origin with their attributes, redirects not followed
/// (each test looks at them), and cookies sent the way browsers send them when a page of another site (the identity
/// provider) starts the request: a cross-site form post carries no <c>SameSite=Lax</c> or <c>Strict</c> cookie, a
/// cross-site navigation (GET) carries Lax cookies but not Strict ones. Requests go over real HTTP to the instance
/// only; the identity provider is played in-process by <see cref="TestIdentityProvider"/>, which reads the redirects
/// addressed to it.
/// </summary>
public sealed class SsoBrowser(string instanceBaseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    private readonly Dictionary<string, Dictionary<string, StoredCookie>> _jars = new(StringComparer.OrdinalIgnoreCase);

    public Uri Instance { get; } = new(instanceBaseUrl.TrimEnd('/') + "/");

    public string InstanceOrigin => OriginOf(Instance);

    /// <summary>A cookie as the browser stored it from a Set-Cookie header.</summary>
    public sealed record StoredCookie(string Name, string Value, string? SameSite, bool HttpOnly, bool Secure);

    /// <summary>The value of an instance cookie the browser holds, or null.</summary>
    public string? Cookie(string name) => Jar(InstanceOrigin).GetValueOrDefault(name)?.Value;

    /// <summary>Puts a cookie into the jar as if the instance had set it (a copied session cookie, say).</summary>
    public void AddCookie(string name, string value) =>
        Jar(InstanceOrigin)[name] = new StoredCookie(name, value, "Lax", HttpOnly: true, Secure: false);

    /// <summary>
    /// Opens an instance URL (absolute, or a path). <paramref name="from"/> is the origin of the page the navigation
    /// started on; null for an address typed in, a bookmark, or a link on the instance itself.
    /// </summary>
    public Task<BrowserPage> GetAsync(string url, string? from = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, Resolve(url)), from);

    /// <summary>Submits a form to an instance URL, from a page of <paramref name="from"/> (null: a page of the instance).</summary>
    public Task<BrowserPage> PostFormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields, string? from = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, Resolve(url)) { Content = new FormUrlEncodedContent(fields) }, from);

    /// <summary>Follows a redirect to the instance, as a navigation that started on <paramref name="from"/>.</summary>
    public Task<BrowserPage> FollowAsync(BrowserPage redirect, string? from = null)
    {
        Assert.True(redirect.Status is HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.MovedPermanently
            or HttpStatusCode.TemporaryRedirect, $"Expected a redirect, got {(int)redirect.Status}: {redirect.Body}");
        var target = LocalTarget(redirect.Location)
            ?? throw new Xunit.Sdk.XunitException($"The redirect leaves the instance: {redirect.Location}");
        return GetAsync(target, from);
    }

    /// <summary>Signs in on the local login form (with its anti-forgery token), as an administrator does.</summary>
    public async Task<BrowserPage> LogInAsync(string userName, string password)
    {
        var form = (await GetAsync("/login.do?sysparm_local=true")).ShouldBe(HttpStatusCode.OK);
        return await PostFormAsync("/login.do", new Dictionary<string, string>
        {
            ["sysparm_ck"] = form.HiddenField("sysparm_ck") ?? throw new Xunit.Sdk.XunitException("The login form has no sysparm_ck: " + form.Body),
            ["user_name"] = userName,
            ["user_password"] = password,
        });
    }

    /// <summary>
    /// The path and query a Location header points to when it stays on the instance (given as a path or as an
    /// absolute URL of the instance), else null.
    /// </summary>
    public string? LocalTarget(string? location)
    {
        if (string.IsNullOrEmpty(location)) return null;
        if (location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal))
            return location;
        if (!Uri.TryCreate(location, UriKind.Absolute, out var absolute)) return null;
        return string.Equals(OriginOf(absolute), InstanceOrigin, StringComparison.OrdinalIgnoreCase) ? absolute.PathAndQuery : null;
    }

    private Uri Resolve(string url)
    {
        var target = new Uri(Instance, url);
        if (!string.Equals(OriginOf(target), InstanceOrigin, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{url} is not on the instance; the identity provider reads its redirects itself.");
        return target;
    }

    private async Task<BrowserPage> SendAsync(HttpRequestMessage request, string? from)
    {
        using (request)
        {
            var target = request.RequestUri!;
            var crossSite = from is not null && !string.Equals(from.TrimEnd('/'), OriginOf(target), StringComparison.OrdinalIgnoreCase);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            // A form posted from another site's page says where it came from, as browsers do.
            if (crossSite && request.Method == HttpMethod.Post) request.Headers.TryAddWithoutValidation("Origin", from!.TrimEnd('/'));
            var sent = Jar(OriginOf(target)).Values.Where(c => IsSent(c, request.Method, crossSite)).ToList();
            if (sent.Count > 0) request.Headers.Add("Cookie", string.Join("; ", sent.Select(c => $"{c.Name}={c.Value}")));

            using var response = await _http.SendAsync(request);
            var page = await BrowserPage.ReadAsync(response);
            foreach (var setCookie in page.SetCookies) Store(OriginOf(target), setCookie);
            return page;
        }
    }

    // Explicit SameSite attributes as every current browser applies them. A cookie without one is sent everywhere
    // (Firefox and Safari; Chrome too for two minutes after it was set), so it is not held back here.
    private static bool IsSent(StoredCookie cookie, HttpMethod method, bool crossSite) =>
        !crossSite || cookie.SameSite?.ToLowerInvariant() switch
        {
            "strict" => false,
            "lax" => method == HttpMethod.Get,
            _ => true,
        };

    private void Store(string origin, string setCookie)
    {
        var parts = setCookie.Split(';');
        var equals = parts[0].IndexOf('=');
        if (equals <= 0) return;
        var (name, value) = (parts[0][..equals].Trim(), parts[0][(equals + 1)..].Trim());
        string? sameSite = null;
        bool httpOnly = false, secure = false, expired = false;
        foreach (var part in parts.Skip(1).Select(p => p.Trim()))
        {
            var attribute = part.Split('=', 2);
            var attributeName = attribute[0].Trim().ToLowerInvariant();
            var attributeValue = attribute.Length > 1 ? attribute[1].Trim() : "";
            switch (attributeName)
            {
                case "samesite": sameSite = attributeValue; break;
                case "httponly": httpOnly = true; break;
                case "secure": secure = true; break;
                case "max-age" when attributeValue is "0" || attributeValue.StartsWith('-'): expired = true; break;
                // The instance's clock is pinned in the past, so only the deletion date ASP.NET Core writes counts.
                case "expires" when attributeValue.Contains("1970", StringComparison.Ordinal): expired = true; break;
            }
        }
        var jar = Jar(origin);
        if (expired || value.Length == 0) jar.Remove(name);
        else jar[name] = new StoredCookie(name, value, sameSite, httpOnly, secure);
    }

    private Dictionary<string, StoredCookie> Jar(string origin)
    {
        if (!_jars.TryGetValue(origin, out var jar)) _jars[origin] = jar = new Dictionary<string, StoredCookie>(StringComparer.Ordinal);
        return jar;
    }

    private static string OriginOf(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    public void Dispose() => _http.Dispose();
}
