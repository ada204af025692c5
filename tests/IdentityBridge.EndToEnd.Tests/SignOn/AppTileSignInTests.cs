using System.Security.Cryptography;
using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Tenant.SignIn;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests.SignOn;

/// <summary>
/// Signing in to a ServiceNow instance with a tenant account, in a real browser and through the real pages only: the
/// tenant's sign-in form, the My Apps tile, the auto-submitting form that carries the SAML response, the instance's
/// home page, and single logout from the instance back to the tenant. Each test has an instance, an app and users
/// of its own (<see cref="ServiceNowSignOn"/>).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AppTileSignInTests(BrowserFixture browser, Stack stack)
{
    private static readonly PageWaitForURLOptions Patiently = new() { Timeout = 60_000 };

    [Fact]
    public Task a_directory_user_signs_in_to_my_apps_clicks_the_servicenow_tile_and_lands_on_the_instance_signed_in_as_themselves() => browser.RunAsync(async page =>
    {
        var sso = await ServiceNowSignOn.SetUpAsync(stack);
        var (user, instanceUser) = await sso.UserAsync("Adele", "Vance");
        // The per-app metadata filled the instance's record: the tenant's issuer, endpoints and the app's signer.
        var record = await sso.Instance.TableAsync(HttpMethod.Get, $"saml2_update1_properties/{sso.RecordId}", null, HttpStatusCode.OK);
        Assert.Equal(stack.TenantIssuer, record.GetProperty("idp").GetString());
        Assert.Equal(stack.TenantSamlUrl, record.GetProperty("idp_authnrequest_url").GetString());
        Assert.Equal(stack.TenantSamlUrl, record.GetProperty("idp_logout_url").GetString());
        var certificate = await sso.Instance.TableAsync(HttpMethod.Get, $"sys_certificate/{record.GetProperty("x509_cert").GetString()}", null, HttpStatusCode.OK);
        using (var signer = await stack.SigningCertificateAsync(sso.App))
            Assert.Equal(signer.GetCertHashString(HashAlgorithmName.SHA256), certificate.GetProperty("sha256_fingerprint").GetString());

        await page.GotoAsync(stack.MyAppsUrl);
        await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
        await ServiceNowSignOn.SignInAsync(page, user);
        await page.WaitForURLAsync(stack.MyAppsUrl, Patiently);
        Assert.Contains($"Signed in as {user.DisplayName}", await page.GetByRole(AriaRole.Navigation, new() { Name = "Account" }).InnerTextAsync());

        await sso.Tile(page).ClickAsync();
        await page.WaitForURLAsync(sso.Instance.NavpageUrl, Patiently);

        Assert.Equal($"Welcome, {user.DisplayName}", await page.Locator("h1").InnerTextAsync());
        Assert.Equal(user.UserPrincipalName, await page.Locator("code").InnerTextAsync());
        var session = Assert.Single(await sso.InstanceSessionsAsync(instanceUser));
        Assert.Equal(sso.RecordId, session.GetProperty("idp").GetString());
        Assert.Equal(user.UserPrincipalName, session.GetProperty("name_id").GetString());
    });

    [Fact]
    public Task the_sp_initiated_flow_from_login_with_sso_signs_the_user_in() => browser.RunAsync(async page =>
    {
        var sso = await ServiceNowSignOn.SetUpAsync(stack);
        var (user, instanceUser) = await sso.UserAsync("Megan", "Bowen");

        await page.GotoAsync($"{sso.Instance.Url}/login_with_sso.do?glide_sso_id={sso.RecordId}");
        await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
        Assert.Equal("Sign in", await page.Locator("h1").InnerTextAsync());
        await ServiceNowSignOn.SignInAsync(page, user);

        // Without a sysparm_goto_url the instance lands the user on its home page.
        await page.WaitForURLAsync(sso.Instance.NavpageUrl, Patiently);
        Assert.Equal($"Welcome, {user.DisplayName}", await page.Locator("h1").InnerTextAsync());
        var session = Assert.Single(await sso.InstanceSessionsAsync(instanceUser));
        Assert.Equal(sso.RecordId, session.GetProperty("idp").GetString());
    });

    [Fact]
    public Task a_user_not_assigned_sees_AADSTS50105() => browser.RunAsync(async page =>
    {
        var sso = await ServiceNowSignOn.SetUpAsync(stack);
        var (user, instanceUser) = await sso.UserAsync("Lee", "Gu", assigned: false);

        await page.GotoAsync($"{sso.Instance.Url}/login_with_sso.do?glide_sso_id={sso.RecordId}");
        await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
        await ServiceNowSignOn.SignInAsync(page, user);

        await page.GetByText("AADSTS50105").First.WaitForAsync(new() { Timeout = 60_000 });
        Assert.StartsWith(stack.TenantUrl + "/", page.Url);
        Assert.Contains("AADSTS50105", await page.Locator("body").InnerTextAsync());
        Assert.Empty(await sso.InstanceSessionsAsync(instanceUser));
    });

    [Fact]
    public Task signing_out_of_the_instance_ends_the_tenant_session() => browser.RunAsync(async page =>
    {
        var sso = await ServiceNowSignOn.SetUpAsync(stack);
        var (user, instanceUser) = await sso.UserAsync("Alex", "Wilber");
        await page.GotoAsync(stack.MyAppsUrl);
        await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
        await ServiceNowSignOn.SignInAsync(page, user);
        await page.WaitForURLAsync(stack.MyAppsUrl, Patiently);
        await sso.Tile(page).ClickAsync();
        await page.WaitForURLAsync(sso.Instance.NavpageUrl, Patiently);
        Assert.Equal($"Welcome, {user.DisplayName}", await page.Locator("h1").InnerTextAsync());

        var tenantCookie = (await page.Context.CookiesAsync([stack.TenantUrl])).Single(c => c.Name == TenantSessions.CookieName);
        var visited = new List<string>();
        page.Request += (_, request) => { if (request.IsNavigationRequest) lock (visited) visited.Add(request.Url); };
        await page.GetByRole(AriaRole.Link, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForURLAsync(sso.Instance.Url + "/external_logout_complete.do", Patiently);
        Assert.Equal("You are logged out", await page.Locator("h1").InnerTextAsync());

        // The instance asked the tenant to sign the user out, and the tenant answered at the app's Logout URL.
        List<string> trip;
        lock (visited) trip = [.. visited];
        Assert.Contains(trip, url => url.StartsWith(stack.TenantSamlUrl + "?SAMLRequest=", StringComparison.Ordinal));
        Assert.Contains(trip, url => url.StartsWith(sso.Instance.NavpageUrl + "?SAMLResponse=", StringComparison.Ordinal));
        Assert.Empty(await sso.InstanceSessionsAsync(instanceUser));

        await page.GotoAsync(stack.MyAppsUrl);
        await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
        Assert.Equal("Sign in", await page.Locator("h1").InnerTextAsync());
        await Assertions.Expect(page.GetByLabel("Password", new() { Exact = true })).ToBeVisibleAsync();

        // The session ended on the tenant, not only in this browser: its old cookie, replayed, signs nobody in.
        await page.Context.AddCookiesAsync([new Microsoft.Playwright.Cookie
        {
            Name = tenantCookie.Name, Value = tenantCookie.Value, Domain = tenantCookie.Domain, Path = tenantCookie.Path,
            Secure = tenantCookie.Secure, HttpOnly = tenantCookie.HttpOnly, SameSite = tenantCookie.SameSite,
        }]);
        await page.GotoAsync(stack.MyAppsUrl);
        Assert.Matches(sso.TenantSignInUrl, page.Url);
        Assert.Equal("Sign in", await page.Locator("h1").InnerTextAsync());
    });

    [Fact]
    public async Task the_tile_sign_in_works_with_the_keyboard_and_without_script()
    {
        var sso = await ServiceNowSignOn.SetUpAsync(stack);
        var (keyboardUser, _) = await sso.UserAsync("Nestor", "Wilke");
        var (noScriptUser, noScriptInstanceUser) = await sso.UserAsync("Pradeep", "Gupta");

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync(stack.MyAppsUrl);
            await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
            await ServiceNowSignOn.SignInAsync(page, keyboardUser);
            await page.WaitForURLAsync(stack.MyAppsUrl, Patiently);

            var tile = sso.Tile(page);
            var reached = false;
            for (var presses = 0; presses < 20 && !reached; presses++)
            {
                await page.Keyboard.PressAsync("Tab");
                reached = await tile.EvaluateAsync<bool>("link => link === document.activeElement");
            }
            Assert.True(reached, "Tab never reached the ServiceNow tile.");
            await page.Keyboard.PressAsync("Enter");
            await page.WaitForURLAsync(sso.Instance.NavpageUrl, Patiently);
            Assert.Equal($"Welcome, {keyboardUser.DisplayName}", await page.Locator("h1").InnerTextAsync());
        }, nameof(the_tile_sign_in_works_with_the_keyboard_and_without_script) + "-keyboard");

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync(stack.MyAppsUrl);
            await page.WaitForURLAsync(sso.TenantSignInUrl, Patiently);
            await ServiceNowSignOn.SignInAsync(page, noScriptUser);
            await page.WaitForURLAsync(stack.MyAppsUrl, Patiently);
            await sso.Tile(page).ClickAsync();

            // Without script the response waits on the tenant's page until the user presses Continue.
            var carryOn = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
            await Assertions.Expect(carryOn).ToBeVisibleAsync(new() { Timeout = 30_000 });
            Assert.StartsWith(stack.TenantUrl + "/", page.Url);
            Assert.Contains("Press Continue", await page.Locator("body").InnerTextAsync());
            Assert.Empty(await sso.InstanceSessionsAsync(noScriptInstanceUser));

            await carryOn.ClickAsync();
            await page.WaitForURLAsync(sso.Instance.NavpageUrl, Patiently);
            Assert.Equal($"Welcome, {noScriptUser.DisplayName}", await page.Locator("h1").InnerTextAsync());
            Assert.Single(await sso.InstanceSessionsAsync(noScriptInstanceUser));
        }, nameof(the_tile_sign_in_works_with_the_keyboard_and_without_script) + "-without-script", javaScriptEnabled: false);
    }
}
