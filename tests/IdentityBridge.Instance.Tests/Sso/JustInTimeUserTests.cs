using IdentityBridge.Instance.Sso;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>
/// Users for SAML sign-ins (spec/servicenow.md 5.5, 5.6): found by the record's user_field, created on first login
/// when the record and glide.authenticate.multisso.user.autoprovision allow it, updated on each login when the
/// record asks, refused when they may not sign in, with ServiceNow's syslog wording when not found.
/// </summary>
public abstract class JustInTimeUserTests(RunningInstance instance)
{
    private const string AutoProvision = "glide.authenticate.multisso.user.autoprovision";
    private const string Claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";

    private SsoUserResolver Users => instance.Services.GetRequiredService<SsoUserResolver>();

    private async Task<IdentityProviderRecord> RecordAsync(object settings)
    {
        var created = await instance.CreateIdentityProviderAsync(instance.NewScope() + "Contoso", $"https://sts.example.org/{Guid.NewGuid():n}/");
        (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{created.SysId()}", settings)).ShouldBe(HttpStatusCode.OK);
        return (await instance.Services.GetRequiredService<IdentityProviderDirectory>().GetAsync(created.SysId(), default))!;
    }

    private static Dictionary<string, IReadOnlyList<string>> Attributes(string givenName, string surname, string email) => new()
    {
        [Claims + "givenname"] = [givenName],
        [Claims + "surname"] = [surname],
        [Claims + "emailaddress"] = [email],
        [Claims + "name"] = [email],
    };

    private static string Email(string scope, string who) => $"{who}.{scope}@contoso.example";

    private async Task<JsonElement> UserAsync(string sysId) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_user/{sysId}")).ShouldBe(HttpStatusCode.OK).Result;

    [BackendFact]
    public async Task an_existing_user_is_found_by_the_records_user_field()
    {
        var scope = instance.NewScope();
        var email = Email(scope, "abel");
        var user = await instance.CreateUserAsync(scope + "abel", new { email });
        var record = await RecordAsync(new { user_field = "email" });

        var result = await Users.ResolveAsync(record, email.ToUpperInvariant(), Attributes("A", "B", email), default);

        Assert.True(result.Succeeded);
        Assert.Equal(user.SysId, result.UserSysId);
        Assert.False(result.Created);
        Assert.Empty(result.UpdatedFields);
    }

    [BackendFact]
    public async Task an_unknown_user_is_created_when_both_switches_are_on()
    {
        await instance.SetPropertyAsync(AutoProvision, "true");
        var scope = instance.NewScope();
        var email = Email(scope, "b.simon");
        var record = await RecordAsync(new { user_field = "email", auto_provision = "true" });

        var result = await Users.ResolveAsync(record, email, Attributes("B", "Simon", email), default);

        Assert.True(result.Created);
        var created = await UserAsync(result.UserSysId!);
        Assert.Equal(email, created.Text("email"));
        Assert.Equal(email, created.Text("user_name"));
        Assert.Equal("B", created.Text("first_name"));
        Assert.Equal("Simon", created.Text("last_name"));
        Assert.Equal(record.EntityId, created.Text("source"));
        Assert.Equal("true", created.Text("active"));
    }

    [BackendFact]
    public async Task an_unknown_user_is_not_created_while_the_global_property_is_off()
    {
        await instance.SetPropertyAsync(AutoProvision, "false");
        var scope = instance.NewScope();
        var email = Email(scope, "nobody");
        var record = await RecordAsync(new { user_field = "email", auto_provision = "true" });

        var result = await Users.ResolveAsync(record, email, Attributes("No", "Body", email), default);

        Assert.Equal(SsoUserFailure.UserNotFound, result.Failure);
        Assert.Equal(0, await instance.CountAsync("sys_user", $"email={email}"));
        var logged = await instance.SyslogAsync($"source=SAML2^message=User: {email} not found");
        Assert.Single(logged);
        Assert.Equal("2", logged[0].Text("level"));
    }

    [BackendFact]
    public async Task mapped_fields_are_updated_on_login_when_the_record_asks()
    {
        var scope = instance.NewScope();
        var email = Email(scope, "renamed");
        var user = await instance.CreateUserAsync(scope + "renamed", new { email, first_name = "Old", last_name = "Name" });
        var record = await RecordAsync(new { user_field = "user_name", auto_update_user = "true" });

        var result = await Users.ResolveAsync(record, user.UserName,
            new Dictionary<string, IReadOnlyList<string>> { [Claims + "givenname"] = ["New"], [Claims + "surname"] = ["Name"] }, default);

        Assert.Equal(["first_name"], result.UpdatedFields);
        var updated = await UserAsync(user.SysId);
        Assert.Equal("New", updated.Text("first_name"));
        Assert.Equal("New Name", updated.Text("name"));
    }

    [BackendFact]
    public async Task nothing_is_updated_when_the_record_does_not_ask()
    {
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "kept", new { first_name = "Kept" });
        var record = await RecordAsync(new { user_field = "user_name", auto_update_user = "false" });

        var result = await Users.ResolveAsync(record, user.UserName,
            new Dictionary<string, IReadOnlyList<string>> { [Claims + "givenname"] = ["Changed"] }, default);

        Assert.True(result.Succeeded);
        Assert.Equal("Kept", (await UserAsync(user.SysId)).Text("first_name"));
    }

