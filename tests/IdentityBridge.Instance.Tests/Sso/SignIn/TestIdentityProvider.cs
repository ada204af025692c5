using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Instance.Tests.Sso.SignIn;

/// <summary>A person in the test tenant, with what Entra's ServiceNow gallery app says about them.</summary>
public sealed record EntraUser(string GivenName, string Surname, string Upn)
{
    public string ObjectId { get; init; } = Guid.NewGuid().ToString();

    /// <summary>Entra's mail claim; the tenant's users have the same mail address and user principal name.</summary>
    public string Email => Upn;

    public string DisplayName => GivenName + " " + Surname;

    /// <summary>A new person with a unique address, such as <c>b.simon.1f2e3d4c@contoso.example</c>.</summary>
    public static EntraUser New(string givenName, string surname) =>
        new(givenName, surname, $"{givenName}.{surname}.{Guid.NewGuid().ToString("n")[..8]}@contoso.example".ToLowerInvariant());
}

/// <summary>A message the instance sent to the identity provider through the browser (HTTP-Redirect binding).</summary>
public sealed record Received<T>(T Message, string? RelayState, RedirectMessage Raw);

/// <summary>How the identity provider signs the query of a message it sends back (HTTP-Redirect binding).</summary>
public enum QuerySigning
{
    /// <summary>With the identity provider's own key, whose certificate the instance trusts.</summary>
    OwnKey,
    /// <summary>Not at all: no SigAlg and no Signature.</summary>
    Unsigned,
    /// <summary>With a key the instance has never been given.</summary>
    StrangersKey,
}

/// <summary>
/// An Entra ID tenant's enterprise application as the instance meets it: entity id <c>https://sts.windows.net/&lt;tenant&gt;/</c>,
/// sign-on and logout URL <c>https://login.microsoftonline.com/&lt;tenant&gt;/saml2</c>, an RSA-2048 signing
/// certificate, and responses in Entra's shape (spec/saml.md 1.2–1.9) written by the SAML library. It reads the
/// AuthnRequests and LogoutRequests the instance sends through the browser, and answers with query-signed logout
/// messages. Its clock is the instance's pinned clock.
/// </summary>
public sealed class TestIdentityProvider : IDisposable
{
    public const string Origin = "https://login.microsoftonline.com";

    private const string MicrosoftClaims = "http://schemas.microsoft.com/identity/claims/";
    private const string XmlSoapClaims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";
    private const string PasswordMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password";

    private static readonly HttpRedirectBinding Binding = new();
    private readonly TimeProvider _clock;
    private readonly Lazy<X509Certificate2> _strangersCertificate = new(() => TestCertificates.Current("Not the identity provider"));

    public TestIdentityProvider(TimeProvider clock)
    {
        _clock = clock;
        Certificate = TestCertificates.Current("Microsoft Azure Federated SSO Certificate");
    }

    public string TenantId { get; } = Guid.NewGuid().ToString();

    /// <summary>The Microsoft Entra Identifier: the Issuer of everything this tenant sends.</summary>
    public string EntityId => $"https://sts.windows.net/{TenantId}/";

    /// <summary>The Login URL (SAML single sign-on service).</summary>
    public string SignOnUrl => $"{Origin}/{TenantId}/saml2";

    /// <summary>The Logout URL; Entra uses the same address as for sign-on.</summary>
    public string LogoutUrl => SignOnUrl;

    /// <summary>The signing certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    private DateTimeOffset Now => _clock.GetUtcNow();

    // ---- sign-in ---------------------------------------------------------------------------------------------

    /// <summary>
    /// What Entra says about a sign-in of <paramref name="user"/> to the instance at <paramref name="instanceBaseUrl"/>:
    /// posted to navpage.do (or the ACS URL a request named), audience the instance's entity id, NameID the user
    /// principal name in emailAddress format, the default claims, and a fresh SessionIndex.
    /// </summary>
    public ResponseDescription Describe(EntraUser user, string instanceBaseUrl, string? inResponseTo = null, string? acsUrl = null) => new()
    {
        Issuer = EntityId,
        Destination = acsUrl ?? instanceBaseUrl + "/navpage.do",
        Audience = instanceBaseUrl,
        InResponseTo = inResponseTo,
        NameId = user.Upn,
        NameIdFormat = SamlNames.NameIdEmail,
        IssueInstant = Now,
        SessionIndex = "_" + Guid.NewGuid(),
        Attributes = Claims(user),
    };

    /// <summary>The response answering an AuthnRequest the instance sent.</summary>
    public ResponseDescription Answer(Received<AuthnRequest> request, EntraUser user, string instanceBaseUrl) =>
        Describe(user, instanceBaseUrl, request.Message.Id, request.Message.AssertionConsumerServiceUrl);

    /// <summary>The SAMLResponse form value: signed (by default on the assertion, Entra's default) with this tenant's key.</summary>
    public string Sign(ResponseDescription description, SigningOption option = SigningOption.Assertion) =>
        ResponseWriter.Encode(ResponseWriter.WriteSigned(description, Certificate, option));

    /// <summary>The SAMLResponse form value, signed with another key than the one the instance trusts for this tenant.</summary>
    public static string SignWith(X509Certificate2 key, ResponseDescription description, SigningOption option = SigningOption.Assertion) =>
        ResponseWriter.Encode(ResponseWriter.WriteSigned(description, key, option));

