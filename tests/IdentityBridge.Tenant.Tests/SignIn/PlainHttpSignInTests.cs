using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>
/// A tenant on plain http (a developer's laptop): browsers refuse <c>__Host-</c> and <c>Secure</c> cookies there, so
/// the sign-in page uses plain cookie names and still works, on either store; and smart lockout's compare-and-set
/// holds on PostgreSQL as on SQLite.
/// </summary>
public abstract class PlainHttpSignInTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task signing_in_over_http_uses_plain_cookies_that_still_protect_the_form()
    {
        var name = tenant.NewScope() + "http-user";
        await tenant.CreateUserAsync(name, new { passwordProfile = new { password = "Plain-Http-Password-1" } });
        using var browser = new TenantBrowser(tenant.BaseUrl, certificate: null);

        var form = (await browser.GetAsync($"/{tenant.App.TenantId}/login")).ShouldBe(HttpStatusCode.OK);
        var signedIn = await browser.SignInAsync(tenant.App.TenantId, RunningTenant.Upn(name), "Plain-Http-Password-1");

        var canary = form.SetCookie("idbridge-canary");
        Assert.NotNull(canary);
        Assert.DoesNotContain("secure", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Null(form.SetCookie("__Host-idbridge-canary"));
        Assert.Equal("/myapps", signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
        var session = signedIn.SetCookie("ESTSAUTH");
        Assert.NotNull(session);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/myapps")).Status);
    }

    [BackendFact]
    public async Task wrong_passwords_posted_at_the_same_time_all_count_towards_the_lockout()
    {
        var name = tenant.NewScope() + "parallel-user";
        await tenant.CreateUserAsync(name, new { passwordProfile = new { password = "Parallel-Password-1" } });
        var browsers = Enumerable.Range(0, 10).Select(_ => new TenantBrowser(tenant.BaseUrl, certificate: null)).ToList();
        try
        {
            await Task.WhenAll(browsers.Select((browser, i) =>
                browser.SignInAsync(tenant.App.TenantId, RunningTenant.Upn(name), $"Wrong-In-Parallel-{i}")));
            var locked = await browsers[0].SignInAsync(tenant.App.TenantId, RunningTenant.Upn(name), "Parallel-Password-1");

            Assert.Equal("AADSTS50053", locked.ErrorCode());
        }
        finally
        {
            foreach (var browser in browsers) browser.Dispose();
        }
    }
}

public sealed class PlainHttpSignInTestsOnSqlite(SqliteTenant tenant) : PlainHttpSignInTests(tenant), IClassFixture<SqliteTenant>;

public sealed class PlainHttpSignInTestsOnPostgres(PostgresTenant tenant) : PlainHttpSignInTests(tenant), IClassFixture<PostgresTenant>;
