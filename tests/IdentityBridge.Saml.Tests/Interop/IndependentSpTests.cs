using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>
/// The identity provider's signing certificate and an attacker's, both with their private keys, as our identity
/// provider holds its own. Made once per class because RSA key generation is slow.
/// </summary>
public sealed class IdentityProviderKeys : IDisposable
{
    public X509Certificate2 IdentityProvider { get; } = Create("CN=Microsoft Azure Federated SSO Certificate");
    public X509Certificate2 Attacker { get; } = Create("CN=Microsoft Azure Federated SSO Certificate, O=Attacker");

    /// <summary>A fresh self-signed RSA-2048 certificate with its key, valid from a month ago for three years.</summary>
    private static X509Certificate2 Create(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-30), now.AddYears(3));
    }

    public void Dispose()
    {
        IdentityProvider.Dispose();
        Attacker.Dispose();
    }
}

/// <summary>
/// Responses written and signed by our <see cref="ResponseWriter"/> in Entra's shape, judged by three service
/// providers built on libraries we did not write (node-saml, python3-saml, pysaml2), each trusting our signed
/// identity provider metadata as an admin would import it. They must accept every signing option Entra offers, read
/// the NameID and claims, and refuse a tampered NameID or another key's signature. Responses are issued at the real
/// time because node-saml reads the system clock.
/// </summary>
public sealed class IndependentSpTests(IdentityProviderKeys keys) : IClassFixture<IdentityProviderKeys>
{
    private const string TenantId = "8d5a7c21-3b9e-4f62-a1d0-5c2e9b7f4a13";
    private const string Issuer = "https://sts.windows.net/" + TenantId + "/";
    private const string SignOnUrl = "https://login.microsoftonline.com/" + TenantId + "/saml2";
    private const string Audience = "https://contoso.service-now.com";
    private const string Acs = "https://contoso.service-now.com/navpage.do";
    private const string NameId = "adele.vance@contoso.example";
    private const string AttackerNameId = "admin@contoso.example";

    private const string DisplayName = "http://schemas.microsoft.com/identity/claims/displayname";
    private const string Email = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    private const string TenantIdClaim = "http://schemas.microsoft.com/identity/claims/tenantid";

    public static TheoryData<IndependentServiceProvider, SigningOption> EverySigningOption()
    {
        var data = new TheoryData<IndependentServiceProvider, SigningOption>();
        foreach (var provider in Enum.GetValues<IndependentServiceProvider>())
            foreach (var option in Enum.GetValues<SigningOption>())
                data.Add(provider, option);
        return data;
    }

    public static TheoryData<IndependentServiceProvider> Providers() => new(Enum.GetValues<IndependentServiceProvider>());

    public static TheoryData<IndependentServiceProvider> ProvidersTrustingACertificate() =>
        new(IndependentServiceProvider.NodeSaml, IndependentServiceProvider.OneLogin);

    public static TheoryData<IndependentServiceProvider> ProvidersWithAClock() =>
        new(IndependentServiceProvider.OneLogin, IndependentServiceProvider.PySaml2);

    [Theory]
    [MemberData(nameof(EverySigningOption))]
    public async Task unsolicited_response_is_accepted_and_its_name_id_and_claims_are_read(IndependentServiceProvider provider, SigningOption option)
    {
        var response = Sign(Entra(DateTimeOffset.UtcNow), option);

        var verdict = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp(option));

        AssertAccepted(verdict, response);
        Assert.Equal(NameId, verdict.NameId);
        Assert.Equal(SamlNames.NameIdEmail, verdict.NameIdFormat);
        Assert.Equal("Adele Vance", verdict.Claim(DisplayName));
        Assert.Equal(NameId, verdict.Claim(Email));
        Assert.Equal(TenantId, verdict.Claim(TenantIdClaim));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task answer_to_the_request_the_sp_sent_is_accepted(IndependentServiceProvider provider)
    {
        var requestId = "_" + Guid.NewGuid().ToString("N");
        var response = Sign(Entra(DateTimeOffset.UtcNow) with { InResponseTo = requestId });

        var verdict = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp() with { RequestId = requestId });

        AssertAccepted(verdict, response);
        Assert.Equal(NameId, verdict.NameId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task answer_to_another_request_is_refused(IndependentServiceProvider provider)
    {
        var response = Sign(Entra(DateTimeOffset.UtcNow) with { InResponseTo = "_" + Guid.NewGuid().ToString("N") });

        var verdict = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(),
            Sp() with { RequestId = "_" + Guid.NewGuid().ToString("N") });

        AssertRefused(verdict, response);
    }

    [Theory]
    [MemberData(nameof(EverySigningOption))]
    public async Task response_with_a_tampered_name_id_is_refused(IndependentServiceProvider provider, SigningOption option)
    {
        var response = Tampering.ChangeNameId(Sign(Entra(DateTimeOffset.UtcNow), option), AttackerNameId);

        var verdict = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp(option));

