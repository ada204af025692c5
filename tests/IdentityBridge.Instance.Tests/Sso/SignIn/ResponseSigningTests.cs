using IdentityBridge.Saml.Messages;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// What the ACS accepts of Entra's signing options and token lifetime (spec/saml.md 1.5, 1.6): a response signed on
/// the assertion, on the response, or on both signs the user in; an unsigned or expired one does not, and the
/// syslog says why.
/// </summary>
public abstract class ResponseSigningTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    private async Task<EntraUser> SignedUpUserAsync()
    {
        await instance.RegisterAsync(_entra);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        return user;
    }

    private async Task SignsInWhenSignedOnAsync(SigningOption option)
    {
        var user = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var landing = await browser.PostResponseAsync(_entra.Sign(_entra.Describe(user, instance.BaseUrl), option), "/sys_user_list.do");

        landing.ShouldLandOn(browser, "/sys_user_list.do");
        await browser.ShouldBeSignedInAsync(user);
    }

    [BackendFact]
    public Task a_response_signed_on_the_assertion_is_accepted() => SignsInWhenSignedOnAsync(SigningOption.Assertion);

    [BackendFact]
    public Task a_response_signed_on_the_response_is_accepted() => SignsInWhenSignedOnAsync(SigningOption.Response);

    [BackendFact]
    public Task a_response_signed_on_both_the_response_and_the_assertion_is_accepted() =>
        SignsInWhenSignedOnAsync(SigningOption.ResponseAndAssertion);

    [BackendFact]
    public async Task an_expired_response_is_refused_with_a_syslog_row_naming_the_reason()
    {
        var user = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var syslog = await SyslogWatch.StartAsync(instance);
        // Issued two hours ago: its sixty minutes ran out an hour ago, far beyond any clock skew.
        var expired = _entra.Describe(user, instance.BaseUrl) with { IssueInstant = instance.Clock.GetUtcNow().AddHours(-2) };

        var landing = await browser.PostResponseAsync(_entra.Sign(expired));

        landing.ShouldBeRefused();
        await browser.ShouldBeSignedOutAsync();
        await syslog.ShouldHaveLoggedAsync("expired");
    }

    [BackendFact]
    public async Task an_unsigned_response_is_refused()
    {
        var user = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var syslog = await SyslogWatch.StartAsync(instance);

        var landing = await browser.PostResponseAsync(ResponseWriter.Encode(ResponseWriter.Write(_entra.Describe(user, instance.BaseUrl))));

        landing.ShouldBeRefused();
        await browser.ShouldBeSignedOutAsync();
        await syslog.ShouldHaveLoggedAsync("signature", "signed");
    }

    public void Dispose() => _entra.Dispose();
}

public sealed class ResponseSigningTestsOnSqlite(SqliteInstance instance) : ResponseSigningTests(instance), IClassFixture<SqliteInstance>;

public sealed class ResponseSigningTestsOnPostgres(PostgresInstance instance) : ResponseSigningTests(instance), IClassFixture<PostgresInstance>;
