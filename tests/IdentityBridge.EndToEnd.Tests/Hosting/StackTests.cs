using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.Tenant.Saml;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests.Hosting;

/// <summary>
/// The set-up methods the sign-in tests build on do what they say: the tenant user can sign in with the password
/// and sees the app among their tiles, and the instance offers the tenant as a single sign-on option and knows the
/// user.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class StackTests(BrowserFixture browser, Stack stack)
{
    [Fact]
    public Task tenant_user_assigned_to_an_app_is_offered_by_the_instance_as_single_sign_on_and_known_there() => browser.RunAsync(async page =>
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
        var user = await stack.CreateTenantUserAsync("Adele", "Vance");
        await stack.AssignAsync(app, user);
        var record = await stack.CreateInstanceIdentityProviderAsync(app);
        var instanceUser = await instance.CreateUserAsync(user);

        var signedIn = await stack.Tenant.Directory.VerifyPasswordAsync(user.UserPrincipalName, user.Password);
        Assert.NotNull(signedIn);
        var tiles = await stack.Tenant.Services.GetRequiredService<SamlApplications>().AssignedToAsync(signedIn.SysId, default);
        Assert.Contains(tiles, tile => tile.AppId == app.AppId);

        await page.GotoAsync(instance.Url + "/login.do");
        var option = page.GetByRole(AriaRole.Link, new() { Name = $"Log in with {app.DisplayName} (Entra)" });
        Assert.Contains("glide_sso_id=" + record, await option.GetAttributeAsync("href"));

        await page.Locator("#user_name").FillAsync(instanceUser.UserName);
        await page.Locator("#user_password").FillAsync(instanceUser.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(instance.Url + "/navpage.do");
        Assert.Equal("Welcome, Adele Vance", await page.Locator("h1").InnerTextAsync());
    });
}
