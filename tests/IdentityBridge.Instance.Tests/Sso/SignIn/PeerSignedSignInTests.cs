using IdentityBridge.Saml.Tests.Interop;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>
/// The instance signs users in with responses made by independent SAML implementations (auth0's samlp, samlify and
/// xmlsec1, installed by .ci/install-saml-peers), posted to its ACS over HTTP as a browser does, and refuses the
/// same responses once tampered with. The peers stamp the real time, so this class's instance runs on it too.
/// </summary>
public abstract class PeerSignedSignInTests : IClassFixture<InteropKeys>
{
    private readonly RunningInstance _instance;
    private readonly InteropKeys _keys;
    private readonly InteropPeers _peers = InteropPeers.ForThisRepository();

    protected PeerSignedSignInTests(RunningInstance instance, InteropKeys keys)
    {
        _instance = instance;
        _keys = keys;
        var now = DateTimeOffset.UtcNow;
        if (instance.Clock.GetUtcNow() < now) instance.Clock.SetUtcNow(now);
    }

    public static TheoryData<Signer, bool> Peers => new()
    {
        { Signer.Samlp, false },
        { Signer.Samlp, true },
        { Signer.Samlify, false },
        { Signer.Xmlsec1, false },
    };

    private async Task<(string EntityId, EntraUser User)> ProviderWithUserAsync()
    {
        await _instance.SetPropertyAsync(SignInWorld.MultiSsoEnabled, "true");
        var scope = _instance.NewScope();
        var entityId = $"https://sts.windows.net/{Guid.NewGuid()}/";
        var certificate = (await _instance.CreateAsync("sys_certificate", new
        {
            name = scope + "peer signing", pem_certificate = _keys.IdentityProvider.CertificatePem,
        })).SysId();
        var record = (await _instance.CreateAsync("saml2_update1_properties", new
        {
            name = scope + "peer", idp = entityId, idp_authnrequest_url = "https://idp.example/sso", x509_cert = certificate, user_field = "email",
        })).SysId();
        await _instance.ActivateAsync(record);
        var user = EntraUser.New("peer", scope.Trim('_', '.'));
        await _instance.CreateUserAsync(user);
        return (entityId, user);
    }

    private PeerRequest Request(string entityId, EntraUser user, bool signResponse) => new()
    {
        Key = _keys.IdentityProvider.KeyPem,
        Cert = _keys.IdentityProvider.CertificatePem,
        Issuer = entityId,
        Audience = _instance.BaseUrl,
        Destination = _instance.BaseUrl + "/navpage.do",
        NameId = user.Upn,
        Attributes = new Dictionary<string, IReadOnlyList<string>>
        {
            ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"] = [user.GivenName],
            ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"] = [user.Surname],
        },
        SignResponse = signResponse,
        SignAssertion = !signResponse,
    };

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task a_response_signed_by_an_independent_implementation_signs_the_user_in(Signer signer, bool signResponse)
    {
        var (entityId, user) = await ProviderWithUserAsync();
        var response = await SignedAsync(signer, Request(entityId, user, signResponse));
        using var browser = new SsoBrowser(_instance.BaseUrl);

        var landing = await browser.PostResponseAsync(response);

        landing.ShouldLandOn(browser, "/navpage.do");
        await browser.ShouldBeSignedInAsync(user);
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task the_same_response_with_another_name_id_is_refused(Signer signer, bool signResponse)
    {
        var (entityId, user) = await ProviderWithUserAsync();
        var victim = EntraUser.New("victim", _instance.NewScope().Trim('_', '.'));
        await _instance.CreateUserAsync(victim);
        var forged = Tampering.ChangeNameId(await SignedAsync(signer, Request(entityId, user, signResponse)), victim.Upn);
        var log = await SyslogWatch.StartAsync(_instance);
        using var browser = new SsoBrowser(_instance.BaseUrl);

        var landing = await browser.PostResponseAsync(forged);

        landing.ShouldBeRefused();
        await browser.ShouldBeSignedOutAsync();
        await log.ShouldHaveLoggedAsync("SIGNATURE_INVALID");
    }

    private async Task<string> SignedAsync(Signer signer, PeerRequest request)
    {
        // samlify writes InResponseTo="" on an unsolicited response, which is refused; it signs in answer to a request.
        if (signer != Signer.Samlify) return await _peers.SignAsync(signer, request);
        using var browser = new SsoBrowser(_instance.BaseUrl);
        var record = (await _instance.Admin.GetAsync($"/api/now/table/saml2_update1_properties?sysparm_query=idp={request.Issuer}")).Result[0].SysId();
        var page = await browser.GetAsync($"/login_with_sso.do?glide_sso_id={record}");
        var id = IdentityBridge.Saml.Messages.AuthnRequest.Parse(System.Text.Encoding.UTF8.GetString(
            new IdentityBridge.Saml.Bindings.HttpRedirectBinding().Decode(new Uri(page.Location!).Query[1..]).Value!.Xml)).Id;
        return await _peers.SignAsync(signer, request with { InResponseTo = id });
    }
}

// The XML is what is under test here, not the store: SQLite alone.
public sealed class PeerSignedSignInTestsOnSqlite(SqliteInstance instance, InteropKeys keys)
    : PeerSignedSignInTests(instance, keys), IClassFixture<SqliteInstance>;
