namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// Least privilege around authentication, as on ServiceNow: identity-provider records and certificates are written
/// by security_admin (records also by sso_config_admin); admin alone reads them but cannot write them; the
/// glide.authenticate.* properties need security_admin; the service provider's own state is not writable at all.
/// </summary>
public abstract class SsoAccessControlTests(RunningInstance instance)
{
    private const string InsertDenied = "ACL Exception Insert Failed due to security constraints";
    private const string UpdateDenied = "ACL Exception Update Failed due to security constraints";

    private async Task<InstanceClient> UserWithAsync(params string[] roles)
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + string.Join("+", roles));
        foreach (var role in roles) await instance.GrantRoleAsync(user, role);
        return instance.As(user);
    }

    private static object Record(string scope) => new { name = scope + "idp", idp = $"https://sts.example.org/{scope}" };

    [BackendFact]
    public async Task admin_alone_reads_identity_providers_and_certificates_but_cannot_write_them()
    {
        var admin = await UserWithAsync("admin");
        var scope = instance.NewScope();
        var existing = await instance.CreateIdentityProviderAsync(scope + "existing", $"https://sts.example.org/{scope}existing");
        var certificate = await instance.CreateCertificateAsync(scope + "cert", TestCertificates.Current(scope));

        var read = await admin.GetAsync($"/api/now/table/saml2_update1_properties/{existing.SysId()}");
        var readCertificate = await admin.GetAsync($"/api/now/table/sys_certificate/{certificate}");
        var insert = await admin.PostAsync("/api/now/table/saml2_update1_properties", Record(scope));
        var update = await admin.PatchAsync($"/api/now/table/saml2_update1_properties/{existing.SysId()}", new { name = "taken over" });
        var parentUpdate = await admin.PatchAsync($"/api/now/table/sso_properties/{existing.SysId()}", new { name = "taken over" });
        var certificateInsert = await admin.PostAsync("/api/now/table/sys_certificate",
            new { name = scope + "planted", pem_certificate = TestCertificates.Pem(TestCertificates.Current("attacker")) });

        read.ShouldBe(HttpStatusCode.OK);
        readCertificate.ShouldBe(HttpStatusCode.OK);
        insert.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
        update.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", UpdateDenied);
        parentUpdate.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", UpdateDenied);
        certificateInsert.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
    }

    [BackendFact]
    public async Task security_admin_writes_identity_providers_and_certificates()
    {
        var securityAdmin = await UserWithAsync("security_admin");
        var scope = instance.NewScope();

        var certificate = await securityAdmin.PostAsync("/api/now/table/sys_certificate",
            new { name = scope + "cert", pem_certificate = TestCertificates.Pem(TestCertificates.Current(scope)) });
        var record = await securityAdmin.PostAsync("/api/now/table/saml2_update1_properties", Record(scope));
        var update = await securityAdmin.PatchAsync($"/api/now/table/saml2_update1_properties/{record.ShouldBe(HttpStatusCode.Created).Result.SysId()}",
            new { x509_cert = certificate.ShouldBe(HttpStatusCode.Created).Result.SysId() });

        update.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task sso_config_admin_writes_identity_providers_but_not_certificates()
    {
        var ssoAdmin = await UserWithAsync("sso_config_admin");
        var scope = instance.NewScope();

        var record = await ssoAdmin.PostAsync("/api/now/table/saml2_update1_properties", Record(scope));
        var certificate = await ssoAdmin.PostAsync("/api/now/table/sys_certificate",
            new { name = scope + "cert", pem_certificate = TestCertificates.Pem(TestCertificates.Current(scope)) });

        record.ShouldBe(HttpStatusCode.Created);
        certificate.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
    }

    [BackendFact]
    public async Task itil_reads_no_identity_provider_certificate_or_session()
    {
        var itil = await UserWithAsync("itil");
        var scope = instance.NewScope();
        var record = await instance.CreateIdentityProviderAsync(scope + "hidden", $"https://sts.example.org/{scope}");

        var list = await itil.GetAsync("/api/now/table/saml2_update1_properties");
        var parents = await itil.GetAsync("/api/now/table/sso_properties");
        var one = await itil.GetAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}");
        var certificates = await itil.GetAsync("/api/now/table/sys_certificate");
        var sessions = await itil.GetAsync("/api/now/table/sys_user_session");

        Assert.Equal("""{"result":[]}""", list.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Equal("""{"result":[]}""", parents.ShouldBe(HttpStatusCode.OK).Body);
        one.ShouldFailWith(HttpStatusCode.NotFound, "No Record found");
        Assert.Equal("""{"result":[]}""", certificates.ShouldBe(HttpStatusCode.OK).Body);
        Assert.Equal("""{"result":[]}""", sessions.ShouldBe(HttpStatusCode.OK).Body);
    }

    [BackendFact]
    public async Task authentication_properties_need_security_admin()
    {
        var admin = await UserWithAsync("admin");
        // sys_properties is admin's table; the authentication ones take security_admin on top, as on ServiceNow.
        var securityAdmin = await UserWithAsync("admin", "security_admin");
        var property = (await instance.Admin.GetAsync("/api/now/table/sys_properties?name=glide.authenticate.multisso.debug&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();
        var other = (await instance.Admin.GetAsync("/api/now/table/sys_properties?name=glide.invalid_query.returns_no_rows&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();

        var byAdmin = await admin.PatchAsync($"/api/now/table/sys_properties/{property}", new { value = "true" });
        var created = await admin.PostAsync("/api/now/table/sys_properties", new { name = "glide.authentication.external.sneaky", value = "true" });
        var otherByAdmin = await admin.PatchAsync($"/api/now/table/sys_properties/{other}", new { value = "false" });
        var bySecurityAdmin = await securityAdmin.PatchAsync($"/api/now/table/sys_properties/{property}", new { value = "false" });

        byAdmin.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", UpdateDenied);
        created.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
        otherByAdmin.ShouldBe(HttpStatusCode.OK);
        bySecurityAdmin.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task service_provider_state_is_read_by_security_admin_only_and_written_by_nobody()
    {
        var admin = await UserWithAsync("admin");

        var adminRead = await admin.GetAsync("/api/now/table/saml2_assertion_replay");
        var securityAdminRead = await instance.Admin.GetAsync("/api/now/table/multisso_request_parameter");
        var planted = await instance.Admin.PostAsync("/api/now/table/sys_user_session",
            new { token_hash = new string('a', 64), user = "6816f79cc0a8016401c5a33be04be441" });
        var replay = await instance.Admin.PostAsync("/api/now/table/saml2_assertion_replay", new { key = "x" });

        Assert.Equal("""{"result":[]}""", adminRead.ShouldBe(HttpStatusCode.OK).Body);
        securityAdminRead.ShouldBe(HttpStatusCode.OK);
        planted.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
        replay.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", InsertDenied);
    }

    [BackendFact]
    public async Task admin_alone_cannot_grant_itself_security_admin()
    {
        var adminUser = await instance.CreateUserAsync(instance.NewScope() + "ambitious");
        await instance.GrantRoleAsync(adminUser, "admin");
        var admin = instance.As(adminUser);
        var securityAdminRole = await instance.RoleIdAsync("security_admin");

        var direct = await admin.PostAsync("/api/now/table/sys_user_has_role", new { user = adminUser.SysId, role = securityAdminRole });
        var group = await admin.PostAsync("/api/now/table/sys_user_group", new { name = instance.NewScope() + "Shadow", roles = "security_admin" });
        var plainGroup = await admin.PostAsync("/api/now/table/sys_user_group", new { name = instance.NewScope() + "Plain", roles = "itil" });
        var ssoAdmin = await admin.PostAsync("/api/now/table/sys_user_has_role",
            new { user = adminUser.SysId, role = await instance.RoleIdAsync("sso_config_admin") });

        var detail = direct.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        Assert.Contains("without the security_admin role is not allowed to grant security_admin", detail);
        group.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        plainGroup.ShouldBe(HttpStatusCode.Created);
        ssoAdmin.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed",
            $"User {adminUser.UserName} without the security_admin role is not allowed to grant sso_config_admin-containing roles or groups");
    }

    [BackendFact]
    public async Task user_admin_cannot_grant_itself_the_identity_provider_role()
    {
        var userAdmin = await instance.CreateUserAsync(instance.NewScope() + "helpdesk");
        await instance.GrantRoleAsync(userAdmin, "user_admin");

        var grant = await instance.As(userAdmin).PostAsync("/api/now/table/sys_user_has_role",
            new { user = userAdmin.SysId, role = await instance.RoleIdAsync("sso_config_admin") });

        grant.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        Assert.Equal(0, await instance.CountAsync("sys_user_has_role", $"user={userAdmin.SysId}^role.name=sso_config_admin"));
    }

    [BackendFact]
    public async Task admin_alone_cannot_join_a_group_that_carries_security_admin()
    {
        var adminUser = await instance.CreateUserAsync(instance.NewScope() + "joiner");
        await instance.GrantRoleAsync(adminUser, "admin");
        var group = await instance.CreateAsync("sys_user_group", new { name = instance.NewScope() + "Security", roles = "security_admin" });

        var joined = await instance.As(adminUser).PostAsync("/api/now/table/sys_user_grmember", new { user = adminUser.SysId, group = group.SysId() });

        joined.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
    }

    [BackendFact]
    public async Task the_bootstrap_admin_holds_security_admin()
    {
        var roles = await instance.Admin.GetAsync(
            "/api/now/table/sys_user_has_role?sysparm_query=user.user_name=admin&sysparm_fields=role.name");

        Assert.Contains("security_admin", roles.ShouldBe(HttpStatusCode.OK).Column("role.name"));
        Assert.Contains("admin", roles.Column("role.name"));
    }
}

public sealed class SsoAccessControlTestsOnSqlite(SqliteInstance instance) : SsoAccessControlTests(instance), IClassFixture<SqliteInstance>;

public sealed class SsoAccessControlTestsOnPostgres(PostgresInstance instance) : SsoAccessControlTests(instance), IClassFixture<PostgresInstance>;
