using System.Text;
using System.Xml;
using IdentityBridge.Saml.Validation;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>Which elements the identity provider signs (Entra's three options, spec/saml.md 1.5).</summary>
public enum Signing { None, Assertion, Response, Both }

/// <summary>
/// One service provider with two Multi-Provider SSO records (tenants A and B), a pinned clock, a replay cache and a
/// request tracker, and the real <see cref="ResponseValidator"/> in front of them. Every response goes in the way a
/// browser posts it: the base64 of the document's bytes, received at the assertion consumer service.
/// </summary>
public sealed class SamlWorld(SamlKeys keys)
{
    public SamlKeys Keys { get; } = keys;
    public FakeTimeProvider Clock { get; } = new(Entra.Now);
    public InMemoryReplayCache ReplayCache { get; } = new();
    public InMemoryRequestTracker Requests => _requests ??= new InMemoryRequestTracker(Clock);
    private InMemoryRequestTracker? _requests;

    public IdentityProviderTrust RecordA { get; set; } = new()
    {
        RecordId = Entra.RecordA,
        EntityId = Entra.IssuerA,
        SigningCertificates = [SamlKeys.PublicOnly(keys.IdpA)],
        Audience = Entra.Audience,
        AssertionConsumerServiceUrls = [Entra.AssertionConsumerService, Entra.OtherConsumerService],
    };

    public IdentityProviderTrust RecordB { get; set; } = new()
    {
        RecordId = Entra.RecordB,
        EntityId = Entra.IssuerB,
        SigningCertificates = [SamlKeys.PublicOnly(keys.IdpB)],
        Audience = Entra.Audience,
        AssertionConsumerServiceUrls = [Entra.AssertionConsumerService, Entra.OtherConsumerService],
    };

    /// <summary>A fresh Entra-shaped response from tenant A to Mallory, unsigned.</summary>
    public ResponseBuilder Response() => new();

    /// <summary>Builds and signs with tenant A's real key.</summary>
    public XmlDocument Signed(ResponseBuilder builder, Signing signing = Signing.Assertion, SignatureOptions? options = null) =>
        Sign(builder.Build(), signing, Keys.IdpA, options);

    /// <summary>A valid, assertion-signed response from tenant A.</summary>
    public XmlDocument SignedResponse(Signing signing = Signing.Assertion) => Signed(Response(), signing);

    /// <summary>Signs the assertion first, then the response, as an identity provider does.</summary>
    public static XmlDocument Sign(XmlDocument doc, Signing signing, System.Security.Cryptography.X509Certificates.X509Certificate2 key, SignatureOptions? options = null)
    {
        if (signing is Signing.Assertion or Signing.Both) XmlSigner.SignAssertion(doc, key, options);
        if (signing is Signing.Response or Signing.Both) XmlSigner.SignResponse(doc, key, options);
        return doc;
    }

    public void RememberRequest(string requestId, string recordId) =>
        Requests.Sent(new SentRequest(requestId, recordId, Clock.GetUtcNow().AddMinutes(10)));

    public Task<ValidationResult> ValidateAsync(XmlDocument doc) => ValidateXmlAsync(doc.OuterXml);

    public Task<ValidationResult> ValidateXmlAsync(string xml) => ValidateEncodedAsync(Encode(xml));

    public Task<ValidationResult> ValidateEncodedAsync(string samlResponse, string receivedAt = Entra.AssertionConsumerService) =>
        Validator().ValidateAsync(samlResponse, receivedAt);

    public ResponseValidator Validator() =>
        new(new InMemoryIdentityProviderResolver([RecordA, RecordB]), ReplayCache, Requests, Clock);

    public static string Encode(string xml) => Convert.ToBase64String(Encoding.UTF8.GetBytes(xml));
}
