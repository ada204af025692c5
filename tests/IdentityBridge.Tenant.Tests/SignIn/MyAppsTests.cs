using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Tenant.Tests.Saml;
using IdentityBridge.Testing.Web;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>
/// My Apps: the tiles of the apps a user is assigned to (directly or through a group), each starting sign-on to its
/// app, and the Test link only for those who administer enterprise apps.
/// </summary>
public sealed class MyAppsTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private async Task<(TestUser User, TenantBrowser Browser)> SignedInAsync(string name)
    {
        var user = await tenant.CreateUserAsync(name);
        var browser = tenant.NewBrowser();
        (await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password)).ShouldBe(HttpStatusCode.SeeOther);
        return (user, browser);
    }

    private static IReadOnlyList<(string Href, string Text)> Tiles(BrowserPage page) =>
        page.Links.Where(l => l.Href.Contains("/saml2/launch?appid=", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task my_apps_without_a_session_sends_the_browser_to_sign_in_and_back()
    {
        using var browser = tenant.NewBrowser();

        var page = await browser.GetAsync("/myapps");

        Assert.Equal(HttpStatusCode.Found, page.Status);
        Assert.Equal($"/{tenant.App.TenantId}/login?continue=/myapps", page.Location);
    }

    [Fact]
    public async Task my_apps_shows_the_apps_assigned_directly_and_through_a_group_and_no_others()
    {
        var scope = tenant.NewScope();
        var direct = await tenant.CreateAppAsync(scope + "Direct App");
        var throughGroup = await tenant.CreateAppAsync(scope + "Group App");
        var someoneElses = await tenant.CreateAppAsync(scope + "Someone Else's App");
        var (user, browser) = await SignedInAsync(scope + "tile-user");
        using var _ = browser;
        var other = await tenant.CreateUserAsync(scope + "other-user");
        var group = await tenant.CreateGroupAsync(scope + "tile-group");
        await tenant.AddMemberAsync(group, user.Id);
        await tenant.AssignAsync(direct.Id(), user.Id);
        await tenant.AssignAsync(throughGroup.Id(), group);
        await tenant.AssignAsync(someoneElses.Id(), other.Id);

        var page = (await browser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);

        Assert.Contains("<ul class=\"tiles\">", page.Body);
        Assert.Equal(
            [
                ($"/{tenant.App.TenantId}/saml2/launch?appid={direct.Text("appId")}", scope + "Direct App"),
                ($"/{tenant.App.TenantId}/saml2/launch?appid={throughGroup.Text("appId")}", scope + "Group App"),
            ],
            Tiles(page));
        Assert.Contains("Signed in as", page.Body);
        Assert.Contains(($"/{tenant.App.TenantId}/logout", "Sign out"), page.Links);
        Assert.DoesNotContain("/myapps/test", page.Body);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page.Body, "<h1>"));
    }

    [Fact]
    public async Task an_application_administrator_also_gets_a_test_link_per_app()
    {
        var scope = tenant.NewScope();
        var app = await tenant.CreateAppAsync(scope + "Tested App");
        var (admin, adminBrowser) = await SignedInAsync(scope + "app-admin");
        var (user, userBrowser) = await SignedInAsync(scope + "plain-user");
        using var _ = adminBrowser;
        using var __ = userBrowser;
        await tenant.AssignAsync(app.Id(), admin.Id);
        await tenant.AssignAsync(app.Id(), user.Id);
        await tenant.Service<DirectoryRoles>().AssignAsync(admin.SysId, DirectoryRoles.Find("Application Administrator")!, "test",
            CancellationToken.None);

        var adminPage = (await adminBrowser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);
        var userPage = (await userBrowser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);

        Assert.Contains(($"/myapps/test?appid={app.Text("appId")}", "Test"), adminPage.Links);
        Assert.Contains($"aria-label=\"Test {scope}Tested App\"", adminPage.Body);
        Assert.DoesNotContain("/myapps/test", userPage.Body);
        Assert.Single(Tiles(userPage));
    }

    [Fact]
    public async Task a_user_with_no_apps_is_told_to_ask_the_administrator()
    {
        var (_, browser) = await SignedInAsync(tenant.NewScope() + "no-apps");
        using var __ = browser;

        var page = (await browser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);

        Assert.Contains("No apps have been assigned to you yet. Ask your administrator.", page.Body);
        Assert.DoesNotContain("<ul class=\"tiles\">", page.Body);
    }

    [Fact]
    public async Task a_tile_shows_the_logo_as_decoration_and_the_page_allows_its_origin()
    {
        var scope = tenant.NewScope();
        var withLogo = await tenant.CreateAppAsync(scope + "Logo App");
        var withoutLogo = await tenant.CreateAppAsync(scope + "zeta App");
        var (user, browser) = await SignedInAsync(scope + "logo-user");
        using var _ = browser;
        await tenant.AssignAsync(withLogo.Id(), user.Id);
        await tenant.AssignAsync(withoutLogo.Id(), user.Id);
        var applications = tenant.Service<SamlApplications>();
        var (updated, problem) = await applications.UpdateAsync(IdentityBridge.Tenant.Directory.GraphIds.ToSysId(Guid.Parse(withLogo.Id())),
            new SamlApplicationUpdate { LogoUrl = "https://cdn.example.com/logos/app.png" }, "test", CancellationToken.None);
        Assert.Null(problem);
        Assert.NotNull(updated);

        var page = (await browser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);

        Assert.Contains("<img src=\"https://cdn.example.com/logos/app.png\" alt=\"\">", page.Body);
        Assert.Contains("img-src 'self' https://cdn.example.com;", page.Header("Content-Security-Policy"));
        // The badge is the first letter of the name (here of the test's scope prefix), hidden from screen readers.
        Assert.Contains("<span class=\"tile-initial\" aria-hidden=\"true\">S</span>", page.Body);
        Assert.Equal([scope + "Logo App", scope + "zeta App"], Tiles(page).Select(t => t.Text));
    }
}
