using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;

namespace IdentityBridge.EndToEnd.Tests.Interop;

/// <summary>
/// A browser on the tenant without a browser: an HttpClient over the tenant's pinned HTTPS that keeps its cookies
/// (the sign-in form's canary, the ESTSAUTH session) and does not follow redirects. It signs in through the real
/// <c>/{tid}/login</c> form and reads the auto-submitting form the tenant answers a sign-on with, which a service
/// provider then judges. Enough for tests about what the tenant sends; the pages themselves are the browser tests'.
/// </summary>
public sealed partial class TenantBrowser : IDisposable
{
    private readonly Stack _stack;
    private readonly HttpClient _http;

    public TenantBrowser(Stack stack)
    {
        _stack = stack;
        var handler = stack.PinnedTenantHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = true;
        handler.CookieContainer = new CookieContainer();
        _http = new HttpClient(handler) { BaseAddress = new Uri(stack.TenantUrl), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
    }

    /// <summary>The tenant's origin, which a form posted from its pages names in its Origin header.</summary>
    public string Origin => _stack.TenantUrl;

    /// <summary>Signs in on the tenant's sign-in form as the user types it, and checks the tenant answered with My Apps.</summary>
    public async Task SignInAsync(TenantUser user)
    {
        var loginPath = $"/{_stack.TenantId}/login";
        using var form = await _http.GetAsync(loginPath + "?continue=%2Fmyapps");
        var page = await form.Content.ReadAsStringAsync();
        Assert.True(form.StatusCode == HttpStatusCode.OK, $"GET {loginPath} answered {(int)form.StatusCode}: {page}");
        var canary = HiddenField(page, "canary") ?? throw new Xunit.Sdk.XunitException("The sign-in form has no canary field: " + page);

        using var post = new HttpRequestMessage(HttpMethod.Post, loginPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["login"] = user.UserPrincipalName,
                ["passwd"] = user.Password,
                ["canary"] = canary,
                ["continue"] = "/myapps",
            }),
        };
        post.Headers.TryAddWithoutValidation("Origin", Origin);
        using var signedIn = await _http.SendAsync(post);
        Assert.True(signedIn.StatusCode == HttpStatusCode.SeeOther && signedIn.Headers.Location?.OriginalString == "/myapps",
            $"Signing {user.UserPrincipalName} in answered {(int)signedIn.StatusCode} (Location: {signedIn.Headers.Location}): " +
            await signedIn.Content.ReadAsStringAsync());
    }

    /// <summary>Opens the app's My Apps tile (<c>/{tid}/saml2/launch?appid=</c>): IdP-initiated sign-on.</summary>
    public Task<CapturedSamlPost> LaunchAsync(EnterpriseApp app) =>
        ReadFormAsync($"/{_stack.TenantId}/saml2/launch?appid={Uri.EscapeDataString(app.AppId)}");

    /// <summary>
    /// Sends an AuthnRequest to the tenant over HTTP-Redirect as a service provider's redirect makes the browser do
    /// (SP-initiated sign-on), with the session this browser holds, and answers the tenant's form.
    /// </summary>
    public Task<CapturedSamlPost> SendAuthnRequestAsync(AuthnRequest request, string? relayState = null) =>
        ReadFormAsync(new HttpRedirectBinding().BuildUrl(_stack.TenantSamlUrl, SamlMessageKind.Request, request.ToXml(), relayState));

    /// <summary>
    /// Follows a service provider's redirect to the tenant (its SAML endpoint with a SAMLRequest) with the session this
    /// browser holds, and answers the tenant's form.
    /// </summary>
    public Task<CapturedSamlPost> FollowAsync(string tenantUrl)
    {
        if (!tenantUrl.StartsWith(_stack.TenantUrl + "/", StringComparison.Ordinal))
            throw new InvalidOperationException($"{tenantUrl} is not on the tenant ({_stack.TenantUrl}).");
        return ReadFormAsync(tenantUrl);
    }

    /// <summary>An AuthnRequest as a service provider with this entity id and ACS URL sends it (Entra's usual shape).</summary>
    public static AuthnRequest AuthnRequestFrom(string spEntityId, string acsUrl, string destination) => new()
    {
        // A letter first: an xs:ID may not start with a digit.
        Id = "_" + Guid.NewGuid().ToString("N"),
        IssueInstant = DateTimeOffset.UtcNow,
        Destination = destination,
        AssertionConsumerServiceUrl = acsUrl,
        Issuer = spEntityId,
    };

    private async Task<CapturedSamlPost> ReadFormAsync(string url)
    {
        using var response = await _http.GetAsync(url);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode} (Location: {response.Headers.Location}): {page}");
        var action = FormAction().Match(page);
        Assert.True(action.Success, $"GET {url} answered no form: {page}");
        return new CapturedSamlPost(WebUtility.HtmlDecode(action.Groups[1].Value), HiddenField(page, "SAMLResponse"),
            HiddenField(page, "SAMLRequest"), HiddenField(page, "RelayState"));
    }

    private static string? HiddenField(string page, string name)
    {
        foreach (Match input in Input().Matches(page))
        {
            var tag = input.Value;
            var fieldName = Attribute(tag, "name");
            if (fieldName == name) return Attribute(tag, "value") ?? "";
        }
        return null;

        static string? Attribute(string tag, string attribute)
        {
            var match = Regex.Match(tag, $"\\s{attribute}=\"([^\"]*)\"", RegexOptions.CultureInvariant);
            return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
        }
    }

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Input();

    [GeneratedRegex("<form\\b[^>]*\\saction=\"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex FormAction();

    public void Dispose() => _http.Dispose();
}
