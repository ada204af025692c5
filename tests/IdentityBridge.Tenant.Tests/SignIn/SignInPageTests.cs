using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Tenant.Tests.Saml;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>
/// The tenant's sign-in page as a person meets it: the form, each refusal with its AADSTS code, the session cookie
/// a sign-in sets, the anti-forgery token and the rules on where the page sends the browser afterwards.
/// </summary>
public sealed class SignInPageTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    [Fact]
    public async Task the_sign_in_form_is_labelled_protected_and_never_cached()
    {
        using var browser = tenant.NewBrowser();

        var page = (await browser.GetAsync(tenant.LoginPath())).ShouldBe(HttpStatusCode.OK);

        Assert.StartsWith("text/html", page.Header("Content-Type"));
        Assert.Contains("<html lang=\"en\">", page.Body);
        Assert.Contains("<h1>Sign in</h1>", page.Body);
        Assert.Contains("<label for=\"login\">", page.Body);
        Assert.Contains("<label for=\"passwd\">Password</label>", page.Body);
        Assert.Matches("<input type=\"text\" id=\"login\"[^>]*autocomplete=\"username\"", page.Body);
        Assert.Matches("<input type=\"password\" id=\"passwd\"[^>]*autocomplete=\"current-password\"", page.Body);
        Assert.Equal("/myapps", page.HiddenField("continue"));
        Assert.DoesNotContain("<script", page.Body);
        Assert.Contains("default-src 'none'", page.Header("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", page.Header("Content-Security-Policy"));
        Assert.Contains("no-store", page.Header("Cache-Control"));
        var canary = page.SetCookie("__Host-idbridge-canary");
        Assert.NotNull(canary);
        Assert.Contains("secure", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", canary, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", canary, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(page.HiddenField("canary"), browser.Cookies["__Host-idbridge-canary"]);
    }

    [Fact]
    public async Task signing_in_sets_a_secure_session_cookie_and_lands_on_my_apps()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "adele");
        using var browser = tenant.NewBrowser();

        var signedIn = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        signedIn.ShouldBe(HttpStatusCode.SeeOther);
        Assert.Equal("/myapps", signedIn.Location);
        var cookie = signedIn.SetCookie("ESTSAUTH");
        Assert.NotNull(cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=none", cookie, StringComparison.OrdinalIgnoreCase);
        var apps = (await browser.GetAsync("/myapps")).ShouldBe(HttpStatusCode.OK);
        Assert.Contains("<h1>Apps</h1>", apps.Body);
    }

    [Fact]
    public async Task the_user_name_is_matched_in_any_case_and_with_spaces_around_it()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "megan");
        using var browser = tenant.NewBrowser();

        var signedIn = await browser.SignInAsync(tenant, "  " + user.UserPrincipalName.ToUpperInvariant() + " ", user.Password);

        Assert.Equal("/myapps", signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Fact]
    public async Task an_unknown_user_is_told_the_account_does_not_exist_with_AADSTS50034()
    {
        using var browser = tenant.NewBrowser();

        var page = await browser.SignInAsync(tenant, $"{tenant.NewScope()}nobody@{RunningTenant.Domain}", "Whatever-1");

        page.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("We couldn't find an account with that username.", page.Alert);
        Assert.Contains("AADSTS50034", page.Alert);
        Assert.Null(page.SetCookie("ESTSAUTH"));
        Assert.Matches("<input type=\"text\" id=\"login\"[^>]*aria-invalid=\"true\" aria-describedby=\"signin-error\"", page.Body);
    }

    [Fact]
    public async Task a_deleted_user_is_unknown_even_with_the_right_password()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "deleted");
        (await tenant.Admin.DeleteAsync($"/v1.0/users/{user.Id}")).ShouldBe(HttpStatusCode.NoContent);
        using var browser = tenant.NewBrowser();

        var page = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("AADSTS50034", page.ShouldBe(HttpStatusCode.OK).ErrorCode());
        Assert.Null(page.SetCookie("ESTSAUTH"));
    }

    [Fact]
    public async Task a_wrong_password_is_told_AADSTS50126_and_keeps_the_user_name()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "lynne");
        using var browser = tenant.NewBrowser();

        var page = await browser.SignInAsync(tenant, user.UserPrincipalName, "Not-" + user.Password);

        page.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("Your account or password is incorrect.", page.Alert);
        Assert.Contains("AADSTS50126", page.Alert);
        Assert.Null(page.SetCookie("ESTSAUTH"));
        Assert.Contains($"value=\"{user.UserPrincipalName}\"", page.Body);
        Assert.DoesNotContain("Not-" + user.Password, page.Body);
    }

    [Fact]
    public async Task a_disabled_user_is_refused_with_AADSTS50057_even_with_the_right_password()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "disabled", new { accountEnabled = false });
        using var browser = tenant.NewBrowser();

        var page = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);

        Assert.Equal("AADSTS50057", page.ShouldBe(HttpStatusCode.OK).ErrorCode());
        Assert.Contains("disabled", page.Alert);
        Assert.Null(page.SetCookie("ESTSAUTH"));
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync("/myapps")).Status);
    }

    [Fact]
    public async Task a_local_continue_path_is_where_the_browser_goes_after_signing_in()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "patti");
        using var browser = tenant.NewBrowser();
        var continuePath = $"/{tenant.App.TenantId}/saml2/continue/0123456789abcdef0123456789abcdef";

        var signedIn = await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password, continuePath);

        Assert.Equal(continuePath, signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Theory]
    [InlineData("//evil.example.com/phish")]
    [InlineData("/\\evil.example.com/phish")]
    [InlineData("https://evil.example.com/phish")]
    [InlineData("/\t/evil.example.com")]
    [InlineData("/\r\nSet-Cookie: x=y")]
    [InlineData("javascript:alert(1)")]
    [InlineData("myapps")]
    [InlineData("/caf\u00e9")]
    public async Task a_continue_path_that_leaves_the_tenant_lands_on_my_apps(string continuePath)
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "joni");
        using var browser = tenant.NewBrowser();

        var form = (await browser.GetAsync(tenant.LoginPath() + "?continue=" + Uri.EscapeDataString(continuePath))).ShouldBe(HttpStatusCode.OK);
        var signedIn = await browser.PostFormAsync(tenant.LoginPath(), new Dictionary<string, string>
        {
            ["canary"] = form.HiddenField("canary")!,
            ["continue"] = continuePath,
            ["login"] = user.UserPrincipalName,
            ["passwd"] = user.Password,
        });

        Assert.Equal("/myapps", form.HiddenField("continue"));
        Assert.Equal("/myapps", signedIn.ShouldBe(HttpStatusCode.SeeOther).Location);
    }

    [Fact]
    public async Task a_post_without_the_anti_forgery_token_is_refused_without_a_session()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "isaiah");
        using var browser = tenant.NewBrowser();

        var page = await browser.PostFormAsync(tenant.LoginPath(), new Dictionary<string, string>
        {
            ["login"] = user.UserPrincipalName,
            ["passwd"] = user.Password,
        });

        page.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("expired", page.Alert);
        Assert.Null(page.SetCookie("ESTSAUTH"));
        Assert.NotNull(page.HiddenField("canary"));
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync("/myapps")).Status);
    }

    [Fact]
    public async Task a_post_with_another_browsers_token_is_refused_without_a_session()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "nestor");
        using var attacker = tenant.NewBrowser();
        var attackersToken = (await attacker.GetAsync(tenant.LoginPath())).HiddenField("canary")!;
        using var victim = tenant.NewBrowser();
        await victim.GetAsync(tenant.LoginPath());

        var page = await victim.PostFormAsync(tenant.LoginPath(), new Dictionary<string, string>
        {
            ["canary"] = attackersToken,
            ["login"] = user.UserPrincipalName,
            ["passwd"] = user.Password,
        });

        page.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Null(page.SetCookie("ESTSAUTH"));
    }

    [Fact]
    public async Task a_post_from_another_site_is_refused_even_with_a_matching_token()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "grady");
        using var browser = tenant.NewBrowser();
        var token = (await browser.GetAsync(tenant.LoginPath())).HiddenField("canary")!;

        var page = await browser.PostFormAsync(tenant.LoginPath(), new Dictionary<string, string>
        {
            ["canary"] = token,
            ["login"] = user.UserPrincipalName,
            ["passwd"] = user.Password,
        }, request => request.Headers.Add("Origin", "https://evil.example.com"));

        page.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Null(page.SetCookie("ESTSAUTH"));
    }

    [Fact]
    public async Task a_body_that_is_not_a_form_gets_the_form_again_not_a_server_error()
    {
        using var browser = tenant.NewBrowser();

        var page = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, tenant.LoginPath())
        {
            Content = new StringContent("{\"login\":\"x\"}", System.Text.Encoding.UTF8, "application/json"),
        });

        page.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains("<h1>Sign in</h1>", page.Body);
        Assert.NotNull(page.Alert);
    }

    [Fact]
    public async Task empty_fields_are_asked_for_again()
    {
        using var browser = tenant.NewBrowser();
        var form = await browser.GetAsync(tenant.LoginPath());

        var page = await browser.PostFormAsync(tenant.LoginPath(), new Dictionary<string, string>
        {
            ["canary"] = form.HiddenField("canary")!,
            ["login"] = "someone@" + RunningTenant.Domain,
            ["passwd"] = "",
        });

        Assert.Contains("Enter your password.", page.ShouldBe(HttpStatusCode.OK).Alert);
    }

    [Fact]
    public async Task another_tenants_id_gets_a_plain_not_found_that_names_this_tenant()
    {
        using var browser = tenant.NewBrowser();

        var page = await browser.GetAsync($"/{Guid.NewGuid()}/login");

        page.ShouldBe(HttpStatusCode.NotFound);
        Assert.StartsWith("text/plain", page.Header("Content-Type"));
        Assert.Contains($"/{tenant.App.TenantId}/login", page.Body);
    }

    [Fact]
    public async Task every_attempt_is_logged_with_its_code_and_never_the_password()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "alex");
        var disabled = await tenant.CreateUserAsync(tenant.NewScope() + "alex-disabled", new { accountEnabled = false });
        var unknown = $"{tenant.NewScope()}ghost@{RunningTenant.Domain}";
        using var browser = tenant.NewBrowser();

        await browser.SignInAsync(tenant, user.UserPrincipalName, "Wrong-Password-1");
        await browser.SignInAsync(tenant, user.UserPrincipalName, user.Password);
        await browser.SignInAsync(tenant, disabled.UserPrincipalName, disabled.Password);
        await browser.SignInAsync(tenant, unknown, "Ghostly-Password-1");

        var rows = await tenant.SignInLogAsync(user.UserPrincipalName);
        Assert.Equal(["0", "50126"], rows.Select(r => r["error_code"]).Order());
        Assert.All(rows, r => Assert.Equal(user.SysId, r["user_id"]));
        Assert.All(rows, r => Assert.Equal("127.0.0.1", r["ip_address"]));
        Assert.Equal("50057", Assert.Single(await tenant.SignInLogAsync(disabled.UserPrincipalName))["error_code"]);
        var ghost = Assert.Single(await tenant.SignInLogAsync(unknown));
        Assert.Equal("50034", ghost["error_code"]);
        Assert.Contains(unknown, ghost["failure_reason"]);
        var everything = string.Join('\n', rows.Concat([ghost]).SelectMany(r => r.Values.Values));
        Assert.DoesNotContain("Wrong-Password-1", everything);
        Assert.DoesNotContain(user.Password, everything);
        Assert.DoesNotContain("Ghostly-Password-1", everything);
    }
}
