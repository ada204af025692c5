using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Tests.World;
using IdentityBridge.Tenant.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Provisioning.Tests.Source;

/// <summary>Credentials, certificates, permissions and connection tests: every failure names its code and its fix.</summary>
public sealed class GraphSourceFailureTests(TenantServer tenant) : IClassFixture<TenantServer>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Task<SourceResult<string>> ReadUsersAsync(GraphSource source, SourceObjectType type = SourceObjectType.User) =>
        source.ReadDeltaAsync(type, null, ["objectId"], (_, _) => ValueTask.CompletedTask, None);

    [Fact]
    public async Task wrong_secret_is_a_job_level_error_named_by_its_aadsts_code()
    {
        const string wrong = "not-the-secret-value";
        await using var source = tenant.NewSource(tenant.Settings with { ClientSecret = wrong });

        var error = (await ReadUsersAsync(source)).Failed();

        Assert.Equal("AADSTS7000215", error.Code);
        Assert.True(error.JobLevel);
        Assert.Contains("secret", error.Message);
        Assert.DoesNotContain(wrong, error.Message);
        Assert.DoesNotContain(tenant.ClientSecret, error.Message);
    }

    [Fact]
    public async Task unknown_app_and_unknown_tenant_say_which_id_to_check()
    {
        await using var unknownApp = tenant.NewSource(tenant.Settings with { ClientId = Guid.NewGuid().ToString() });
        await using var unknownTenant = tenant.NewSource(tenant.Settings with { TenantId = Guid.NewGuid().ToString() });

        var app = (await ReadUsersAsync(unknownApp)).Failed();
        var directory = (await ReadUsersAsync(unknownTenant)).Failed();

        Assert.Equal("AADSTS700016", app.Code);
        Assert.Contains("client id", app.Message);
        Assert.True(app.JobLevel);
        Assert.Equal("AADSTS90002", directory.Code);
        Assert.Contains("tenant id", directory.Message);
        Assert.True(directory.JobLevel);
    }

    [Fact]
    public async Task token_is_reused_until_five_minutes_before_it_expires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var source = new GraphSource(tenant.Settings, time: clock);

        Assert.True((await source.DefaultDomainAsync(None)).Succeeded);
        Assert.True((await source.DefaultDomainAsync(None)).Succeeded);
        Assert.Equal(1, source.TokensIssued);
        clock.Advance(TimeSpan.FromMinutes(54));
        Assert.True((await source.DefaultDomainAsync(None)).Succeeded);
        Assert.Equal(1, source.TokensIssued);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await source.DefaultDomainAsync(None)).Succeeded);
        Assert.Equal(2, source.TokensIssued);
    }

    [Fact]
    public async Task token_graph_no_longer_accepts_is_replaced_once_and_the_call_goes_through()
    {
        await using var source = tenant.NewSource();
        Assert.True((await source.DefaultDomainAsync(None)).Succeeded);

        // For the tenant the cached token has now expired; the source's own clock still holds it valid.
        tenant.Clock.Advance(TimeSpan.FromMinutes(70));
        var domain = await source.DefaultDomainAsync(None);

        Assert.Equal(TenantServer.Domain, domain.Ok());
        Assert.Equal(2, source.TokensIssued);
    }

    [Fact]
    public async Task certificate_that_does_not_match_the_pin_makes_the_source_unreachable()
    {
        await using var source = tenant.NewSource(tenant.Settings with { CertificateSha256 = new string('A', 64) });

        var error = (await ReadUsersAsync(source)).Failed();

        Assert.Equal("SourceUnreachable", error.Code);
        Assert.True(error.JobLevel);
        Assert.Contains("did not match the pinned SHA-256 thumbprint", error.Message);
    }

    [Fact]
    public async Task self_signed_certificate_without_a_pin_is_not_trusted()
    {
        await using var source = tenant.NewSource(tenant.Settings with { CertificateSha256 = null });

        var error = (await ReadUsersAsync(source)).Failed();

        Assert.Equal("SourceUnreachable", error.Code);
        Assert.Contains("not trusted", error.Message);
    }

    [Fact]
    public async Task host_that_does_not_answer_is_unreachable_after_the_retries()
    {
        await using var source = tenant.NewSource(tenant.Settings with
        {
            GraphBaseUrl = new Uri("https://127.0.0.1:1/v1.0"),
            Authority = new Uri("https://127.0.0.1:1"),
        });

        var error = (await ReadUsersAsync(source)).Failed();

        Assert.Equal("SourceUnreachable", error.Code);
        Assert.True(error.JobLevel);
        Assert.Contains("127.0.0.1:1", error.Message);
    }

    [Fact]
    public async Task missing_group_permission_is_a_job_level_403_naming_the_permission()
    {
        await using var source = tenant.NewSource(await tenant.AppSettingsAsync("Users only", "User.Read.All"));

        var error = (await ReadUsersAsync(source, SourceObjectType.Group)).Failed();

        Assert.Equal("Authorization_RequestDenied", error.Code);
        Assert.Equal(403, error.HttpStatus);
        Assert.True(error.JobLevel);
        Assert.Contains("Group.Read.All", error.Message);
        Assert.True((await ReadUsersAsync(source)).Succeeded);
    }

    [Fact]
    public async Task connection_test_passes_with_the_provisioning_permissions()
    {
        await using var source = tenant.NewSource();

        var checks = await source.TestAsync(groups: true, None);

        Assert.Equal(["Token", "Read users", "Read groups", "Read service principals"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.True(c.Passed, c.Detail));
    }

    [Fact]
    public async Task connection_test_names_the_permissions_to_grant()
    {
        await using var source = tenant.NewSource(await tenant.AppSettingsAsync("Users only for the test", "User.Read.All"));

        var checks = await source.TestAsync(groups: true, None);

        Assert.True(checks.Single(c => c.Name == "Read users").Passed);
        Assert.Contains("Group.Read.All", checks.Single(c => c.Name == "Read groups").Fix);
        Assert.Contains("Application.Read.All", checks.Single(c => c.Name == "Read service principals").Fix);
        Assert.DoesNotContain(await source.TestAsync(groups: false, None), c => c.Name == "Read groups");
    }

    [Fact]
    public async Task connection_test_stops_at_a_refused_token_and_says_what_to_fix()
    {
        await using var source = tenant.NewSource(tenant.Settings with { ClientSecret = "wrong" });

        var check = Assert.Single(await source.TestAsync(groups: true, None));

        Assert.Equal("Token", check.Name);
        Assert.False(check.Passed);
        Assert.Contains("AADSTS7000215", check.Detail);
        Assert.Contains("client secret", check.Fix);
    }
}

/// <summary>A tenant that allows one Graph request per hour and application: everything after it is throttled.</summary>
public sealed class ThrottledTenantServer : TenantServer
{
    protected override TenantOptions Adjust(TenantOptions options) =>
        options with { RequestBudget = 1, RequestBudgetWindow = TimeSpan.FromHours(1) };
}

public sealed class GraphSourceThrottlingTests(ThrottledTenantServer tenant) : IClassFixture<ThrottledTenantServer>
{
    [Fact]
    public async Task throttling_that_outlasts_the_retries_is_too_many_requests()
    {
        await using var source = tenant.NewSource();
        var first = await source.DefaultDomainAsync(CancellationToken.None);
        Assert.True(first.Succeeded);

        var error = (await source.DefaultDomainAsync(CancellationToken.None)).Failed();

        Assert.Equal("TooManyRequests", error.Code);
        Assert.Equal(429, error.HttpStatus);
        Assert.False(error.JobLevel);
    }
}