        AssertRefusedForItsSignature(verdict, response);
    }

    [Theory]
    [MemberData(nameof(EverySigningOption))]
    public async Task response_signed_by_another_key_is_refused(IndependentServiceProvider provider, SigningOption option)
    {
        var response = Sign(Entra(DateTimeOffset.UtcNow) with { NameId = AttackerNameId }, option, keys.Attacker);

        var verdict = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp(option));

        AssertRefusedForItsSignature(verdict, response);
    }

    [Theory]
    [MemberData(nameof(ProvidersTrustingACertificate))]
    public async Task sp_trusting_the_signing_certificate_alone_accepts_the_response_and_refuses_another_key(IndependentServiceProvider provider)
    {
        var genuine = Sign(Entra(DateTimeOffset.UtcNow));
        var forged = Sign(Entra(DateTimeOffset.UtcNow), signer: keys.Attacker);
        var trust = IdpTrust.FromCertificate(Issuer, keys.IdentityProvider.ExportCertificatePem());

        var accepted = await IndependentServiceProviders.JudgeAsync(provider, genuine, trust, Sp());
        var refused = await IndependentServiceProviders.JudgeAsync(provider, forged, trust, Sp());

        AssertAccepted(accepted, genuine);
        Assert.Equal(NameId, accepted.NameId);
        AssertRefusedForItsSignature(refused, forged);
    }

    [Theory]
    [MemberData(nameof(ProvidersWithAClock))]
    public async Task python_sp_judges_a_response_issued_on_a_fixed_clock_at_the_time_it_is_told(IndependentServiceProvider provider)
    {
        // A week ago: inside the certificate's validity, far outside the response's sixty minutes.
        var issued = DateTimeOffset.UtcNow.AddDays(-7);
        var response = Sign(Entra(issued));

        var onTheFixedClock = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp() with { Now = issued.AddMinutes(1) });
        var onTheRealClock = await IndependentServiceProviders.JudgeAsync(provider, response, TrustByMetadata(), Sp());

        AssertAccepted(onTheFixedClock, response);
        AssertRefused(onTheRealClock, response);
    }

    [Fact]
    public async Task node_saml_cannot_be_told_another_time()
    {
        var response = Sign(Entra(DateTimeOffset.UtcNow));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            IndependentServiceProviders.NodeSamlAsync(response, TrustByMetadata(), Sp() with { Now = DateTimeOffset.UtcNow.AddDays(-7) }));

        Assert.Contains("system clock", error.Message);
    }

    /// <summary>An Entra-shaped sign-in of Adele Vance with the default claims (spec/saml.md 1.2), unsolicited.</summary>
    private static ResponseDescription Entra(DateTimeOffset issueInstant) => new()
    {
        Issuer = Issuer,
        Destination = Acs,
        Audience = Audience,
        NameId = NameId,
        IssueInstant = issueInstant,
        Attributes =
        [
            new(TenantIdClaim, [TenantId]),
            new(DisplayName, ["Adele Vance"]),
            new(Email, [NameId]),
        ],
    };

    private string Sign(ResponseDescription description, SigningOption option = SigningOption.Assertion, X509Certificate2? signer = null) =>
        ResponseWriter.Encode(ResponseWriter.WriteSigned(description, signer ?? keys.IdentityProvider, option));

    /// <summary>Our identity provider metadata, signed with the identity provider's key, as a tenant publishes it per app.</summary>
    private IdpTrust TrustByMetadata()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(keys.IdentityProvider.RawData);
        var metadata = MetadataWriter.WriteIdentityProvider(new IdentityProviderDescription
        {
            EntityId = Issuer,
            SigningCertificates = [publicOnly],
            SingleSignOnServiceUrl = SignOnUrl,
            SingleLogoutServiceUrl = SignOnUrl,
        }, entity => XmlSigner.Sign(entity, keys.IdentityProvider));
        return IdpTrust.FromMetadata(Issuer, metadata);
    }

    /// <summary>The service provider as an admin sets it up for the signing option the identity provider uses.</summary>
    private static SpSettings Sp(SigningOption option = SigningOption.Assertion) => new(Audience, Acs)
    {
        WantAssertionsSigned = option is not SigningOption.Response,
        WantResponseSigned = option is not SigningOption.Assertion,
    };

    private static void AssertAccepted(SpVerdict verdict, string response) =>
        Assert.True(verdict.Ok, $"Expected the response to be accepted, but it was {verdict}.\nResponse:\n{Tampering.Xml(response)}");

    private static void AssertRefused(SpVerdict verdict, string response)
    {
        Assert.False(verdict.Ok, $"Expected the response to be refused, but it was {verdict}.\nResponse:\n{Tampering.Xml(response)}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Error), "A refusal must say why.");
        Assert.Null(verdict.NameId);
    }

    /// <summary>Refused, and for the signature: not for some other fault the test did not mean to make.</summary>
    private static void AssertRefusedForItsSignature(SpVerdict verdict, string response)
    {
        AssertRefused(verdict, response);
        Assert.Contains("signature", verdict.Error, StringComparison.OrdinalIgnoreCase);
    }
}
