using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IdentityBridge.Saml.Tests.Bindings;

/// <summary>Throwaway RSA certificates, and signing of hand-built query strings.</summary>
internal static class TestCertificates
{
    /// <summary>The sender's certificate with its private key.</summary>
    public static readonly X509Certificate2 Sender = Create("CN=sender.example");

    /// <summary>A second, unrelated key pair: the attacker's, or the previous certificate in a rollover.</summary>
    public static readonly X509Certificate2 Other = Create("CN=other.example");

    /// <summary>The certificate as a receiver holds it: public key only.</summary>
    public static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    public static string SignToBase64(X509Certificate2 certificate, string octets, HashAlgorithmName hash)
    {
        using var key = certificate.GetRSAPrivateKey()!;
        return Convert.ToBase64String(key.SignData(Encoding.ASCII.GetBytes(octets), hash, RSASignaturePadding.Pkcs1));
    }

    private static X509Certificate2 Create(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2029, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }
}