    [BackendFact]
    public async Task an_inactive_user_is_refused_and_logged()
    {
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "gone", new { active = "false" });
        var record = await RecordAsync(new { user_field = "user_name" });

        var result = await Users.ResolveAsync(record, user.UserName, new Dictionary<string, IReadOnlyList<string>>(), default);

        Assert.Equal(SsoUserFailure.UserInactive, result.Failure);
        Assert.Null(result.UserSysId);
        Assert.Single(await instance.SyslogAsync($"source=SAML2^message=User: {user.UserName} not found: the user is inactive"));
    }

    [BackendFact]
    public async Task a_locked_out_user_is_refused()
    {
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "locked", new { locked_out = "true" });
        var record = await RecordAsync(new { user_field = "user_name" });

        var result = await Users.ResolveAsync(record, user.UserName, new Dictionary<string, IReadOnlyList<string>>(), default);

        Assert.Equal(SsoUserFailure.UserLockedOut, result.Failure);
    }

    [BackendFact]
    public async Task two_users_with_the_same_email_are_refused_rather_than_guessed()
    {
        var scope = instance.NewScope();
        var email = Email(scope, "twin");
        await instance.CreateUserAsync(scope + "twin1", new { email });
        await instance.CreateUserAsync(scope + "twin2", new { email });
        var record = await RecordAsync(new { user_field = "email" });

        var result = await Users.ResolveAsync(record, email, Attributes("T", "W", email), default);

        Assert.Equal(SsoUserFailure.AmbiguousUser, result.Failure);
    }

    [BackendFact]
    public async Task an_empty_name_id_finds_nobody()
    {
        var record = await RecordAsync(new { user_field = "user_name" });

        var result = await Users.ResolveAsync(record, "  ", new Dictionary<string, IReadOnlyList<string>>(), default);

        Assert.Equal(SsoUserFailure.MissingIdentifier, result.Failure);
    }

    [BackendFact]
    public async Task the_name_id_attribute_replaces_the_name_id_when_the_record_names_one()
    {
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "employee", new { employee_number = scope + "42" });
        var record = await RecordAsync(new { user_field = "employee_number", nameid_attribute = "employeeid" });

        var result = await Users.ResolveAsync(record, "transient-id-123",
            new Dictionary<string, IReadOnlyList<string>> { ["employeeid"] = [scope + "42"] }, default);

        Assert.Equal(user.SysId, result.UserSysId);
    }
}

public sealed class JustInTimeUserTestsOnSqlite(SqliteInstance instance) : JustInTimeUserTests(instance), IClassFixture<SqliteInstance>;

public sealed class JustInTimeUserTestsOnPostgres(PostgresInstance instance) : JustInTimeUserTests(instance), IClassFixture<PostgresInstance>;
