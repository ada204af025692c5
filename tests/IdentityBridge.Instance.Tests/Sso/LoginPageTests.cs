using System.Security.Cryptography;
using System.Text;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// The browser pages as a user meets them: login.do (local login, identity-provider buttons), navpage.do and
/// logout.do, with the session cookie, anti-forgery token, lockout and redirect rules that keep them safe.
/// </summary>
public abstract class LoginPageTests(RunningInstance instance)
{
    private const string Enabled = "glide.authenticate.multisso.enabled";

    private async Task<TestUser> UserAsync(string who) =>
        await instance.CreateUserAsync(instance.NewScope() + who, new { first_name = "Fred", last_name = "Luddy" });

    [BackendFact]
    public async Task the_login_form_is_labelled_protected_and_never_cached()
    {
        using var browser = instance.NewBrowser();

        var page = await browser.GetAsync("/login.do");

        page.ShouldBe(HttpStatusCode.OK);
        Assert.StartsWith("text/html", page.Header("Content-Type"));
        Assert.Contains("<h1>Log in</h1>", page.Body);
        Assert.Contains("<label for=\"user_name\">User name</label>", page.Body);
        Assert.Contains("<label for=\"user_password\">Password</label>", page.Body);
        Assert.NotNull(page.HiddenField("sysparm_ck"));
        Assert.Contains("default-src 'none'", page.Header("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", page.Header("Content-Security-Policy"));
        Assert.DoesNotContain("<script", page.Body);
        Assert.Contains("no-store", page.Header("Cache-Control"));
        Assert.Equal("DENY", page.Header("X-Frame-Options"));
    }

    [BackendFact]
    public async Task identity_provider_buttons_appear_only_when_multi_provider_sso_is_enabled()
    {
        var scope = instance.NewScope();
        var record = await instance.CreateActiveIdentityProviderAsync(scope + "Contoso", $"https://sts.example.org/{Guid.NewGuid():n}/");
        using var browser = instance.NewBrowser();

        await instance.SetPropertyAsync(Enabled, "false");
        var disabled = await browser.GetAsync("/login.do");
        await instance.SetPropertyAsync(Enabled, "true");
        var enabled = await browser.GetAsync("/login.do");
        await instance.SetPropertyAsync(Enabled, "false");

        Assert.Empty(disabled.LinksTo("Log in with"));
        Assert.Empty(disabled.LinksTo("Use external login"));
        Assert.Contains($"/login_with_sso.do?glide_sso_id={record.SysId()}", enabled.LinksTo($"Log in with {scope}Contoso"));
        Assert.Equal(["/login_locate_sso.do"], enabled.LinksTo("Use external login"));
    }

    [BackendFact]
    public async Task inactive_and_hidden_identity_providers_get_no_button()
    {
        var scope = instance.NewScope();
        await instance.CreateIdentityProviderAsync(scope + "Inactive", $"https://sts.example.org/{Guid.NewGuid():n}/");
        await instance.CreateActiveIdentityProviderAsync(scope + "Hidden", $"https://sts.example.org/{Guid.NewGuid():n}/",
            new { show_as_login_option = "false" });
        using var browser = instance.NewBrowser();

        await instance.SetPropertyAsync(Enabled, "true");
        var page = await browser.GetAsync("/login.do");
        await instance.SetPropertyAsync(Enabled, "false");

        Assert.Empty(page.LinksTo($"Log in with {scope}"));
    }

    [BackendFact]
    public async Task local_login_starts_a_session_with_a_safe_cookie_and_lands_on_navpage()
    {
        var user = await UserAsync("fred");
        using var browser = instance.NewBrowser();

        var login = await browser.LogInAsync(user.UserName, user.Password);
        var home = await browser.GetAsync("/navpage.do");

        login.ShouldBe(HttpStatusCode.SeeOther);
        Assert.Equal("/navpage.do", login.Location);
        var cookie = login.SetCookie("JSESSIONID")!.ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Contains("path=/", cookie);
        Assert.DoesNotContain("secure", cookie);
        home.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("Fred Luddy", home.Body);
        Assert.Contains(user.UserName, home.Body);
        Assert.Contains("/logout.do", home.LinksTo("Log out"));
        Assert.Contains("no-store", home.Header("Cache-Control"));
    }

    [BackendFact]
    public async Task the_session_table_holds_the_hash_of_the_cookie_never_the_cookie()
    {
        var user = await UserAsync("hashed");
        using var browser = instance.NewBrowser();
        await browser.LogInAsync(user.UserName, user.Password);
        var token = browser.Cookies["JSESSIONID"];

        var sessions = (await instance.Admin.GetAsync($"/api/now/table/sys_user_session?user={user.SysId}")).ShouldBe(HttpStatusCode.OK).Rows;

        var session = Assert.Single(sessions);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), session.Text("token_hash"));
        Assert.DoesNotContain(token, sessions.Single().GetRawText());
        Assert.Equal("127.0.0.1", session.Text("client_ip"));
    }

    [BackendFact]
    public async Task a_wrong_password_shows_the_form_again_with_servicenows_message()
    {
        var user = await UserAsync("typo");
        using var browser = instance.NewBrowser();

        var page = await browser.LogInAsync(user.UserName, "not-the-password");

        page.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("role=\"alert\">User name or password invalid</p>", page.Body);
        Assert.Contains("aria-invalid=\"true\"", page.Body);
        Assert.Null(page.SetCookie("JSESSIONID"));
    }

    [BackendFact]
    public async Task a_web_service_only_account_cannot_open_a_browser_session()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "connector", new { web_service_access_only = "true" });
        using var browser = instance.NewBrowser();

        var page = await browser.LogInAsync(user.UserName, user.Password);
        var api = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        Assert.Contains("User name or password invalid", page.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Null(page.SetCookie("JSESSIONID"));
        api.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task markup_in_a_user_name_or_a_name_is_shown_as_text()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "markup", new { first_name = "<b>Bold</b>", last_name = "<script>x()</script>" });
        using var browser = instance.NewBrowser();

        var typed = await browser.LogInAsync("\"><script>alert(1)</script>", "whatever");
        await browser.LogInAsync(user.UserName, user.Password);
        var home = await browser.GetAsync("/navpage.do");

        Assert.DoesNotContain("<script>", typed.Body);
        Assert.Contains("&quot;&gt;&lt;script&gt;", typed.Body);
        Assert.DoesNotContain("<script>", home.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Contains("&lt;b&gt;Bold&lt;/b&gt;", home.Body);
    }

    [BackendFact]
    public async Task the_login_page_counts_towards_lockout()
    {
        var user = await UserAsync("guessed");
        using var browser = instance.NewBrowser();

        for (var i = 0; i < 5; i++) await browser.LogInAsync(user.UserName, "guess-" + i);
        var rightPassword = await browser.LogInAsync(user.UserName, user.Password);
        var record = (await instance.Admin.GetAsync($"/api/now/table/sys_user/{user.SysId}?sysparm_fields=locked_out")).Result;

        Assert.Contains("User name or password invalid", rightPassword.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Null(rightPassword.SetCookie("JSESSIONID"));
        Assert.Equal("true", record.Text("locked_out"));
    }

    [BackendFact]
    public async Task a_post_without_the_anti_forgery_token_signs_nobody_in()
    {
        var user = await UserAsync("forged");
        using var browser = instance.NewBrowser();

        var page = await browser.PostFormAsync("/login.do", new Dictionary<string, string>
        {
            ["user_name"] = user.UserName,
            ["user_password"] = user.Password,
        });
        var fromElsewhere = await browser.PostFormAsync("/login.do", new Dictionary<string, string>
        {
            ["sysparm_ck"] = (await browser.GetAsync("/login.do")).HiddenField("sysparm_ck")!,
            ["user_name"] = user.UserName,
            ["user_password"] = user.Password,
        }, request => request.Headers.Add("Origin", "https://evil.example"));

        page.ShouldBe(HttpStatusCode.BadRequest);
        fromElsewhere.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Null(page.SetCookie("JSESSIONID"));
        Assert.Null(fromElsewhere.SetCookie("JSESSIONID"));
    }

    [BackendFact]
    public async Task navpage_without_a_session_sends_the_browser_to_login()
    {
        using var browser = instance.NewBrowser();
        browser.Cookies["JSESSIONID"] = "made-up-session";

        var page = await browser.GetAsync("/navpage.do");

        Assert.Equal(HttpStatusCode.Found, page.Status);
        Assert.Equal("/login.do", page.Location);
    }

    [BackendFact]
    public async Task logout_ends_the_session_for_good()
    {
        var user = await UserAsync("leaving");
        using var browser = instance.NewBrowser();
        await browser.LogInAsync(user.UserName, user.Password);
        var token = browser.Cookies["JSESSIONID"];

        var logout = await browser.GetAsync("/logout.do");
        var loggedOut = await browser.GetAsync(logout.Location!);
        using var replayer = instance.NewBrowser();
        replayer.Cookies["JSESSIONID"] = token;
        var reused = await replayer.GetAsync("/navpage.do");

        Assert.Equal(HttpStatusCode.Found, logout.Status);
        Assert.Equal("/logout_success.do", logout.Location);
        Assert.False(browser.Cookies.ContainsKey("JSESSIONID"));
        Assert.Contains("You are logged out", loggedOut.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Equal("/login.do", reused.Location);
        Assert.Equal(0, await instance.CountAsync("sys_user_session", $"user={user.SysId}"));
    }

    [BackendFact]
    public async Task a_session_ends_after_the_idle_timeout_and_activity_keeps_it_alive()
    {
        var user = await UserAsync("idle");
        using var browser = instance.NewBrowser();
        await browser.LogInAsync(user.UserName, user.Password);

        instance.Clock.Advance(TimeSpan.FromMinutes(20));
        var active = await browser.GetAsync("/navpage.do");
        instance.Clock.Advance(TimeSpan.FromMinutes(20));
        var stillActive = await browser.GetAsync("/navpage.do");
        instance.Clock.Advance(TimeSpan.FromMinutes(31));
        var idle = await browser.GetAsync("/navpage.do");

        active.ShouldBe(HttpStatusCode.OK);
        stillActive.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("/login.do", idle.Location);
    }

    [BackendFact]
    public async Task a_session_ends_when_its_user_is_deactivated()
    {
        var user = await UserAsync("deactivated");
        using var browser = instance.NewBrowser();
        await browser.LogInAsync(user.UserName, user.Password);

        (await instance.Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { active = "false" })).ShouldBe(HttpStatusCode.OK);
        var page = await browser.GetAsync("/navpage.do");

        Assert.Equal("/login.do", page.Location);
    }

    [BackendFact]
    public async Task a_goto_url_off_the_instance_is_ignored()
    {
        var user = await UserAsync("redirected");
        string[] targets = ["//evil.example", "https://evil.example", "/\\evil.example", "/\tevil.example", "javascript:alert(1)", "evil.example"];

        var landings = new List<string?>();
        foreach (var target in targets)
        {
            using var browser = instance.NewBrowser();
            landings.Add((await browser.LogInAsync(user.UserName, user.Password, goTo: target)).ShouldBe(HttpStatusCode.SeeOther).Location);
        }

        Assert.All(landings, location => Assert.Equal("/navpage.do", location));
    }

    [BackendFact]
    public async Task a_goto_url_on_the_instance_is_followed()
    {
        var user = await UserAsync("deep.link");
        using var browser = instance.NewBrowser();

        var form = await browser.GetAsync("/login.do?sysparm_goto_url=%2Fnavpage.do%3Fsysparm_x%3D1");
        var login = await browser.LogInAsync(user.UserName, user.Password, goTo: form.HiddenField("sysparm_goto_url"));

        Assert.Equal("/navpage.do?sysparm_x=1", login.Location);
    }
}

public sealed class LoginPageTestsOnSqlite(SqliteInstance instance) : LoginPageTests(instance), IClassFixture<SqliteInstance>;

public sealed class LoginPageTestsOnPostgres(PostgresInstance instance) : LoginPageTests(instance), IClassFixture<PostgresInstance>;
