using IdentityBridge.Instance.Sso;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// The rules of saml2_update1_properties (spec/servicenow.md 5.2): a unique entity id, fail-closed activation
/// (a current certificate, and a passed Test Connection unless the property says otherwise), the Auto Redirect
/// property following is_primary, and the sso_properties parent row kept in step.
/// </summary>
public abstract class IdentityProviderRecordTests(RunningInstance instance)
{
    private const string Mandatory = "glide.authenticate.multisso.test.connection.mandatory";
    private const string RedirectIdp = "glide.authenticate.sso.redirect.idp";

    private static string EntityId(string scope) => $"https://sts.example.org/{scope.TrimEnd('.')}/";

    private Task<Reply> PatchAsync(string id, object values) =>
        instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{id}", values);

    private Task PassTestAsync(string id) =>
        instance.Services.GetRequiredService<IdentityProviderDirectory>().RecordTestResultAsync(id, true, default);

    [BackendFact]
    public async Task a_second_record_with_the_same_entity_id_is_refused()
    {
        var scope = instance.NewScope();
        await instance.CreateIdentityProviderAsync(scope + "first", EntityId(scope));

        var second = await instance.Admin.PostAsync("/api/now/table/saml2_update1_properties", new { name = scope + "second", idp = EntityId(scope) });

        var detail = second.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: idp");
        Assert.Contains($"already used by identity provider '{scope}first'", detail);
    }

    [BackendFact]
    public async Task new_records_have_servicenows_defaults()
    {
        var scope = instance.NewScope();

        var record = await instance.CreateIdentityProviderAsync(scope + "defaults", EntityId(scope));

        Assert.Equal("false", record.Text("active"));
        Assert.Equal("email", record.Text("user_field"));
        Assert.Equal("external_logout_complete.do", record.Text("external_logout_redirect"));
        Assert.Equal("saml2sp", record.Text("signing_key_alias"));
        Assert.Equal("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", record.Text("sign_algorithmuri"));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", record.Text("authncontextcassref_method"));
        Assert.Equal("false", record.Text("allow_sha1"));
        Assert.Equal("saml2_update1_properties", record.Text("sys_class_name"));
        Assert.Contains("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname=first_name", record.Text("user_attribute_map"));
    }

    [BackendFact]
    public async Task activation_is_refused_without_a_certificate()
    {
        await instance.SetPropertyAsync(Mandatory, "false");
        var scope = instance.NewScope();
        var record = await instance.CreateIdentityProviderAsync(scope + "keyless", EntityId(scope));

        var activated = await PatchAsync(record.SysId(), new { active = "true" });

        var detail = activated.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        Assert.Contains("at least one active, unexpired certificate", detail);
    }

    [BackendFact]
    public async Task activation_is_refused_when_the_only_certificate_has_expired()
    {
        await instance.SetPropertyAsync(Mandatory, "false");
        var scope = instance.NewScope();
        var expired = await instance.CreateCertificateAsync(scope + "old", TestCertificates.Expired(scope));
        var record = await instance.CreateIdentityProviderAsync(scope + "stale", EntityId(scope), expired);

        var activated = await PatchAsync(record.SysId(), new { active = "true" });

        var detail = activated.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        Assert.Contains($"'{scope}old' is not valid now (NotAfter:", detail);
    }

    [BackendFact]
    public async Task activation_waits_for_a_passed_test_connection_while_the_property_says_so()
    {
        await instance.SetPropertyAsync(Mandatory, "true");
        var scope = instance.NewScope();
        var certificate = await instance.CreateCertificateAsync(scope + "cert", TestCertificates.Current(scope));
        var record = await instance.CreateIdentityProviderAsync(scope + "untested", EntityId(scope), certificate);

        var beforeTest = await PatchAsync(record.SysId(), new { active = "true" });
        await PassTestAsync(record.SysId());
        var afterTest = await PatchAsync(record.SysId(), new { active = "true" });

        var detail = beforeTest.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        Assert.Contains("Run Test Connection", detail);
        Assert.Contains(Mandatory, detail);
        Assert.Equal("true", afterTest.ShouldBe(HttpStatusCode.OK).Result.Text("active"));
    }

    [BackendFact]
    public async Task a_test_result_cannot_be_typed_in()
    {
        await instance.SetPropertyAsync(Mandatory, "true");
        var scope = instance.NewScope();
        var certificate = await instance.CreateCertificateAsync(scope + "cert", TestCertificates.Current(scope));
        var record = await instance.CreateIdentityProviderAsync(scope + "forged", EntityId(scope), certificate);

        var forged = await PatchAsync(record.SysId(), new { last_test_result = "passed", active = "true" });

        forged.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        var stored = (await instance.Admin.GetAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}")).Result;
        Assert.Equal("", stored.Text("last_test_result"));
    }

    [BackendFact]
    public async Task activation_without_a_test_is_allowed_when_the_property_is_false()
    {
        await instance.SetPropertyAsync(Mandatory, "false");
        var scope = instance.NewScope();
        var certificate = await instance.CreateCertificateAsync(scope + "cert", TestCertificates.Current(scope));
        var record = await instance.CreateIdentityProviderAsync(scope + "trusted", EntityId(scope), certificate);

        var activated = await PatchAsync(record.SysId(), new { active = "true" });

        Assert.Equal("true", activated.ShouldBe(HttpStatusCode.OK).Result.Text("active"));
        var logged = await instance.SyslogAsync($"source=SAML2^messageLIKE{record.SysId()}");
        Assert.Contains(logged, row => row.Text("message")!.Contains("activated by admin", StringComparison.Ordinal));
    }

