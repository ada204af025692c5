namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// The Auto Redirect identity provider and "Use external login" (spec/servicenow.md 5.4): login.do sends browsers
/// to the provider unless sysparm_local=true asks for the local form; login_with_sso.do starts SAML sign-in for an
/// active record only. Own instance: auto-redirect changes login.do for everyone.
/// </summary>
public abstract class ExternalLoginTests(RunningInstance instance)
{
    private const string Enabled = "glide.authenticate.multisso.enabled";

    private async Task<JsonElement> PrimaryAsync()
    {
        var record = await instance.CreateActiveIdentityProviderAsync(instance.NewScope() + "Contoso", $"https://sts.example.org/{Guid.NewGuid():n}/",
            new { is_primary = "true" });
        await instance.SetPropertyAsync(Enabled, "true");
        return record;
    }

    [BackendFact]
    public async Task login_redirects_to_the_auto_redirect_provider_unless_local_login_is_asked_for()
    {
        var record = await PrimaryAsync();
        using var browser = instance.NewBrowser();

        var redirected = await browser.GetAsync("/login.do?sysparm_goto_url=%2Fnavpage.do%3Fa%3D1");
        var local = await browser.GetAsync("/login.do?sysparm_local=true");

        Assert.Equal(HttpStatusCode.Found, redirected.Status);
        Assert.Equal($"/login_with_sso.do?glide_sso_id={record.SysId()}&sysparm_goto_url=%2Fnavpage.do%3Fa%3D1", redirected.Location);
        local.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("<label for=\"user_name\">", local.Body);
    }

    [BackendFact]
    public async Task no_redirect_while_multi_provider_sso_is_off()
    {
        await PrimaryAsync();
        await instance.SetPropertyAsync(Enabled, "false");
        using var browser = instance.NewBrowser();

        var page = await browser.GetAsync("/login.do");
        var withSso = await browser.GetAsync("/login_locate_sso.do");

        page.ShouldBe(HttpStatusCode.OK);
        withSso.ShouldBe(HttpStatusCode.NotFound);
    }

    [BackendFact]
    public async Task no_redirect_to_an_inactive_provider()
    {
        var record = await PrimaryAsync();
        (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}", new { active = "false" }))
            .ShouldBe(HttpStatusCode.OK);
        using var browser = instance.NewBrowser();

        var page = await browser.GetAsync("/login.do");
        var direct = await browser.GetAsync($"/login_with_sso.do?glide_sso_id={record.SysId()}");

        page.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("does not exist or is not active", direct.ShouldBe(HttpStatusCode.NotFound).Body);
    }

    [BackendFact]
    public async Task external_login_asks_for_the_login_locate_field_and_continues_to_the_provider()
    {
        var record = await PrimaryAsync();
        await instance.SetPropertyAsync("glide.authenticate.multisso.login_locate.user_field", "email");
        using var browser = instance.NewBrowser();

        var form = await browser.GetAsync("/login_locate_sso.do");
        var next = await browser.PostFormAsync("/login_locate_sso.do", new Dictionary<string, string>
        {
            ["sysparm_ck"] = form.HiddenField("sysparm_ck")!,
            ["sso_user"] = "b.simon@contoso.com",
        });

        Assert.Contains("<label for=\"sso_user\">Email</label>", form.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Contains("https://sts.example.org", form.Header("Content-Security-Policy"));
        Assert.Equal(HttpStatusCode.SeeOther, next.Status);
        Assert.Equal($"/login_with_sso.do?glide_sso_id={record.SysId()}", next.Location);
    }

    [BackendFact]
    public async Task sign_in_through_a_provider_sends_an_authn_request_and_a_bare_response_is_refused()
    {
        var record = await PrimaryAsync();
        using var browser = instance.NewBrowser();

        var page = await browser.GetAsync($"/login_with_sso.do?glide_sso_id={record.SysId()}");
        var acs = await browser.PostFormAsync("/navpage.do", new Dictionary<string, string> { ["SAMLResponse"] = "PHNhbWxwOlJlc3BvbnNlLz4=" });

        Assert.Equal(HttpStatusCode.Found, page.Status);
        Assert.Contains("SAMLRequest=", page.Location);
        acs.ShouldBe(HttpStatusCode.Unauthorized);
        Assert.Null(acs.SetCookie("JSESSIONID"));
    }

    [BackendFact]
    public async Task with_local_login_disabled_only_administrators_sign_in_with_a_password()
    {
        const string disableLocalLogin = "glide.authentication.external.disable_local_login";
        await instance.SetPropertyAsync(Enabled, "true");
        await instance.SetPropertyAsync(disableLocalLogin, "true");
        var user = await instance.CreateUserAsync(instance.NewScope() + "employee");
        using var employeeBrowser = instance.NewBrowser();
        using var adminBrowser = instance.NewBrowser();

        var employee = await employeeBrowser.LogInAsync(user.UserName, user.Password);
        var admin = await adminBrowser.LogInAsync("admin", RunningInstance.AdminPassword);
        await instance.SetPropertyAsync(disableLocalLogin, "false");

        Assert.Contains("Use external login", employee.ShouldBe(HttpStatusCode.Forbidden).Body);
        Assert.Null(employee.SetCookie("JSESSIONID"));
        Assert.Equal(HttpStatusCode.SeeOther, admin.Status);
        Assert.NotNull(admin.SetCookie("JSESSIONID"));
    }

    [BackendFact]
    public async Task unknown_pages_keep_the_json_not_found()
    {
        using var browser = instance.NewBrowser();

        var page = await browser.GetAsync("/login_nothing.do");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.StartsWith("application/json", page.Header("Content-Type"));
    }
}

public sealed class ExternalLoginTestsOnSqlite(SqliteInstance instance) : ExternalLoginTests(instance), IClassFixture<SqliteInstance>;

public sealed class ExternalLoginTestsOnPostgres(PostgresInstance instance) : ExternalLoginTests(instance), IClassFixture<PostgresInstance>;
