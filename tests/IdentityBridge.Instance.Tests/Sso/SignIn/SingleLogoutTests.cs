using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Testing.Web;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Single logout with Entra (docs/sso.md): logging out of the instance ends the Entra session too, and logging out
/// of Entra ends the user's sessions at the instance. Logout messages travel through the browser on the
/// HTTP-Redirect binding, so only a query signed with the tenant's key is believed.
/// </summary>
public abstract class SingleLogoutTests(RunningInstance instance) : IDisposable
{
    private const string ExternalLogoutComplete = "/external_logout_complete.do";

    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    private async Task<(EntraUser User, string Record)> SignedUpUserAsync(object? settings = null)
    {
        var record = await instance.RegisterAsync(_entra, settings);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        return (user, record);
    }

    /// <summary>Signs in through login_with_sso.do; answers the SessionIndex Entra gave the session.</summary>
    private async Task<string> SignInAsync(SsoBrowser browser, EntraUser user, string record)
    {
        var (landing, response) = await browser.SignInAsync(_entra, record, user);
        landing.ShouldLandOn(browser, "/navpage.do");
        return response.SessionIndex!;
    }

    private async Task<Received<LogoutRequest>> LogOutAsync(SsoBrowser browser)
    {
        var logout = await browser.GetAsync("/logout.do");
        Assert.True(logout.Status == HttpStatusCode.Found, $"Expected a redirect to Entra's logout URL, got {(int)logout.Status}: {logout.Body}");
        return _entra.ReadLogoutRequest(logout.Location);
    }

    // ---- started at the instance -----------------------------------------------------------------------------

    [BackendFact]
    public async Task logout_sends_the_user_to_entra_with_a_logout_request_naming_their_session()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var sessionIndex = await SignInAsync(browser, user, record);

        var request = (await LogOutAsync(browser)).Message;

