namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Sign-in started at Entra (the ServiceNow tile in My Apps): an unsolicited response posted to the ACS, with the
/// app's configured RelayState (spec/saml.md 1.9). The user lands where RelayState says when it is a path on the
/// instance, and on the home page when it points anywhere else.
/// </summary>
public abstract class IdpInitiatedSignInTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    private async Task<(EntraUser User, string Record)> SignedUpUserAsync()
    {
        var record = await instance.RegisterAsync(_entra);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        return (user, record);
    }

    [BackendFact]
    public async Task idp_initiated_sign_in_lands_on_the_relay_state_with_a_session()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user, relayState: "/sys_user_list.do");

        landing.ShouldLandOn(browser, "/sys_user_list.do");
        await browser.ShouldBeSignedInAsync(user);
        Assert.Equal(record, browser.Cookie("glide_sso_id"));
    }

    [BackendFact]
    public async Task the_session_cookie_is_http_only_and_same_site_lax()
    {
        var (user, _) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user, relayState: "/sys_user_list.do");

        var cookie = landing.SetCookie(SignInWorld.SessionCookie);
        Assert.NotNull(cookie);
        var attributes = cookie.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
    }

    [BackendFact]
    public async Task without_relay_state_the_user_lands_on_the_home_page()
    {
        var (user, _) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user);

        landing.ShouldLandOn(browser, "/navpage.do");
        await browser.ShouldBeSignedInAsync(user);
    }

    [BackendFact]
    public async Task the_second_assertion_consumer_service_consumer_do_signs_in_too()
    {
        var (user, _) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var response = _entra.Describe(user, instance.BaseUrl, acsUrl: instance.BaseUrl + "/consumer.do");

        var landing = await browser.PostResponseAsync(_entra.Sign(response), "/sys_user_list.do", acsPath: "/consumer.do");

        landing.ShouldLandOn(browser, "/sys_user_list.do");
        await browser.ShouldBeSignedInAsync(user);
    }

    [BackendFact]
    public async Task a_relay_state_pointing_to_another_site_lands_on_the_home_page_instead()
    {
        var (user, _) = await SignedUpUserAsync();

        foreach (var elsewhere in new[] { "https://evil.example/", "//evil.example", "/\\evil.example", "https://evil.example/navpage.do" })
        {
            using var browser = new SsoBrowser(instance.BaseUrl);

            var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user, relayState: elsewhere);

            Assert.True(landing.Status == HttpStatusCode.Found, $"RelayState {elsewhere}: expected a redirect, got {(int)landing.Status}: {landing.Body}");
            Assert.True(browser.LocalTarget(landing.Location) == "/navpage.do",
                $"RelayState {elsewhere}: expected to land on /navpage.do, was sent to {landing.Location}");
            await browser.ShouldBeSignedInAsync(user);
        }
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class IdpInitiatedSignInTestsOnSqlite(SqliteInstance instance)
    : IdpInitiatedSignInTests(instance), IClassFixture<SqliteInstance>;

public sealed class IdpInitiatedSignInTestsOnPostgres(PostgresInstance instance)
    : IdpInitiatedSignInTests(instance), IClassFixture<PostgresInstance>;
