namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// A store made before Multi-Provider SSO gets what it needs on its next start: the spec 5.3 properties with
/// ServiceNow's defaults, and security_admin for the bootstrap admin.
/// </summary>
public abstract class SsoBootstrapTests(RunningInstance instance)
{
    private static readonly (string Name, string Value)[] Defaults =
    [
        ("glide.authenticate.multisso.enabled", "false"),
        ("glide.authenticate.multisso.debug", "false"),
        ("glide.authenticate.multisso.user.autoprovision", "false"),
        ("glide.authenticate.multisso.login_locate.user_field", "user_name"),
        ("glide.authenticate.multisso.test.connection.mandatory", "true"),
        ("glide.authenticate.sso.redirect.idp", ""),
        ("glide.authenticate.sso.saml2.clockskew", "180"),
        ("glide.authenticate.show.max.sso.login.option", "5"),
        ("glide.authenticate.failed_redirect", ""),
        ("glide.authenticate.external.logout_redirect", ""),
        ("glide.authentication.external.disable_local_login", "false"),
        ("glide.ui.session_timeout", "30"),
    ];

    [BackendFact]
    public async Task the_sso_properties_exist_with_servicenows_defaults()
    {
        foreach (var (name, value) in Defaults)
            Assert.Equal(value, await instance.PropertyAsync(name) ?? "");
    }

    [BackendFact]
    public async Task a_restart_restores_missing_properties_and_the_admins_security_admin_role()
    {
        var property = (await instance.Admin.GetAsync("/api/now/table/sys_properties?name=glide.ui.session_timeout&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();
        var grant = (await instance.Admin.GetAsync(
                "/api/now/table/sys_user_has_role?sysparm_query=user.user_name=admin^role.name=security_admin&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();
        (await instance.Admin.DeleteAsync($"/api/now/table/sys_properties/{property}")).ShouldBe(HttpStatusCode.NoContent);
        (await instance.Admin.DeleteAsync($"/api/now/table/sys_user_has_role/{grant}")).ShouldBe(HttpStatusCode.NoContent);

        await using var restarted = await instance.StartSecondNodeAsync();

        Assert.Equal("30", await instance.PropertyAsync("glide.ui.session_timeout"));
        Assert.Equal(1, await instance.CountAsync("sys_user_has_role", "user.user_name=admin^role.name=security_admin"));
    }
}

public sealed class SsoBootstrapTestsOnSqlite(SqliteInstance instance) : SsoBootstrapTests(instance), IClassFixture<SqliteInstance>;

public sealed class SsoBootstrapTestsOnPostgres(PostgresInstance instance) : SsoBootstrapTests(instance), IClassFixture<PostgresInstance>;
