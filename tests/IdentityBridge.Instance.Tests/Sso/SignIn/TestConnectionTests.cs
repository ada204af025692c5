using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Testing.Web;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Test Connection (spec/servicenow.md 5.4, docs/sso.md): an administrator runs a whole sign-in against a record
/// that is not active yet; the response is validated without signing anyone in, the results page lists each step,
/// and a passed test is what lets the record be activated while the test is mandatory.
/// </summary>
public abstract class TestConnectionTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    /// <summary>An administrator's browser, signed in on the local login form.</summary>
    private async Task<SsoBrowser> AdministratorAsync()
    {
        var browser = new SsoBrowser(instance.BaseUrl);
        var login = await browser.LogInAsync("admin", RunningInstance.AdminPassword);
        Assert.True(login.Status == HttpStatusCode.SeeOther, $"The administrator could not log in: {(int)login.Status} {login.Body}");
        return browser;
    }

    /// <summary>Runs Test Connection to the point where Entra has answered; answers the ACS's reply.</summary>
    private async Task<BrowserPage> RunTestConnectionAsync(SsoBrowser admin, string record, EntraUser user, X509Certificate2? signedBy = null)
    {
        var start = await admin.GetAsync($"/saml_test_connection.do?glide_sso_id={record}");
        Assert.True(start.Status == HttpStatusCode.Found, $"Expected a redirect to Entra, got {(int)start.Status}: {start.Body}");
        var request = _entra.ReadAuthnRequest(start.Location);
        var response = _entra.Answer(request, user, instance.BaseUrl);
        return await admin.PostResponseAsync(signedBy is null ? _entra.Sign(response) : TestIdentityProvider.SignWith(signedBy, response),
            request.RelayState);
    }

    [BackendFact]
    public async Task a_passed_test_connection_of_an_inactive_record_lets_it_be_activated_while_the_test_is_mandatory()
    {
        await instance.SetPropertyAsync(SignInWorld.TestConnectionMandatory, "true");
        var record = await instance.RegisterAsync(_entra, active: false);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        using var admin = await AdministratorAsync();

        var completed = await RunTestConnectionAsync(admin, record, user);
        var results = await admin.FollowAsync(completed, from: TestIdentityProvider.Origin);

        var resultsPage = new Uri(new Uri(instance.BaseUrl), admin.LocalTarget(completed.Location));
        Assert.Equal("/saml_test_conn_completed.do", resultsPage.AbsolutePath);
        Assert.Equal(record, System.Web.HttpUtility.ParseQueryString(resultsPage.Query)["sysparm_test_sso_id"]);
        Assert.Null(completed.SetCookie(SignInWorld.SessionCookie));
        results.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("passed", results.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("issuer", results.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("signature", results.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("passed", (await instance.RecordAsync(record)).Text("last_test_result"));
        Assert.Equal("true", await instance.PropertyAsync(SignInWorld.TestConnectionMandatory));
        await instance.UpdateRecordAsync(record, new { active = "true" });
        Assert.Equal("true", (await instance.RecordAsync(record)).Text("active"));
    }

    [BackendFact]
    public async Task a_failed_test_connection_is_recorded_and_the_record_stays_inactive()
    {
        await instance.SetPropertyAsync(SignInWorld.TestConnectionMandatory, "true");
        var record = await instance.RegisterAsync(_entra, active: false);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        using var admin = await AdministratorAsync();
        using var impostor = instance.NewIdentityProvider();

        var completed = await RunTestConnectionAsync(admin, record, user, signedBy: impostor.Certificate);
        var results = await admin.FollowAsync(completed, from: TestIdentityProvider.Origin);

        results.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("failed", results.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("failed", (await instance.RecordAsync(record)).Text("last_test_result"));
        (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{record}", new { active = "true" }))
            .ShouldBe(HttpStatusCode.BadRequest);
    }

    [BackendFact]
    public async Task test_connection_signs_nobody_in_and_keeps_the_administrators_session()
    {
        var record = await instance.RegisterAsync(_entra, active: false);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        using var admin = await AdministratorAsync();
        var adminSession = admin.Cookie(SignInWorld.SessionCookie);

        var completed = await RunTestConnectionAsync(admin, record, user);
        await admin.FollowAsync(completed, from: TestIdentityProvider.Origin);

        Assert.Equal(adminSession, admin.Cookie(SignInWorld.SessionCookie));
        var home = (await admin.GetAsync("/navpage.do")).ShouldBe(HttpStatusCode.OK);
        Assert.DoesNotContain(user.Upn, home.Body);
    }

    [BackendFact]
    public async Task an_inactive_record_cannot_be_activated_before_its_test_passes()
    {
        await instance.SetPropertyAsync(SignInWorld.TestConnectionMandatory, "true");
        var record = await instance.RegisterAsync(_entra, active: false);

        var refused = await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{record}", new { active = "true" });

        refused.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Equal("false", (await instance.RecordAsync(record)).Text("active"));
    }

    [BackendFact]
    public async Task an_inactive_record_signs_nobody_in_outside_test_connection()
    {
        var record = await instance.RegisterAsync(_entra, active: false);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user);

        landing.ShouldBeRefused();
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/login_with_sso.do?glide_sso_id={record}")).Status);
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class TestConnectionTestsOnSqlite(SqliteInstance instance) : TestConnectionTests(instance), IClassFixture<SqliteInstance>;

public sealed class TestConnectionTestsOnPostgres(PostgresInstance instance) : TestConnectionTests(instance), IClassFixture<PostgresInstance>;