    [BackendFact]
    public async Task the_last_valid_certificate_cannot_be_removed_from_an_active_record()
    {
        var scope = instance.NewScope();
        var record = await instance.CreateActiveIdentityProviderAsync(scope + "active", EntityId(scope));

        var emptied = await PatchAsync(record.SysId(), new { x509_cert = "" });

        emptied.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
    }

    [BackendFact]
    public async Task auto_redirect_follows_is_primary_and_only_one_record_holds_it()
    {
        var scope = instance.NewScope();
        var first = await instance.CreateActiveIdentityProviderAsync(scope + "first", EntityId(scope + "a."));
        var second = await instance.CreateActiveIdentityProviderAsync(scope + "second", EntityId(scope + "b."));

        await PatchAsync(first.SysId(), new { is_primary = "true" });
        var afterFirst = await instance.PropertyAsync(RedirectIdp);
        await PatchAsync(second.SysId(), new { is_primary = "true" });
        var afterSecond = await instance.PropertyAsync(RedirectIdp);
        var firstNow = (await instance.Admin.GetAsync($"/api/now/table/saml2_update1_properties/{first.SysId()}")).Result;
        await PatchAsync(second.SysId(), new { active = "false" });
        var afterDeactivation = await instance.PropertyAsync(RedirectIdp);

        Assert.Equal(first.SysId(), afterFirst);
        Assert.Equal(second.SysId(), afterSecond);
        Assert.Equal("false", firstNow.Text("is_primary"));
        Assert.Equal("", afterDeactivation ?? "");
    }

    [BackendFact]
    public async Task deleting_the_auto_redirect_record_clears_the_property_and_its_parent_row()
    {
        var scope = instance.NewScope();
        var record = await instance.CreateActiveIdentityProviderAsync(scope + "doomed", EntityId(scope), new { is_primary = "true" });
        var before = await instance.PropertyAsync(RedirectIdp);

        (await instance.Admin.DeleteAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}")).ShouldBe(HttpStatusCode.NoContent);

        Assert.Equal(record.SysId(), before);
        Assert.Equal("", await instance.PropertyAsync(RedirectIdp) ?? "");
        (await instance.Admin.GetAsync($"/api/now/table/sso_properties/{record.SysId()}")).ShouldBe(HttpStatusCode.NotFound);
    }

    [BackendFact]
    public async Task the_parent_row_mirrors_the_record()
    {
        var scope = instance.NewScope();
        var record = await instance.CreateIdentityProviderAsync(scope + "mirrored", EntityId(scope));

        var created = (await instance.Admin.GetAsync($"/api/now/table/sso_properties/{record.SysId()}")).ShouldBe(HttpStatusCode.OK).Result;
        await PatchAsync(record.SysId(), new { name = scope + "renamed", user_field = "user_name" });
        var renamed = (await instance.Admin.GetAsync($"/api/now/table/sso_properties/{record.SysId()}")).Result;

        Assert.Equal(scope + "mirrored", created.Text("name"));
        Assert.Equal("saml2_update1_properties", created.Text("sys_class_name"));
        Assert.Equal(scope + "renamed", renamed.Text("name"));
        Assert.Equal("user_name", renamed.Text("user_field"));
    }

    [BackendFact]
    public async Task writes_through_the_parent_reach_the_record_and_meet_its_rules()
    {
        await instance.SetPropertyAsync(Mandatory, "false");
        var scope = instance.NewScope();
        var record = await instance.CreateIdentityProviderAsync(scope + "parented", EntityId(scope));

        var renamed = await instance.Admin.PatchAsync($"/api/now/table/sso_properties/{record.SysId()}", new { name = scope + "via parent" });
        var activated = await instance.Admin.PatchAsync($"/api/now/table/sso_properties/{record.SysId()}", new { active = "true" });
        var child = (await instance.Admin.GetAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}")).Result;

        renamed.ShouldBe(HttpStatusCode.OK);
        activated.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: active");
        Assert.Equal(scope + "via parent", child.Text("name"));
        Assert.Equal("false", child.Text("active"));
    }

    [BackendFact]
    public async Task a_certificate_list_naming_no_certificate_is_refused()
    {
        var scope = instance.NewScope();

        var reply = await instance.Admin.PostAsync("/api/now/table/saml2_update1_properties",
            new { name = scope + "dangling", idp = EntityId(scope), x509_cert = "0123456789abcdef0123456789abcdef" });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: x509_cert");
    }

    [BackendFact]
    public async Task an_attribute_map_that_sets_a_protected_field_is_refused()
    {
        var scope = instance.NewScope();

        var reply = await instance.Admin.PostAsync("/api/now/table/saml2_update1_properties",
            new { name = scope + "greedy", idp = EntityId(scope), user_attribute_map = "http://example.org/claims/admin=active" });

        var detail = reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: user_attribute_map");
        Assert.Contains("'active' is not a sys_user field an identity provider may set", detail);
    }
}

public sealed class IdentityProviderRecordTestsOnSqlite(SqliteInstance instance) : IdentityProviderRecordTests(instance), IClassFixture<SqliteInstance>;

public sealed class IdentityProviderRecordTestsOnPostgres(PostgresInstance instance) : IdentityProviderRecordTests(instance), IClassFixture<PostgresInstance>;
