using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Saml.Metadata;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests;

/// <summary>The browser reaches both halves of the stack: the instance's login form works and the tenant serves an app's metadata over HTTPS.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class SmokeTests(BrowserFixture browser, Stack stack)
{
    [Fact]
    public Task admin_signs_in_on_the_instance_login_form_and_lands_on_the_home_page() => browser.RunAsync(async page =>
    {
        await page.GotoAsync(stack.Instance.Url + "/login.do");

        await page.Locator("#user_name").FillAsync(StackInstance.AdminUserName);
        await page.Locator("#user_password").FillAsync(StackInstance.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        await page.WaitForURLAsync(stack.Instance.Url + "/navpage.do");
        var heading = await page.Locator("h1").InnerTextAsync();
        Assert.StartsWith("Welcome, ", heading);
        Assert.Contains("user name admin", await page.Locator("body").InnerTextAsync());
    });

    [Fact]
    public Task tenant_serves_an_apps_federation_metadata_with_its_signing_certificate_over_https() => browser.RunAsync(async page =>
    {
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", await stack.StartInstanceAsync());
        var signing = await stack.SigningCertificateAsync(app);

        var response = await page.GotoAsync(stack.FederationMetadataUrl(app.AppId));

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("application/xml", response.Headers["content-type"]);
        var metadata = new MetadataReader().Read(await response.TextAsync());
        Assert.Equal(stack.TenantIssuer, metadata.EntityId);
        var idp = metadata.RequireIdentityProvider();
        Assert.Contains(idp.SigningCertificates, c => c.Thumbprint == signing.Thumbprint);
        Assert.Contains(idp.SingleSignOnServices, s => s.Location == stack.TenantSamlUrl);
    });
}
