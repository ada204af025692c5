using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>An RSA key and its self-signed certificate, as PEM for the peers and as a certificate for the trust.</summary>
internal sealed record SigningKey(string KeyPem, string CertificatePem, X509Certificate2 Certificate)
{
    /// <summary>A fresh RSA-2048 key with a certificate shaped like Entra's: self-signed, SHA-256, three years.</summary>
    public static SigningKey Create(string subject)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(3));
        // The trust holds the public certificate only, as an identity provider record does.
        var certificate = X509CertificateLoader.LoadCertificate(withKey.RawData);
        return new SigningKey(rsa.ExportPkcs8PrivateKeyPem(), certificate.ExportCertificatePem(), certificate);
    }
}

/// <summary>
/// The keys of one test class: the identity provider's, and an attacker's. Made per class because RSA key generation
/// is slow, and never written to the repository.
/// </summary>
public sealed class InteropKeys : IDisposable
{
    internal SigningKey IdentityProvider { get; } = SigningKey.Create("CN=Microsoft Azure Federated SSO Certificate");
    internal SigningKey Attacker { get; } = SigningKey.Create("CN=Microsoft Azure Federated SSO Certificate, O=Attacker");

    public void Dispose()
    {
        IdentityProvider.Certificate.Dispose();
        Attacker.Certificate.Dispose();
    }
}
