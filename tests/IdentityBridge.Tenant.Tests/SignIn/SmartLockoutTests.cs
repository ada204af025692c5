using IdentityBridge.Tenant.Tests.Saml;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>
/// Smart lockout with Entra's defaults (10 wrong passwords, 60 seconds, longer each time). Moves its tenant's
/// clock, so it has a tenant of its own.
/// </summary>
public sealed class SmartLockoutTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private static async Task FailAsync(TenantBrowser browser, HttpsTenant tenant, TestUser user, int times, string prefix = "Wrong")
    {
        for (var i = 0; i < times; i++)
            await browser.SignInAsync(tenant, user.UserPrincipalName, $"{prefix}-{i}-{Guid.NewGuid():n}");
    }

    [Fact]
    public async Task ten_distinct_wrong_passwords_lock_the_user_out_until_the_lockout_duration_passes()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "miriam");
        using var browser = tenant.NewBrowser();

        await FailAsync(browser, tenant, user, 9);
        var tenth = await browser.SignInAsync(tenant, user.UserPrincipalName, "Tenth-Wrong-Password");
        var rightButLocked = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);
        tenant.Clock.Advance(TimeSpan.FromSeconds(30));
        var stillLocked = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);
        tenant.Clock.Advance(TimeSpan.FromSeconds(31));
        var released = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("AADSTS50053", tenth.ErrorCode());
        Assert.Equal("AADSTS50053", rightButLocked.ShouldBe(HttpStatusCode.OK).ErrorCode());
        Assert.Contains("temporarily locked", rightButLocked.Alert);
        Assert.Null(rightButLocked.SetCookie("ESTSAUTH"));
        Assert.Equal("AADSTS50053", stillLocked.ErrorCode());
        Assert.Equal("/myapps", released.ShouldBe(HttpStatusCode.SeeOther).Location);
        var codes = (await tenant.SignInLogAsync(user.UserPrincipalName)).Select(r => r["error_code"]).ToList();
        Assert.Equal(9, codes.Count(c => c == "50126"));
        Assert.Equal(3, codes.Count(c => c == "50053"));
        Assert.Equal(1, codes.Count(c => c == "0"));
    }

    [Fact]
    public async Task the_same_wrong_password_typed_again_and_again_is_counted_once()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "diego");
        using var browser = tenant.NewBrowser();

        for (var i = 0; i < 15; i++)
        {
            var page = await browser.SignInAsync(tenant, user.UserPrincipalName, "Old-Password-From-The-Phone");
            Assert.Equal("AADSTS50126", page.ErrorCode());
        }
        await FailAsync(browser, tenant, user, 8);
        var signedIn = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("/myapps", signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Fact]
    public async Task a_successful_sign_in_starts_the_count_again()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "johanna");
        using var browser = tenant.NewBrowser();

        await FailAsync(browser, tenant, user, 9);
        (await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password)).ShouldBe(HttpStatusCode.SeeOther);
        await FailAsync(browser, tenant, user, 9, "Again");
        var signedIn = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("/myapps", signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Fact]
    public async Task a_wrong_password_after_a_lockout_locks_again_for_twice_as_long()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "pradeep");
        using var browser = tenant.NewBrowser();

        await FailAsync(browser, tenant, user, 10);
        tenant.Clock.Advance(TimeSpan.FromSeconds(61));
        var again = await browser.SignInAsync(tenant, user.UserPrincipalName, "One-More-Wrong-Password");
        tenant.Clock.Advance(TimeSpan.FromSeconds(61));
        var stillLocked = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);
        tenant.Clock.Advance(TimeSpan.FromSeconds(60));
        var released = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("AADSTS50053", again.ErrorCode());
        Assert.Equal("AADSTS50053", stillLocked.ErrorCode());
        Assert.Equal("/myapps", released.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Fact]
    public async Task the_lockout_record_keeps_short_keyed_hashes_of_the_last_three_wrong_passwords_never_the_passwords()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "grace");
        using var browser = tenant.NewBrowser();
        string[] wrong = ["First-Wrong-Password", "Second-Wrong-Password", "Third-Wrong-Password", "Fourth-Wrong-Password"];

        foreach (var password in wrong) await browser.SignInAsync(tenant, user.UserPrincipalName, password);

        var row = await tenant.App.Store.FindAsync(IdentityBridge.Tenant.Directory.DirectoryTables.SignInLockout, "user", user.SysId);
        Assert.NotNull(row);
        Assert.Equal("4", row["failed_attempts"]);
        var remembered = row["recent_bad_passwords"]!.Split(',');
        Assert.Equal(3, remembered.Length);
        Assert.All(remembered, r => Assert.Matches("^[0-9a-f]{6}$", r));
        var stored = string.Join('\n', row.Values.Values);
        Assert.All(wrong, password => Assert.DoesNotContain(password, stored));
    }

    [Fact]
    public async Task wrong_passwords_posted_at_the_same_time_are_all_counted()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "lidia");
        var browsers = Enumerable.Range(0, 10).Select(_ => tenant.NewBrowser()).ToList();
        try
        {
            await Task.WhenAll(browsers.Select((browser, i) => browser.SignInAsync(tenant, user.UserPrincipalName, $"Parallel-{i}")));
            var locked = await browsers[0].SignInAsync(tenant, user.UserPrincipalName, user.Password);

            Assert.Equal("AADSTS50053", locked.ErrorCode());
        }
        finally
        {
            foreach (var browser in browsers) browser.Dispose();
        }
    }
}
