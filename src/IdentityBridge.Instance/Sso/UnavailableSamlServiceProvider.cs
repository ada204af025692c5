using IdentityBridge.Instance.Pages;
using IdentityBridge.Instance.Sessions;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// What the instance does while no SAML service provider is registered: says so on a page (501) instead of
/// pretending to sign anyone in, and finishes logouts locally.
/// </summary>
internal sealed class UnavailableSamlServiceProvider : ISamlServiceProvider
{
    public Task StartSignInAsync(HttpContext context, IdentityProviderRecord record, string returnPath) =>
        HtmlPage.WriteAsync(context, StatusCodes.Status501NotImplemented, "Single sign-on not available",
            $"<h1>Single sign-on not available</h1>\n<p>Signing in through {HtmlPage.Encode(record.Name)} needs the SAML service provider, " +
            "which this instance does not have yet. <a href=\"/login.do?sysparm_local=true\">Log in with a user name and password</a>.</p>");

    public Task ConsumeResponseAsync(HttpContext context) =>
        HtmlPage.WriteAsync(context, StatusCodes.Status501NotImplemented, "Single sign-on not available",
            "<h1>Single sign-on not available</h1>\n<p>This instance cannot read SAML responses yet. " +
            "<a href=\"/login.do?sysparm_local=true\">Log in with a user name and password</a>.</p>");

    public Task<bool> StartSingleLogoutAsync(HttpContext context, UserSession endedSession, IdentityProviderRecord record) =>
        Task.FromResult(false);
}
