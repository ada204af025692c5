using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>
/// The RSA-2048 certificates of the test world, made once per test class (a class fixture) because key generation
/// is the slow part. Each has its private key, so the tests can sign as any party, attackers included.
/// </summary>
public sealed class SamlKeys : IDisposable
{
    /// <summary>Tenant A's signing certificate, CN as Entra names it.</summary>
    public X509Certificate2 IdpA { get; } = Create("Microsoft Azure Federated SSO Certificate");
    /// <summary>Tenant A's next certificate, for a rollover.</summary>
    public X509Certificate2 IdpANext { get; } = Create("Microsoft Azure Federated SSO Certificate");
    /// <summary>Tenant B's signing certificate: trusted, but only for tenant B's record.</summary>
    public X509Certificate2 IdpB { get; } = Create("Microsoft Azure Federated SSO Certificate");
    /// <summary>A key nobody trusts, with a certificate that looks like Entra's.</summary>
    public X509Certificate2 Attacker { get; } = Create("Microsoft Azure Federated SSO Certificate");
    /// <summary>The service provider's own key, to which an identity provider could encrypt assertions.</summary>
    public X509Certificate2 ServiceProviderEncryption { get; } = Create("contoso.service-now.com");

    /// <summary>The certificate as a trust record holds it: public key only, as imported from metadata.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadCertificate(certificate.RawData);

    private static X509Certificate2 Create(string commonName)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        // Valid around the pinned clock, three years like Entra's, so no test depends on today's date.
        return request.CreateSelfSigned(Entra.IssueInstant.AddYears(-1), Entra.IssueInstant.AddYears(2));
    }

    public void Dispose()
    {
        IdpA.Dispose();
        IdpANext.Dispose();
        IdpB.Dispose();
        Attacker.Dispose();
        ServiceProviderEncryption.Dispose();
    }
}