    private IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Claims(EntraUser user) =>
    [
        new(MicrosoftClaims + "tenantid", [TenantId]),
        new(MicrosoftClaims + "objectidentifier", [user.ObjectId]),
        new(MicrosoftClaims + "displayname", [user.DisplayName]),
        new(MicrosoftClaims + "identityprovider", [EntityId]),
        new("http://schemas.microsoft.com/claims/authnmethodsreferences", [PasswordMethod]),
        new(XmlSoapClaims + "givenname", [user.GivenName]),
        new(XmlSoapClaims + "surname", [user.Surname]),
        new(XmlSoapClaims + "emailaddress", [user.Email]),
        new(XmlSoapClaims + "name", [user.Upn]),
    ];

    // ---- what the instance sends -----------------------------------------------------------------------------

    /// <summary>Reads the AuthnRequest of a redirect to this tenant's sign-on URL.</summary>
    public Received<AuthnRequest> ReadAuthnRequest(string? location)
    {
        var message = Decode(location, SignOnUrl, SamlMessageKind.Request);
        return new(AuthnRequest.Parse(Encoding.UTF8.GetString(message.Xml)), message.RelayState, message);
    }

    /// <summary>Reads the LogoutRequest of a redirect to this tenant's logout URL.</summary>
    public Received<LogoutRequest> ReadLogoutRequest(string? location)
    {
        var message = Decode(location, LogoutUrl, SamlMessageKind.Request);
        return new(LogoutRequest.Parse(Encoding.UTF8.GetString(message.Xml)), message.RelayState, message);
    }

    /// <summary>Reads the LogoutResponse of a redirect to this tenant's logout URL.</summary>
    public Received<LogoutResponse> ReadLogoutResponse(string? location)
    {
        var message = Decode(location, LogoutUrl, SamlMessageKind.Response);
        return new(LogoutResponse.Parse(Encoding.UTF8.GetString(message.Xml)), message.RelayState, message);
    }

    /// <summary>Checks a query signature with the given certificates only; null when it verifies, else why not.</summary>
    public static string? QuerySignatureProblem(RedirectMessage message, IEnumerable<X509Certificate2> trusted)
    {
        var verified = Binding.VerifySignature(message, trusted);
        return verified.Succeeded ? null : $"{verified.Error.Code}: {verified.Error.Message}";
    }

    private static RedirectMessage Decode(string? location, string endpoint, SamlMessageKind kind)
    {
        Assert.NotNull(location);
        Assert.StartsWith(endpoint + "?", location);
        // The raw query, exactly as sent: a query signature covers the bytes as they were percent-encoded.
        var query = location[(endpoint.Length + 1)..];
        if (query.IndexOf('#') is var fragment and >= 0) query = query[..fragment];
        var decoded = Binding.Decode(query);
        Assert.True(decoded.Succeeded, $"The redirect to {endpoint} carries no readable SAML message: {decoded.Error?.Code} {decoded.Error?.Message}");
        Assert.Equal(kind, decoded.Value!.Kind);
        return decoded.Value;
    }

    // ---- single logout ---------------------------------------------------------------------------------------

    /// <summary>
    /// Where the tenant sends the browser after ending its own session for a LogoutRequest of the instance: the
    /// instance's single logout service (navpage.do) with a LogoutResponse (Success) carrying the request's RelayState.
    /// </summary>
    public string LogoutResponseUrl(string instanceBaseUrl, Received<LogoutRequest> request, QuerySigning signing = QuerySigning.OwnKey)
    {
        var response = new LogoutResponse
        {
            Id = "_" + Guid.NewGuid(),
            IssueInstant = Now,
            Destination = instanceBaseUrl + "/navpage.do",
            InResponseTo = request.Message.Id,
            Issuer = EntityId,
            Status = SamlStatus.Success,
        };
        return instanceBaseUrl + "/navpage.do?" +
               Binding.EncodeQuery(SamlMessageKind.Response, response.ToXml(), request.RelayState, SigningFor(signing));
    }

    /// <summary>
    /// A LogoutRequest of the tenant (the user signed out of Microsoft 365) for one session of <paramref name="user"/>
    /// at the instance, as the URL the browser is sent to.
    /// </summary>
    public (string Url, LogoutRequest Request) LogoutRequestUrl(string instanceBaseUrl, EntraUser user, string? sessionIndex,
        QuerySigning signing = QuerySigning.OwnKey)
    {
        var request = new LogoutRequest
        {
            Id = "_" + Guid.NewGuid(),
            IssueInstant = Now,
            NotOnOrAfter = Now.AddMinutes(5),
            Destination = instanceBaseUrl + "/navpage.do",
            Issuer = EntityId,
            NameId = new NameIdentifier { Value = user.Upn, Format = SamlNames.NameIdEmail },
            SessionIndexes = sessionIndex is null ? [] : [sessionIndex],
        };
        return (instanceBaseUrl + "/navpage.do?" + Binding.EncodeQuery(SamlMessageKind.Request, request.ToXml(), null, SigningFor(signing)),
            request);
    }

    private RedirectSigning? SigningFor(QuerySigning signing) => signing switch
    {
        QuerySigning.OwnKey => new RedirectSigning { Certificate = Certificate },
        QuerySigning.StrangersKey => new RedirectSigning { Certificate = _strangersCertificate.Value },
        _ => null,
    };

    public void Dispose()
    {
        Certificate.Dispose();
        if (_strangersCertificate.IsValueCreated) _strangersCertificate.Value.Dispose();
    }
}
