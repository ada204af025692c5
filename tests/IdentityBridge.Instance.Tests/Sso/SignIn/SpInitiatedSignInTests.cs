using System.Text.RegularExpressions;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Sign-in started at the instance (spec/servicenow.md 5.4, docs/sso.md): login_with_sso.do sends the browser to
/// Entra with an AuthnRequest in ServiceNow's shape, and the response answering it lands the user where they were
/// going. A response is accepted once, and only when it answers a request the instance sent.
/// </summary>
public abstract partial class SpInitiatedSignInTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _entra = instance.NewIdentityProvider();

    private async Task<(EntraUser User, string Record)> SignedUpUserAsync(object? settings = null)
    {
        var record = await instance.RegisterAsync(_entra, settings);
        var user = EntraUser.New("b", "simon");
        await instance.CreateUserAsync(user);
        return (user, record);
    }

    [BackendFact]
    public async Task the_authn_request_is_shaped_as_servicenow_sends_it()
    {
        var (_, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var request = (await browser.StartSignInAsync(_entra, record, goTo: "/incident.do?sys_id=42")).Message;

        Assert.Matches(RequestId(), request.Id);
        Assert.Equal(_entra.SignOnUrl, request.Destination);
        Assert.Equal(instance.BaseUrl + "/navpage.do", request.AssertionConsumerServiceUrl);
        Assert.Equal(instance.BaseUrl, request.Issuer);
        Assert.NotNull(request.NameIdPolicy);
        Assert.True(request.NameIdPolicy.AllowCreate);
        Assert.Equal(SamlNames.NameIdUnspecified, request.NameIdPolicy.Format);
    }

    [BackendFact]
    public async Task sp_initiated_sign_in_lands_on_the_goto_url_with_a_session()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var request = await browser.StartSignInAsync(_entra, record, goTo: "/incident.do?sys_id=42");
        var landing = await browser.PostResponseAsync(_entra.Sign(_entra.Answer(request, user, instance.BaseUrl)), request.RelayState);

        landing.ShouldLandOn(browser, "/incident.do?sys_id=42");
        await browser.ShouldBeSignedInAsync(user);
    }

    [BackendFact]
    public async Task without_a_goto_url_the_user_lands_on_the_home_page()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var (landing, _) = await browser.SignInAsync(_entra, record, user);

        landing.ShouldLandOn(browser, "/navpage.do");
    }

    [BackendFact]
    public async Task the_same_response_posted_again_is_refused_as_a_replay()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        using var attacker = new SsoBrowser(instance.BaseUrl);
        var request = await browser.StartSignInAsync(_entra, record, goTo: "/incident.do?sys_id=42");
        var response = _entra.Sign(_entra.Answer(request, user, instance.BaseUrl));
        (await browser.PostResponseAsync(response, request.RelayState)).ShouldLandOn(browser, "/incident.do?sys_id=42");
        var syslog = await SyslogWatch.StartAsync(instance);

        var replayed = await attacker.PostResponseAsync(response, request.RelayState);

        replayed.ShouldBeRefused();
        await attacker.ShouldBeSignedOutAsync();
        await syslog.ShouldHaveLoggedAsync("REPLAYED", "IN_RESPONSE_TO", "replay");
    }

    [BackendFact]
    public async Task a_response_to_a_request_the_instance_never_sent_is_refused()
    {
        var (user, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var request = await browser.StartSignInAsync(_entra, record);
        var syslog = await SyslogWatch.StartAsync(instance);
        var unknown = "SNC" + Guid.NewGuid().ToString("n");

        var landing = await browser.PostResponseAsync(_entra.Sign(_entra.Describe(user, instance.BaseUrl, inResponseTo: unknown)), request.RelayState);

        landing.ShouldBeRefused();
        await browser.ShouldBeSignedOutAsync();
        await syslog.ShouldHaveLoggedAsync("IN_RESPONSE_TO", "InResponseTo");
    }

    [BackendFact]
    public async Task a_signed_authn_request_verifies_with_the_certificate_of_the_instances_metadata()
    {
        var (_, record) = await SignedUpUserAsync(new { require_signed_authnrequest = "true" });
        using var browser = new SsoBrowser(instance.BaseUrl);

        var request = await browser.StartSignInAsync(_entra, record);
        var metadata = await browser.ServiceProviderMetadataAsync(record);

        Assert.Equal(SamlNames.RsaSha256, request.Raw.SigAlg);
        Assert.Equal(instance.BaseUrl, metadata.EntityId);
        var sp = metadata.ServiceProvider;
        Assert.NotNull(sp);
        Assert.NotEmpty(sp.SigningCertificates);
        Assert.Null(TestIdentityProvider.QuerySignatureProblem(request.Raw, sp.SigningCertificates));
        Assert.NotNull(TestIdentityProvider.QuerySignatureProblem(request.Raw, [_entra.Certificate]));
    }

    [BackendFact]
    public async Task the_service_provider_metadata_names_both_assertion_consumer_services_and_single_logout()
    {
        var (_, record) = await SignedUpUserAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);

        var sp = (await browser.ServiceProviderMetadataAsync(record)).ServiceProvider;

        Assert.NotNull(sp);
        Assert.Equal([(instance.BaseUrl + "/navpage.do", 0), (instance.BaseUrl + "/consumer.do", 1)],
            sp.AssertionConsumerServices.Select(a => (a.Location, a.Index)).ToList());
        Assert.Equal(instance.BaseUrl + "/navpage.do", sp.DefaultAssertionConsumerService?.Location);
        Assert.Contains(sp.SingleLogoutServices, s => s.Location == instance.BaseUrl + "/navpage.do" && s.Binding == SamlNames.HttpRedirectBinding);
    }

    [GeneratedRegex("^SNC[0-9a-fA-F]{32}$")]
    private static partial Regex RequestId();

    public void Dispose() => _entra.Dispose();
}

public sealed class SpInitiatedSignInTestsOnSqlite(SqliteInstance instance)
    : SpInitiatedSignInTests(instance), IClassFixture<SqliteInstance>;

public sealed class SpInitiatedSignInTestsOnPostgres(PostgresInstance instance)
    : SpInitiatedSignInTests(instance), IClassFixture<PostgresInstance>;
