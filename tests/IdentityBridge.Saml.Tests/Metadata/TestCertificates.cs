using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Saml.Tests.Metadata;

/// <summary>Self-signed and CA-issued certificates made fresh for each test.</summary>
internal static class TestCertificates
{
    /// <summary>A certificate for reading and writing metadata; ECDSA, because RSA key generation is slow.</summary>
    public static X509Certificate2 SelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(3));
    }

    /// <summary>An RSA certificate with its private key, for signing a document as Entra does (RSA-SHA256).</summary>
    public static X509Certificate2 RsaSigner(string commonName)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(3));
    }

    /// <summary>A CA certificate and a certificate it issued, as an X509Data carrying a chain holds them.</summary>
    public static (X509Certificate2 Issuer, X509Certificate2 Leaf) Chain(string leafName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Issuing CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={leafName}", leafKey, HashAlgorithmName.SHA256);
        return (ca, leafRequest.Create(ca, now.AddDays(-1), now.AddYears(2), [1, 2, 3, 4]));
    }

    public static string Base64(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);
}
