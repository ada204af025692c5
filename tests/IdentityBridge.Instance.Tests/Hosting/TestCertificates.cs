using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>Self-signed signing certificates of an identity provider, valid over a chosen window.</summary>
public static class TestCertificates
{
    public static X509Certificate2 Create(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>A certificate valid for a year around the instance's pinned clock.</summary>
    public static X509Certificate2 Current(string subject) =>
        Create(subject, RunningInstance.Start.AddDays(-30), RunningInstance.Start.AddDays(335));

    /// <summary>A certificate that expired before the instance's pinned clock.</summary>
    public static X509Certificate2 Expired(string subject) =>
        Create(subject, RunningInstance.Start.AddDays(-400), RunningInstance.Start.AddDays(-35));
}
