using IdentityBridge.Testing.Web;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Who a SAML sign-in signs in (spec/servicenow.md 5.5, 5.6): the sys_user whose email is the NameID; a new user
/// created from Entra's claims when the record and the global property allow it; mapped fields refreshed on each
/// login when the record asks; nobody when the user is inactive or locked out.
/// </summary>
public abstract class SignInUserTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    private async Task<BrowserPage> SignInAsync(EntraUser user)
    {
        using var browser = new SsoBrowser(instance.BaseUrl);
        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user);
        return landing;
    }

    [BackendFact]
    public async Task an_unknown_user_is_created_from_entras_claims_when_auto_provisioning_is_on()
    {
        await instance.SetPropertyAsync(SignInWorld.AutoProvision, "true");
        await instance.RegisterAsync(_entra, new { auto_provision = "true" });
        var newcomer = EntraUser.New("britta", "simon");
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, newcomer);

        landing.ShouldLandOn(browser, "/navpage.do");
        await browser.ShouldBeSignedInAsync(newcomer);
        var created = Assert.Single(await instance.UsersWithEmailAsync(newcomer.Email));
        Assert.Equal("britta", created.Text("first_name"));
        Assert.Equal("simon", created.Text("last_name"));
        Assert.Equal(newcomer.Email, created.Text("email"));
        Assert.Equal("true", created.Text("active"));
    }

    [BackendFact]
    public async Task an_unknown_user_is_refused_as_not_found_while_the_global_property_is_off()
    {
        await instance.SetPropertyAsync(SignInWorld.AutoProvision, "false");
        await instance.RegisterAsync(_entra, new { auto_provision = "true" });
        var stranger = EntraUser.New("nobody", "known");
        var syslog = await SyslogWatch.StartAsync(instance);

        var landing = await SignInAsync(stranger);

        landing.ShouldBeRefused();
        Assert.Empty(await instance.UsersWithEmailAsync(stranger.Email));
        await syslog.ShouldHaveLoggedAsync($"User: {stranger.Upn} not found");
    }

    [BackendFact]
    public async Task a_changed_surname_updates_the_user_on_login_when_the_record_asks()
    {
        await instance.RegisterAsync(_entra, new { auto_update_user = "true" });
        var user = EntraUser.New("b", "simon");
        var created = await instance.CreateUserAsync(user);
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user with { Surname = "Simon-Larsen" });

        landing.ShouldLandOn(browser, "/navpage.do");
        Assert.Equal("Simon-Larsen", (await instance.UserAsync(created.SysId)).Text("last_name"));
    }

    [BackendFact]
    public async Task a_changed_surname_leaves_the_user_alone_when_the_record_does_not_ask()
    {
        await instance.RegisterAsync(_entra, new { auto_update_user = "false" });
        var user = EntraUser.New("b", "simon");
        var created = await instance.CreateUserAsync(user);
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInUnsolicitedAsync(_entra, user with { Surname = "Simon-Larsen" });

        landing.ShouldLandOn(browser, "/navpage.do");
        Assert.Equal("simon", (await instance.UserAsync(created.SysId)).Text("last_name"));
    }

    [BackendFact]
    public async Task an_inactive_user_is_refused()
    {
        await instance.RegisterAsync(_entra);
        var user = EntraUser.New("gone", "away");
        await instance.CreateUserAsync(user, new { active = "false" });
        var syslog = await SyslogWatch.StartAsync(instance);

        var landing = await SignInAsync(user);

        landing.ShouldBeRefused();
        await syslog.ShouldHaveLoggedAsync($"User: {user.Upn} not found");
    }

    [BackendFact]
    public async Task a_locked_out_user_is_refused()
    {
        await instance.RegisterAsync(_entra);
        var user = EntraUser.New("locked", "out");
        await instance.CreateUserAsync(user, new { locked_out = "true" });
        var syslog = await SyslogWatch.StartAsync(instance);

        var landing = await SignInAsync(user);

        landing.ShouldBeRefused();
        await syslog.ShouldHaveLoggedAsync(user.Upn);
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class SignInUserTestsOnSqlite(SqliteInstance instance) : SignInUserTests(instance), IClassFixture<SqliteInstance>;

public sealed class SignInUserTestsOnPostgres(PostgresInstance instance) : SignInUserTests(instance), IClassFixture<PostgresInstance>;
