namespace IdentityBridge.Instance.Tests.Security;

/// <summary>Basic authentication on the Table API (spec 1.5): who may sign in, and as whom requests then run.</summary>
public abstract class SignInTests(RunningInstance instance)
{
    [BackendFact]
    public async Task user_with_a_password_signs_in_with_basic_authentication()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "basic");

        var reply = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        Assert.Equal(user.UserName, reply.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
    }

    [BackendFact]
    public async Task remembered_sign_in_is_renewed_after_a_minute_while_nothing_changed()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "steady");
        var replies = new List<Reply> { await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}") };
        for (var i = 0; i < 3; i++)
        {
            instance.Clock.Advance(TimeSpan.FromSeconds(61));
            replies.Add(await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}"));
        }

        Assert.All(replies, reply => reply.ShouldBe(HttpStatusCode.OK));
    }

    [BackendFact]
    public async Task password_changed_on_another_node_ends_the_old_one_here_within_a_minute()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "moved.on");
        const string newPassword = "N3w-passw0rd-elsewhere";
        (await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);

        await using (var other = await instance.StartSecondNodeAsync())
            (await other.Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { user_password = newPassword }))
                .ShouldBe(HttpStatusCode.OK);
        instance.Clock.Advance(TimeSpan.FromSeconds(61));
        var oldPassword = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");
        var changed = await instance.As(user.UserName, newPassword).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        oldPassword.ShouldBe(HttpStatusCode.Unauthorized);
        changed.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task password_may_hold_colons_and_any_character()
    {
        const string password = "pa:ss:wörd 😀 ' OR 1=1 --";
        var name = instance.NewScope() + "colons";
        var id = (await instance.CreateAsync("sys_user", new { user_name = name, user_password = password })).SysId();

        (await instance.As(name, password).GetAsync($"/api/now/table/sys_user/{id}")).ShouldBe(HttpStatusCode.OK);
        (await instance.As(name, "pa").GetAsync($"/api/now/table/sys_user/{id}")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [BackendFact]
    public async Task user_name_is_matched_whatever_its_case_and_writes_are_attributed_to_the_stored_name()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "mixed.case");
        await instance.GrantRoleAsync(user, "user_admin");
        var shouting = instance.As(user.UserName.ToUpperInvariant(), user.Password);

        var first = await shouting.PostAsync("/api/now/table/cmn_department", new { name = instance.NewScope() + "First" });
        var second = await shouting.PostAsync("/api/now/table/cmn_department", new { name = instance.NewScope() + "Second" });

        Assert.Equal(user.UserName, first.ShouldBe(HttpStatusCode.Created).Result.Text("sys_created_by"));
        Assert.Equal(user.UserName, second.ShouldBe(HttpStatusCode.Created).Result.Text("sys_created_by"));
    }

    [BackendFact]
    public async Task inactive_user_cannot_sign_in_even_with_the_right_password()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "inactive", new { active = "false" });

        var reply = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        reply.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
    }

    [BackendFact]
    public async Task user_without_a_password_cannot_sign_in()
    {
        var name = instance.NewScope() + "passwordless";
        var id = (await instance.CreateAsync("sys_user", new { user_name = name })).SysId();

        var empty = await instance.As(name, "").GetAsync($"/api/now/table/sys_user/{id}");
        var guess = await instance.As(name, "password").GetAsync($"/api/now/table/sys_user/{id}");

        empty.ShouldBe(HttpStatusCode.Unauthorized);
        guess.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [BackendFact]
    public async Task sign_in_records_the_last_login_time()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "returning");
        var signedInAt = instance.Clock.GetUtcNow();

        (await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);

        var read = (await instance.Admin.GetAsync($"/api/now/table/sys_user/{user.SysId}?sysparm_fields=last_login_time")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(signedInAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            read.Result.Text("last_login_time"));
    }
}

public sealed class SignInTestsOnSqlite(SqliteInstance instance) : SignInTests(instance), IClassFixture<SqliteInstance>;

public sealed class SignInTestsOnPostgres(PostgresInstance instance) : SignInTests(instance), IClassFixture<PostgresInstance>;