        Assert.Equal(instance.BaseUrl, request.Issuer);
        // The NameID as the assertion carried it, format included (SAML Profiles 4.4.4.1: it must match strongly).
        Assert.Equal(user.Upn, request.NameId.Value);
        Assert.Equal(SamlNames.NameIdEmail, request.NameId.Format);
        Assert.Equal([sessionIndex], request.SessionIndexes);
    }

    [BackendFact]
    public async Task after_logout_the_session_no_longer_works()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        await SignInAsync(browser, user, record);
        var session = browser.Cookie(SignInWorld.SessionCookie)!;
        using var copy = new SsoBrowser(instance.BaseUrl);
        copy.AddCookie(SignInWorld.SessionCookie, session);

        await LogOutAsync(browser);

        await browser.ShouldBeSignedOutAsync();
        await copy.ShouldBeSignedOutAsync();
    }

    [BackendFact]
    public async Task entras_signed_logout_response_lands_on_the_external_logout_page()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        await SignInAsync(browser, user, record);
        var request = await LogOutAsync(browser);

        var done = await browser.GetAsync(_entra.LogoutResponseUrl(instance.BaseUrl, request), from: TestIdentityProvider.Origin);

        Assert.True(done.Status == HttpStatusCode.Found, $"Expected a redirect, got {(int)done.Status}: {done.Body}");
        Assert.Equal(ExternalLogoutComplete, browser.LocalTarget(done.Location));
        (await browser.FollowAsync(done, from: TestIdentityProvider.Origin)).ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task an_unsigned_or_wrongly_signed_logout_response_is_refused()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        await SignInAsync(browser, user, record);
        var request = await LogOutAsync(browser);
        var syslog = await SyslogWatch.StartAsync(instance);

        var unsigned = await browser.GetAsync(_entra.LogoutResponseUrl(instance.BaseUrl, request, QuerySigning.Unsigned), from: TestIdentityProvider.Origin);
        var forged = await browser.GetAsync(_entra.LogoutResponseUrl(instance.BaseUrl, request, QuerySigning.StrangersKey), from: TestIdentityProvider.Origin);
        // The request is still open: the refusals were about the signatures, not about the request.
        var genuine = await browser.GetAsync(_entra.LogoutResponseUrl(instance.BaseUrl, request), from: TestIdentityProvider.Origin);

        ShouldBeRefusedLogoutMessage(unsigned, "unsigned LogoutResponse");
        ShouldBeRefusedLogoutMessage(forged, "LogoutResponse signed with another key");
        Assert.Equal(ExternalLogoutComplete, browser.LocalTarget(genuine.Location));
        await syslog.ShouldHaveLoggedAsync("SIGNATURE_MISSING");
        await syslog.ShouldHaveLoggedAsync("SIGNATURE_INVALID");
    }

    [BackendFact]
    public async Task with_sign_logout_request_on_the_logout_request_is_signed_with_the_key_of_the_instances_metadata()
    {
        var (user, record) = await SignedUpUserAsync(new { require_signed_logoutrequest = "true" });
        using var browser = new SsoBrowser(instance.BaseUrl);
        await SignInAsync(browser, user, record);

        var request = await LogOutAsync(browser);

        var sp = (await browser.ServiceProviderMetadataAsync(record)).ServiceProvider;
        Assert.NotNull(sp);
        Assert.Null(TestIdentityProvider.QuerySignatureProblem(request.Raw, sp.SigningCertificates));
    }

    // ---- started at Entra ------------------------------------------------------------------------------------

    [BackendFact]
    public async Task a_signed_logout_request_from_entra_ends_the_session_and_is_answered_with_success()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var sessionIndex = await SignInAsync(browser, user, record);
        var (url, request) = _entra.LogoutRequestUrl(instance.BaseUrl, user, sessionIndex);

        var answer = await browser.GetAsync(url, from: TestIdentityProvider.Origin);

        Assert.True(answer.Status == HttpStatusCode.Found, $"Expected a redirect back to Entra, got {(int)answer.Status}: {answer.Body}");
        var response = _entra.ReadLogoutResponse(answer.Location).Message;
        Assert.True(response.Status.IsSuccess, $"LogoutResponse status {response.Status.Code} {response.Status.Message}");
        Assert.Equal(request.Id, response.InResponseTo);
        Assert.Equal(instance.BaseUrl, response.Issuer);
        await browser.ShouldBeSignedOutAsync();
    }

    [BackendFact]
    public async Task a_logout_request_naming_only_the_user_ends_their_sessions_in_every_browser()
    {
        var (user, record) = await SignedUpUserAsync();
        using var laptop = new SsoBrowser(instance.BaseUrl);
        using var phone = new SsoBrowser(instance.BaseUrl);
        using var kiosk = new SsoBrowser(instance.BaseUrl);
        await SignInAsync(laptop, user, record);
        await SignInAsync(phone, user, record);
        var (url, _) = _entra.LogoutRequestUrl(instance.BaseUrl, user, sessionIndex: null);

        var answer = await kiosk.GetAsync(url, from: TestIdentityProvider.Origin);

        Assert.True(_entra.ReadLogoutResponse(answer.Location).Message.Status.IsSuccess);
        await laptop.ShouldBeSignedOutAsync();
        await phone.ShouldBeSignedOutAsync();
    }

    [BackendFact]
    public async Task an_unsigned_or_wrongly_signed_logout_request_is_refused_and_the_session_survives()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var sessionIndex = await SignInAsync(browser, user, record);
        var syslog = await SyslogWatch.StartAsync(instance);

        var unsigned = await browser.GetAsync(_entra.LogoutRequestUrl(instance.BaseUrl, user, sessionIndex, QuerySigning.Unsigned).Url,
            from: TestIdentityProvider.Origin);
        var forged = await browser.GetAsync(_entra.LogoutRequestUrl(instance.BaseUrl, user, sessionIndex, QuerySigning.StrangersKey).Url,
            from: TestIdentityProvider.Origin);

        unsigned.ShouldBe(HttpStatusCode.BadRequest);
        ShouldBeRefusedLogoutMessage(forged, "LogoutRequest signed with another key");
        await browser.ShouldBeSignedInAsync(user);
        await syslog.ShouldHaveLoggedAsync("SIGNATURE_MISSING");
        await syslog.ShouldHaveLoggedAsync("SIGNATURE_INVALID");
    }

    [BackendFact]
    public async Task with_sign_logout_response_on_the_answer_to_entras_logout_request_is_signed_with_the_key_of_the_instances_metadata()
    {
        var (user, record) = await SignedUpUserAsync(new { sign_logout_response = "true" });
        using var browser = new SsoBrowser(instance.BaseUrl);
        var sessionIndex = await SignInAsync(browser, user, record);

        var answer = await browser.GetAsync(_entra.LogoutRequestUrl(instance.BaseUrl, user, sessionIndex).Url, from: TestIdentityProvider.Origin);

        var response = _entra.ReadLogoutResponse(answer.Location);
        var sp = (await browser.ServiceProviderMetadataAsync(record)).ServiceProvider;
        Assert.NotNull(sp);
        Assert.True(response.Message.Status.IsSuccess);
        Assert.Null(TestIdentityProvider.QuerySignatureProblem(response.Raw, sp.SigningCertificates));
    }

    private static void ShouldBeRefusedLogoutMessage(BrowserPage page, string what)
    {
        Assert.True((int)page.Status is >= 400 and < 500, $"Expected the {what} to be refused with a 4xx, got {(int)page.Status} " +
                                                          $"(Location: {page.Location}): {page.Body}");
        Assert.Null(page.Location);
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class SingleLogoutTestsOnSqlite(SqliteInstance instance) : SingleLogoutTests(instance), IClassFixture<SqliteInstance>;

public sealed class SingleLogoutTestsOnPostgres(PostgresInstance instance) : SingleLogoutTests(instance), IClassFixture<PostgresInstance>;
