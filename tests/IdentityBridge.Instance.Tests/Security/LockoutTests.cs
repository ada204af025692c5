namespace IdentityBridge.Instance.Tests.Security;

/// <summary>
/// Failed logins count towards <c>glide.user.max_unlock_attempts</c>; a locked-out account is refused even with the
/// right password until an admin clears <c>locked_out</c>; every step is in syslog.
/// </summary>
public abstract class LockoutTests(RunningInstance instance)
{
    private static Task<Reply> SignInAsync(InstanceClient client, TestUser user) =>
        client.GetAsync($"/api/now/table/sys_user/{user.SysId}");

    private async Task<JsonElement> RecordAsync(TestUser user) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_user/{user.SysId}?sysparm_fields=locked_out,failed_attempts"))
        .ShouldBe(HttpStatusCode.OK).Result;

    private async Task FailAsync(TestUser user, int times)
    {
        for (var i = 0; i < times; i++)
            (await SignInAsync(instance.As(user.UserName, "wrong-" + i), user))
                .ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
    }

    [BackendFact]
    public async Task fifth_wrong_password_locks_the_account_and_the_right_one_is_then_refused()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "victim");

        await FailAsync(user, 4);
        var beforeLock = await RecordAsync(user);
        await FailAsync(user, 1);
        var locked = await RecordAsync(user);
        var rightPassword = await SignInAsync(instance.As(user), user);

        Assert.Equal("false", beforeLock.Text("locked_out"));
        Assert.Equal("4", beforeLock.Text("failed_attempts"));
        Assert.Equal("true", locked.Text("locked_out"));
        Assert.Equal("5", locked.Text("failed_attempts"));
        rightPassword.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
        Assert.Equal("Basic realm=\"Service-now\"", rightPassword.Header("WWW-Authenticate"));
    }

    [BackendFact]
    public async Task lockout_holds_for_a_user_who_signed_in_just_before()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "recent");
        (await SignInAsync(instance.As(user), user)).ShouldBe(HttpStatusCode.OK);

        await FailAsync(user, 5);
        var rightPassword = await SignInAsync(instance.As(user), user);

        Assert.Equal("true", (await RecordAsync(user)).Text("locked_out"));
        rightPassword.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated");
    }

    [BackendFact]
    public async Task wrong_passwords_sent_in_parallel_all_count_towards_the_lockout()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "brute.forced");

        var guesses = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => SignInAsync(instance.As(user.UserName, "guess-" + i), user)));
        var record = await RecordAsync(user);
        var rightPassword = await SignInAsync(instance.As(user), user);

        Assert.All(guesses, guess => guess.ShouldBe(HttpStatusCode.Unauthorized));
        Assert.Equal("true", record.Text("locked_out"));
        Assert.InRange(int.Parse(record.Text("failed_attempts")!, System.Globalization.CultureInfo.InvariantCulture), 5, 20);
        rightPassword.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [BackendFact]
    public async Task admin_unlocks_the_account_by_clearing_locked_out()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "unlocked");
        await FailAsync(user, 5);

        var unlock = await instance.Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { locked_out = "false" });
        var signedIn = await SignInAsync(instance.As(user), user);

        Assert.Equal("false", unlock.ShouldBe(HttpStatusCode.OK).Result.Text("locked_out"));
        Assert.Equal(user.UserName, signedIn.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
        Assert.Equal("0", (await RecordAsync(user)).Text("failed_attempts"));
    }

    [BackendFact]
    public async Task unlocking_starts_the_count_of_failures_afresh()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "second.chance");
        await FailAsync(user, 5);

        var unlock = await instance.Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { locked_out = "false" });
        await FailAsync(user, 1);
        var afterOneMistake = await RecordAsync(user);
        var signedIn = await SignInAsync(instance.As(user), user);

        Assert.Equal("0", unlock.ShouldBe(HttpStatusCode.OK).Result.Text("failed_attempts"));
        Assert.Equal("1", afterOneMistake.Text("failed_attempts"));
        Assert.Equal("false", afterOneMistake.Text("locked_out"));
        signedIn.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task successful_sign_in_resets_the_count_of_failures()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "forgetful");

        await FailAsync(user, 4);
        (await SignInAsync(instance.As(user), user)).ShouldBe(HttpStatusCode.OK);
        var afterSuccess = await RecordAsync(user);
        await FailAsync(user, 4);
        var stillOpen = await SignInAsync(instance.As(user), user);

        Assert.Equal("0", afterSuccess.Text("failed_attempts"));
        Assert.Equal("false", afterSuccess.Text("locked_out"));
        stillOpen.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task lockout_threshold_follows_the_system_property()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "strict");
        await instance.SetPropertyAsync("glide.user.max_unlock_attempts", "2");
        try
        {
            await FailAsync(user, 2);

            Assert.Equal("true", (await RecordAsync(user)).Text("locked_out"));
            (await SignInAsync(instance.As(user), user)).ShouldBe(HttpStatusCode.Unauthorized);
        }
        finally
        {
            await instance.SetPropertyAsync("glide.user.max_unlock_attempts", "5");
        }
    }

    [BackendFact]
    public async Task failed_logins_and_the_lockout_are_written_to_syslog()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "logged");
        await FailAsync(user, 5);
        await SignInAsync(instance.As(user), user);

        var rows = await instance.SyslogAsync($"source=Authentication^messageLIKE'{user.UserName}'^ORDERBYsys_created_on");

        var messages = rows.Select(r => r.Text("message")!).ToList();
        Assert.Equal(5, messages.Count(m => m.Contains("wrong password", StringComparison.Ordinal)));
        Assert.Single(messages, m => m.Contains("locked out after 5 failed logins", StringComparison.Ordinal));
        Assert.Single(messages, m => m.Contains("locked-out user", StringComparison.Ordinal));
        Assert.All(messages, m => Assert.DoesNotContain("wrong-", m));
        Assert.All(rows, r => Assert.Equal("Authentication", r.Text("source")));
        Assert.Contains(rows, r => r.Text("level") == "2");
    }

    [BackendFact]
    public async Task lockout_ends_the_oauth_tokens_of_the_user()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "token.holder");
        var client = await instance.CreateAsync("oauth_entity", new { name = instance.NewScope() + "client" });
        var token = (await instance.Anonymous.SendAsync(HttpMethod.Post, "/oauth_token.do", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = client.Text("client_id")!,
            ["client_secret"] = client.Text("client_secret")!,
            ["username"] = user.UserName,
            ["password"] = user.Password,
        }))).ShouldBe(HttpStatusCode.OK).Json.Text("access_token")!;
        (await SignInAsync(instance.WithBearer(token), user)).ShouldBe(HttpStatusCode.OK);

        await FailAsync(user, 5);

        (await SignInAsync(instance.WithBearer(token), user)).ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated");
    }

    [BackendFact]
    public async Task wrong_passwords_through_the_token_endpoint_count_too()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "oauth.guessed");
        var client = await instance.CreateAsync("oauth_entity", new { name = instance.NewScope() + "client" });

        for (var i = 0; i < 5; i++)
            (await instance.Anonymous.SendAsync(HttpMethod.Post, "/oauth_token.do", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["client_id"] = client.Text("client_id")!,
                ["client_secret"] = client.Text("client_secret")!,
                ["username"] = user.UserName,
                ["password"] = "wrong",
            }))).ShouldBe(HttpStatusCode.Unauthorized);

        Assert.Equal("true", (await RecordAsync(user)).Text("locked_out"));
        (await SignInAsync(instance.As(user), user)).ShouldBe(HttpStatusCode.Unauthorized);
    }
}

public sealed class LockoutTestsOnSqlite(SqliteInstance instance) : LockoutTests(instance), IClassFixture<SqliteInstance>;

public sealed class LockoutTestsOnPostgres(PostgresInstance instance) : LockoutTests(instance), IClassFixture<PostgresInstance>;
