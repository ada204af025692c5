using IdentityBridge.Tenant.Saml;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>The admin's Test action: <c>/myapps/test?appid=..[&amp;user=..]</c>.</summary>
public sealed class TestActionTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private static string Test(TestApp app, string? user = null) =>
        $"/myapps/test?appid={app.AppId}" + (user is null ? "" : "&user=" + Uri.EscapeDataString(user));

    [Fact]
    public async Task an_admin_sees_what_another_user_would_receive_without_any_response_being_signed()
    {
        var app = await _world.CreateAppAsync(u => u with { AssignmentRequired = true });
        var admin = await _world.CreateUserAsync(tenant.NewScope() + "admin");
        await _world.MakeApplicationAdministratorAsync(admin);
        var user = await _world.CreateUserAsync(tenant.NewScope() + "viewed", new { givenName = "Vera", mail = "vera@contoso.example" });
        await _world.AssignAsync(app, user.Id);
        using var browser = await _world.SignedInBrowserAsync(admin);

        var page = (await browser.GetAsync(Test(app, user.Upn))).ShouldBe(HttpStatusCode.OK);

        var text = WebUtility.HtmlDecode(page.Body);
        Assert.Contains($"Result for {user.Upn}", text);
        Assert.Contains("assigned to the application.", text);
        Assert.Contains(SamlClaimTypes.GivenName, text);
        Assert.Contains("Vera", text);
        Assert.Contains(app.ReplyUrl, text);
        Assert.Contains(app.EntityId, text);
        Assert.Contains("thumbprint", text);
        Assert.DoesNotContain("SAMLResponse", text);
        Assert.DoesNotContain("<script", page.Body);
        Assert.Contains("<label for=\"user\">", page.Body);
        Assert.Contains("<th scope=\"col\">Claim</th>", page.Body);
        Assert.Contains($"action=\"/{_world.TenantId}/saml2/launch\"", page.Body);
        Assert.Empty(await _world.SignInLogAsync(app.AppId));
    }

    [Fact]
    public async Task an_unassigned_user_is_shown_with_aadsts50105_and_the_admin_defaults_to_themself()
    {
        var app = await _world.CreateAppAsync(u => u with { AssignmentRequired = true });
        var admin = await _world.CreateUserAsync(tenant.NewScope() + "admin2");
        await _world.MakeApplicationAdministratorAsync(admin);
        using var browser = await _world.SignedInBrowserAsync(admin);

        var text = WebUtility.HtmlDecode((await browser.GetAsync(Test(app))).ShouldBe(HttpStatusCode.OK).Body);

        Assert.Contains($"Result for {admin.Upn}", text);
        Assert.Contains("AADSTS50105", text);
        Assert.Contains("AADSTS50034", WebUtility.HtmlDecode((await browser.GetAsync(Test(app, "nobody@contoso.onmicrosoft.com"))).Body));
    }

    [Fact]
    public async Task only_application_administrators_may_test_and_without_a_session_the_sign_in_page_comes_first()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "plain");
        using var signedIn = await _world.SignedInBrowserAsync(user);
        using var anonymous = _world.NewBrowser();

        var refused = (await signedIn.GetAsync(Test(app))).ShouldBe(HttpStatusCode.Forbidden);
        Assert.Contains("Application Administrator", refused.Body);

        var redirect = (await anonymous.GetAsync(Test(app))).ShouldBe(HttpStatusCode.Found);
        Assert.Equal($"/{_world.TenantId}/login?continue={Uri.EscapeDataString(Test(app))}", redirect.Location);
    }
}
