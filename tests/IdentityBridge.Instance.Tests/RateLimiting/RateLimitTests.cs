namespace IdentityBridge.Instance.Tests.RateLimiting;

/// <summary>Inbound REST rate limits per hour from sys_rate_limit_rules (spec 1.4).</summary>
public abstract class RateLimitTests(RunningInstance instance)
{
    /// <summary>The start of the next clock hour of the instance's clock, as UNIX seconds.</summary>
    private long NextHour => (instance.Clock.GetUtcNow().ToUnixTimeSeconds() / 3600 + 1) * 3600;

    private async Task<string> RuleAsync(object values) => (await instance.CreateAsync("sys_rate_limit_rules", values)).SysId();

    private static Task<Reply> RequestAsync(InstanceClient client, TestUser user) =>
        client.GetAsync($"/api/now/table/sys_user/{user.SysId}?sysparm_fields=user_name");

    [BackendFact]
    public async Task requests_under_a_user_rule_carry_the_rate_limit_headers()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "limited");
        var rule = await RuleAsync(new { name = "r", type = "user", user = user.SysId, max_requests = "3" });

        var reply = await RequestAsync(instance.As(user), user);

        reply.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("3", reply.Header("X-RateLimit-Limit"));
        Assert.Equal(NextHour.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Header("X-RateLimit-Reset"));
        Assert.Equal(rule, reply.Header("X-RateLimit-Rule"));
    }

    [BackendFact]
    public async Task request_over_the_limit_answers_429_with_retry_after()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "greedy");
        await RuleAsync(new { name = "r", type = "user", user = user.SysId, max_requests = "3" });
        var client = instance.As(user);

        var allowed = new[] { await RequestAsync(client, user), await RequestAsync(client, user), await RequestAsync(client, user) };
        var fourth = await RequestAsync(client, user);

        Assert.All(allowed, reply => reply.ShouldBe(HttpStatusCode.OK));
        fourth.ShouldFailWith((HttpStatusCode)429, "Rate limit exceeded", "Rate limit of 3 requests per hour for Table API exceeded");
        var retryAfter = NextHour - instance.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), fourth.Header("Retry-After"));
        Assert.Equal("3", fourth.Header("X-RateLimit-Limit"));
    }

    [BackendFact]
    public async Task limit_applies_to_one_user_and_not_to_others()
    {
        var scope = instance.NewScope();
        var limited = await instance.CreateUserAsync(scope + "capped");
        var free = await instance.CreateUserAsync(scope + "free");
        await RuleAsync(new { name = "r", type = "user", user = limited.SysId, max_requests = "1" });

        (await RequestAsync(instance.As(limited), limited)).ShouldBe(HttpStatusCode.OK);
        var refused = await RequestAsync(instance.As(limited), limited);
        var other = await RequestAsync(instance.As(free), free);

        refused.ShouldBe((HttpStatusCode)429);
        other.ShouldBe(HttpStatusCode.OK);
        Assert.Null(other.Header("X-RateLimit-Limit"));
    }

    [BackendFact]
    public async Task rule_for_the_user_beats_a_rule_for_their_role()
    {
        var scope = instance.NewScope();
        var user = await instance.CreateUserAsync(scope + "itil.user");
        await instance.GrantRoleAsync(user, "itil");
        var roleMate = await instance.CreateUserAsync(scope + "itil.mate");
        await instance.GrantRoleAsync(roleMate, "itil");
        var roleRule = await RuleAsync(new { name = "role", type = "role", role = await instance.RoleIdAsync("itil"), max_requests = "50" });
        var userRule = await RuleAsync(new { name = "user", type = "user", user = user.SysId, max_requests = "20" });

        Reply mine, mate;
        try
        {
            mine = await RequestAsync(instance.As(user), user);
            mate = await RequestAsync(instance.As(roleMate), roleMate);
        }
        finally
        {
            // Leave no role rule behind for the other tests of the instance.
            (await instance.Admin.PatchAsync($"/api/now/table/sys_rate_limit_rules/{roleRule}", new { active = "false" })).ShouldBe(HttpStatusCode.OK);
        }

        Assert.Equal(userRule, mine.ShouldBe(HttpStatusCode.OK).Header("X-RateLimit-Rule"));
        Assert.Equal("20", mine.Header("X-RateLimit-Limit"));
        Assert.Equal(roleRule, mate.ShouldBe(HttpStatusCode.OK).Header("X-RateLimit-Rule"));
        Assert.Equal("50", mate.Header("X-RateLimit-Limit"));
    }

    [BackendFact]
    public async Task role_rule_does_not_reach_admin_through_the_roles_admin_implies()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "itil.only");
        await instance.GrantRoleAsync(user, "itil");
        var roleRule = await RuleAsync(new { name = "itil cap", type = "role", role = await instance.RoleIdAsync("itil"), max_requests = "1" });

        Reply[] adminReplies;
        Reply first, second;
        try
        {
            first = await RequestAsync(instance.As(user), user);
            second = await RequestAsync(instance.As(user), user);
            adminReplies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RequestAsync(instance.Admin, user)));
        }
        finally
        {
            (await instance.Admin.PatchAsync($"/api/now/table/sys_rate_limit_rules/{roleRule}", new { active = "false" })).ShouldBe(HttpStatusCode.OK);
        }

        Assert.Equal(roleRule, first.ShouldBe(HttpStatusCode.OK).Header("X-RateLimit-Rule"));
        second.ShouldBe((HttpStatusCode)429);
        Assert.All(adminReplies, reply => Assert.Null(reply.ShouldBe(HttpStatusCode.OK).Header("X-RateLimit-Rule")));
    }

    [BackendFact]
    public async Task exceeded_limit_is_written_to_syslog()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "logged.limit");
        var rule = await RuleAsync(new { name = "r", type = "user", user = user.SysId, max_requests = "1" });
        await RequestAsync(instance.As(user), user);
        (await RequestAsync(instance.As(user), user)).ShouldBe((HttpStatusCode)429);

        var rows = await instance.SyslogAsync($"source=Rate Limit^messageLIKE{user.UserName}");

        var row = Assert.Single(rows);
        Assert.Contains(rule, row.Text("message"));
        Assert.Equal("1", row.Text("level"));
    }

    [BackendFact]
    public async Task deactivated_rule_stops_limiting()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "released");
        var rule = await RuleAsync(new { name = "r", type = "user", user = user.SysId, max_requests = "1" });
        await RequestAsync(instance.As(user), user);
        (await RequestAsync(instance.As(user), user)).ShouldBe((HttpStatusCode)429);

        (await instance.Admin.PatchAsync($"/api/now/table/sys_rate_limit_rules/{rule}", new { active = "false" })).ShouldBe(HttpStatusCode.OK);
        var released = await RequestAsync(instance.As(user), user);

        released.ShouldBe(HttpStatusCode.OK);
        Assert.Null(released.Header("X-RateLimit-Limit"));
    }

    [BackendFact]
    public async Task budget_is_renewed_at_the_next_hour()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "patient");
        await RuleAsync(new { name = "r", type = "user", user = user.SysId, max_requests = "1" });
        await RequestAsync(instance.As(user), user);
        (await RequestAsync(instance.As(user), user)).ShouldBe((HttpStatusCode)429);

        instance.Clock.Advance(TimeSpan.FromSeconds(NextHour - instance.Clock.GetUtcNow().ToUnixTimeSeconds()));
        var nextHour = await RequestAsync(instance.As(user), user);

        nextHour.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(NextHour.ToString(System.Globalization.CultureInfo.InvariantCulture), nextHour.Header("X-RateLimit-Reset"));
    }
}

public sealed class RateLimitTestsOnSqlite(SqliteInstance instance) : RateLimitTests(instance), IClassFixture<SqliteInstance>;

public sealed class RateLimitTestsOnPostgres(PostgresInstance instance) : RateLimitTests(instance), IClassFixture<PostgresInstance>;
