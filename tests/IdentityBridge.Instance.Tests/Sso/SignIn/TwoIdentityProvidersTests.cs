using System.Xml;
using IdentityBridge.Saml.Messages;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// Two Entra tenants active at once, each with its own record and certificate (Multi-Provider SSO). Each signs its
/// own users in; nothing one tenant signs passes for the other's, and a request sent to one cannot be answered by
/// the other (spec/saml.md 0: the multi-IdP confusion class of CVE-2023-41890).
/// </summary>
public abstract class TwoIdentityProvidersTests(RunningInstance instance) : IDisposable
{
    private readonly TestIdentityProvider _contoso = instance.NewIdentityProvider();
    private readonly TestIdentityProvider _fabrikam = instance.NewIdentityProvider();

    /// <summary>The validation codes (docs/sso.md: in the syslog row) for a signature by a key the record does not trust.</summary>
    private static readonly string[] KeyMismatch = ["CERTIFICATE_MISMATCH", "SIGNATURE_INVALID"];

    private sealed record Tenants(string ContosoRecord, string FabrikamRecord, EntraUser Alice, EntraUser Bob);

    private async Task<Tenants> BothActiveAsync()
    {
        var contosoRecord = await instance.RegisterAsync(_contoso);
        var fabrikamRecord = await instance.RegisterAsync(_fabrikam);
        var alice = EntraUser.New("alice", "contoso");
        var bob = EntraUser.New("bob", "fabrikam");
        await instance.CreateUserAsync(alice);
        await instance.CreateUserAsync(bob);
        return new Tenants(contosoRecord, fabrikamRecord, alice, bob);
    }

    [BackendFact]
    public async Task each_provider_signs_its_own_users_in()
    {
        var tenants = await BothActiveAsync();
        using var alicesBrowser = new SsoBrowser(instance.BaseUrl);
        using var bobsBrowser = new SsoBrowser(instance.BaseUrl);

        var (alice, _) = await alicesBrowser.SignInAsync(_contoso, tenants.ContosoRecord, tenants.Alice);
        var (bob, _) = await bobsBrowser.SignInUnsolicitedAsync(_fabrikam, tenants.Bob);

        alice.ShouldLandOn(alicesBrowser, "/navpage.do");
        bob.ShouldLandOn(bobsBrowser, "/navpage.do");
        await alicesBrowser.ShouldBeSignedInAsync(tenants.Alice);
        await bobsBrowser.ShouldBeSignedInAsync(tenants.Bob);
        Assert.Equal(tenants.ContosoRecord, alicesBrowser.Cookie("glide_sso_id"));
        Assert.Equal(tenants.FabrikamRecord, bobsBrowser.Cookie("glide_sso_id"));
    }

    [BackendFact]
    public async Task a_response_with_one_providers_issuer_signed_by_the_others_key_is_refused()
    {
        var tenants = await BothActiveAsync();

        foreach (var option in Enum.GetValues<SigningOption>())
        {
            using var browser = new SsoBrowser(instance.BaseUrl);
            var syslog = await SyslogWatch.StartAsync(instance);
            var claimsToBeContoso = TestIdentityProvider.SignWith(_fabrikam.Certificate, _contoso.Describe(tenants.Alice, instance.BaseUrl), option);

            (await browser.PostResponseAsync(claimsToBeContoso)).ShouldBeRefused();
            await browser.ShouldBeSignedOutAsync();
            await syslog.ShouldHaveLoggedAsync(KeyMismatch);
        }
    }

    [BackendFact]
    public async Task an_authn_request_sent_to_one_provider_cannot_be_answered_by_the_other()
    {
        var tenants = await BothActiveAsync();
        using var browser = new SsoBrowser(instance.BaseUrl);
        var toContoso = await browser.StartSignInAsync(_contoso, tenants.ContosoRecord);
        var syslog = await SyslogWatch.StartAsync(instance);

        var answeredByFabrikam = _fabrikam.Sign(_fabrikam.Answer(toContoso, tenants.Bob, instance.BaseUrl));
        var landing = await browser.PostResponseAsync(answeredByFabrikam, toContoso.RelayState);

        landing.ShouldBeRefused();
        await browser.ShouldBeSignedOutAsync();
        await syslog.ShouldHaveLoggedAsync("IN_RESPONSE_TO_MISMATCH");
    }

    [BackendFact]
    public async Task a_providers_own_signed_response_never_creates_a_session_when_it_names_the_other_as_issuer()
    {
        var tenants = await BothActiveAsync();

        foreach (var (signer, other, user) in Directions(tenants))
        {
            using var browser = new SsoBrowser(instance.BaseUrl);
            var syslog = await SyslogWatch.StartAsync(instance);
            var namingTheOther = signer.Describe(user, instance.BaseUrl) with { Issuer = other.EntityId };

            var landing = await browser.PostResponseAsync(signer.Sign(namingTheOther, SigningOption.ResponseAndAssertion));

            landing.ShouldBeRefused();
            await browser.ShouldBeSignedOutAsync();
            await syslog.ShouldHaveLoggedAsync(KeyMismatch);
        }
    }

    [BackendFact]
    public async Task a_providers_signed_assertion_in_a_response_naming_the_other_provider_is_refused()
    {
        var tenants = await BothActiveAsync();

        foreach (var (signer, other, user) in Directions(tenants))
        {
            using var browser = new SsoBrowser(instance.BaseUrl);
            var syslog = await SyslogWatch.StartAsync(instance);

            var landing = await browser.PostResponseAsync(WithEnvelopeIssuer(signer, signer.Describe(user, instance.BaseUrl), other.EntityId));

            landing.ShouldBeRefused();
            await browser.ShouldBeSignedOutAsync();
            await syslog.ShouldHaveLoggedAsync([.. KeyMismatch, "ISSUER_MISMATCH"]);
        }
    }

    private IEnumerable<(TestIdentityProvider Signer, TestIdentityProvider Other, EntraUser User)> Directions(Tenants tenants) =>
        [(_contoso, _fabrikam, tenants.Alice), (_fabrikam, _contoso, tenants.Bob)];

    /// <summary>A response whose assertion (signed by <paramref name="signer"/>) is intact, but whose envelope names another issuer.</summary>
    private static string WithEnvelopeIssuer(TestIdentityProvider signer, ResponseDescription description, string issuer)
    {
        var document = ResponseWriter.WriteSigned(description, signer.Certificate, SigningOption.Assertion);
        document.DocumentElement!.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer").InnerText = issuer;
        return ResponseWriter.Encode(document);
    }

    public void Dispose()
    {
        _contoso.Dispose();
        _fabrikam.Dispose();
    }
}

public sealed class TwoIdentityProvidersTestsOnSqlite(SqliteInstance instance)
    : TwoIdentityProvidersTests(instance), IClassFixture<SqliteInstance>;

public sealed class TwoIdentityProvidersTestsOnPostgres(PostgresInstance instance)
    : TwoIdentityProvidersTests(instance), IClassFixture<PostgresInstance>;
