using IdentityBridge.Tenant.Tests.Saml;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>Signing out of the tenant: the session ends for good, and asking twice is no error.</summary>
public sealed class SignOutTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    [Fact]
    public async Task signing_out_ends_the_session_so_the_old_cookie_no_longer_opens_my_apps()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "irvin");
        using var browser = tenant.NewBrowser();
        (await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password)).ShouldBe(HttpStatusCode.SeeOther);
        var oldCookie = browser.Cookies["ESTSAUTH"];

        var signedOut = await browser.GetAsync($"/{tenant.App.TenantId}/logout");

        signedOut.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("<h1>You signed out of your account</h1>", signedOut.Body);
        Assert.Contains(($"/{tenant.App.TenantId}/login", "Sign in again"), signedOut.Links);
        Assert.False(browser.Cookies.ContainsKey("ESTSAUTH"));
        browser.Cookies["ESTSAUTH"] = oldCookie;
        var myApps = await browser.GetAsync("/myapps");
        Assert.Equal(HttpStatusCode.Found, myApps.Status);
        Assert.Equal($"/{tenant.App.TenantId}/login?continue=/myapps", myApps.Location);
    }

    [Fact]
    public async Task signing_out_by_post_and_without_a_session_shows_the_same_page()
    {
        using var browser = tenant.NewBrowser();

        var first = await browser.PostFormAsync($"/{tenant.App.TenantId}/logout", []);
        var second = await browser.GetAsync($"/{tenant.App.TenantId}/logout");

        Assert.Contains("You signed out of your account", first.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Contains("You signed out of your account", second.ShouldBe(HttpStatusCode.OK).Body);
    }
}
