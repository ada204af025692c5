using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Saml.Xml;
using Microsoft.Extensions.Time.Testing;

namespace IdentityBridge.Saml.Tests.Signatures;

/// <summary>The library's own writer and signer produce responses its validator accepts, in every signing option.</summary>
public sealed class SignedResponseTests
{
    private const string Acs = "https://instance.example/navpage.do";
    private const string Issuer = "https://sts.windows.net/1b4e28ba-2fa1-11d2-883f-0016d3cca427/";
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 15, 0, 0, TimeSpan.Zero);
    private static readonly X509Certificate2 IdpCertificate = Certificates.Create("CN=Microsoft Azure Federated SSO Certificate");
    private static readonly X509Certificate2 SpEncryption = Certificates.Create("CN=instance encryption");

    private readonly FakeTimeProvider _time = new(Now);

    private static ResponseDescription Description(string? inResponseTo = null) => new()
    {
        Issuer = Issuer,
        Destination = Acs,
        Audience = "https://instance.example",
        InResponseTo = inResponseTo,
        NameId = "adele.vance@contoso.example",
        IssueInstant = Now,
        Attributes =
        [
            new("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", ["Adele"]),
            new("http://schemas.microsoft.com/claims/authnmethodsreferences",
                ["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password", "http://schemas.microsoft.com/claims/multipleauthn"]),
        ],
    };

    private static IdentityProviderTrust Trust(X509Certificate2? decryption = null) => new()
    {
        RecordId = "record-a",
        EntityId = Issuer,
        SigningCertificates = [X509CertificateLoader.LoadCertificate(IdpCertificate.RawData)],
        Audience = "https://instance.example",
        AssertionConsumerServiceUrls = [Acs, "https://instance.example/consumer.do"],
        DecryptionCertificate = decryption,
    };

    private ResponseValidator Validator(IdentityProviderTrust trust, Tracker? tracker = null) =>
        new(new Resolver(trust), new Replay(), tracker ?? new Tracker(), _time);

    [Theory]
    [InlineData(SigningOption.Assertion)]
    [InlineData(SigningOption.Response)]
    [InlineData(SigningOption.ResponseAndAssertion)]
    public async Task response_signed_by_the_library_is_accepted_with_its_claims(SigningOption option)
    {
        var document = ResponseWriter.WriteSigned(Description(), IdpCertificate, option);

        var result = await Validator(Trust()).ValidateAsync(ResponseWriter.Encode(document), Acs);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal("adele.vance@contoso.example", result.Assertion!.NameId);
        Assert.Equal(["Adele"], result.Assertion.Attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"]);
        Assert.Equal(2, result.Assertion.Attributes["http://schemas.microsoft.com/claims/authnmethodsreferences"].Count);
        Assert.Equal(IdpCertificate.GetCertHashString(HashAlgorithmName.SHA256), result.Assertion.SigningCertificateThumbprint);
    }

    [Fact]
    public void signature_follows_the_issuer_unprefixed_as_entra_places_it()
    {
        var document = ResponseWriter.WriteSigned(Description(), IdpCertificate);
        var assertion = document.DocumentElement!.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Assertion");
        var children = assertion.ChildNodes.OfType<XmlElement>().Select(e => e.Name).ToList();

        Assert.Equal(["Issuer", "Signature", "Subject", "Conditions", "AttributeStatement", "AuthnStatement"], children);
        Assert.Null(document.DocumentElement.GetAttributeNode("InResponseTo"));
    }

    [Fact]
    public async Task solicited_response_is_accepted_once_for_its_request()
    {
        var tracker = new Tracker();
        tracker.Add(new SentRequest("SNC0123456789abcdef0123456789abcdef", "record-a", Now.AddMinutes(10)));
        var validator = Validator(Trust(), tracker);
        var first = ResponseWriter.Encode(ResponseWriter.WriteSigned(Description("SNC0123456789abcdef0123456789abcdef"), IdpCertificate));
        var second = ResponseWriter.Encode(ResponseWriter.WriteSigned(Description("SNC0123456789abcdef0123456789abcdef"), IdpCertificate));

        Assert.True((await validator.ValidateAsync(first, Acs)).IsValid);
        var again = await validator.ValidateAsync(second, Acs);

        Assert.False(again.IsValid);
        Assert.True(again.Has(ValidationCodes.InResponseToMismatch));
    }

    [Fact]
    public async Task encrypted_assertion_is_accepted_with_our_key_and_refused_without_it()
    {
        var document = ResponseWriter.WriteSigned(Description(), IdpCertificate);
        Encrypt(document, SpEncryption);
        var encoded = ResponseWriter.Encode(document);

        var withKey = await Validator(Trust(SpEncryption)).ValidateAsync(encoded, Acs);
        var withoutKey = await Validator(Trust()).ValidateAsync(encoded, Acs);
        var otherKey = await Validator(Trust(Certificates.Create("CN=other"))).ValidateAsync(encoded, Acs);

        Assert.True(withKey.IsValid, string.Join("\n", withKey.Problems));
        Assert.Equal("adele.vance@contoso.example", withKey.Assertion!.NameId);
        Assert.True(withoutKey.Has(ValidationCodes.DecryptionFailed));
        Assert.True(otherKey.Has(ValidationCodes.DecryptionFailed));
    }

    /// <summary>Replaces the signed assertion with an EncryptedAssertion: AES-256-GCM content, RSA-OAEP key transport.</summary>
    private static void Encrypt(XmlDocument document, X509Certificate2 recipient)
    {
        var response = document.DocumentElement!;
        var assertion = response.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Assertion");
        var plain = System.Text.Encoding.UTF8.GetBytes(assertion.OuterXml);
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(key, 16)) gcm.Encrypt(nonce, plain, cipher, tag);
        using var rsa = recipient.GetRSAPublicKey()!;
        var wrapped = rsa.Encrypt(key, RSAEncryptionPadding.OaepSHA1);
        var xml = $"""
            <EncryptedAssertion xmlns="{SamlNames.Assertion}"><xenc:EncryptedData xmlns:xenc="{SamlNames.XmlEnc}" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><ds:KeyInfo xmlns:ds="{SamlNames.DSig}"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{Convert.ToBase64String([.. nonce, .. cipher, .. tag])}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></EncryptedAssertion>
            """;
        var fragment = document.CreateDocumentFragment();
        fragment.InnerXml = xml;
        response.ReplaceChild(fragment, assertion);
    }

    private sealed class Resolver(IdentityProviderTrust trust) : IIdentityProviderResolver
    {
        public ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
            ValueTask.FromResult(issuer == trust.EntityId ? trust : null);
    }

    private sealed class Replay : IReplayCache
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new();
        public ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_seen.TryAdd(key, expires));
    }

    internal sealed class Tracker : IRequestTracker
    {
        private readonly ConcurrentDictionary<string, SentRequest> _sent = new();
        public void Add(SentRequest request) => _sent[request.RequestId] = request;
        public ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_sent.TryRemove(requestId, out var r) ? r : null);
    }
}

internal static class Certificates
{
    public static X509Certificate2 Create(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(3));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
