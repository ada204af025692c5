using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Tenant.Certificates;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>The tenant's HTTPS certificate: generated once under the data directory, or loaded from a given PFX.</summary>
public sealed class TenantCertificateTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 6, 2, 10, 15, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-cert-tests", Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (System.IO.Directory.Exists(_directory)) System.IO.Directory.Delete(_directory, recursive: true);
    }

    private static Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock(DateTimeOffset at) => new(at);

    [Fact]
    public void first_start_generates_a_localhost_server_certificate()
    {
        using var generated = TenantCertificate.LoadOrCreate(_directory, time: Clock(Now));

        var certificate = generated.Certificate;
        Assert.True(generated.Generated);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal("CN=localhost", certificate.Subject);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal(Now.AddMinutes(-1).UtcDateTime, certificate.NotBefore.ToUniversalTime());
        Assert.Equal((Now + TimeSpan.FromDays(730)).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], usages.Cast<Oid>().Select(o => o.Value));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), generated.Sha256Thumbprint);
        Assert.Equal(Path.Combine(_directory, TenantCertificate.FileName), generated.Path);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(generated.Path!));
    }

    [Fact]
    public void next_start_loads_the_kept_certificate()
    {
        string thumbprint;
        using (var first = TenantCertificate.LoadOrCreate(_directory, time: Clock(Now)))
            thumbprint = first.Sha256Thumbprint;

        using var second = TenantCertificate.LoadOrCreate(_directory, time: Clock(Now.AddDays(300)));

        Assert.False(second.Generated);
        Assert.Equal(thumbprint, second.Sha256Thumbprint);
        Assert.True(second.Certificate.HasPrivateKey);
    }

    [Fact]
    public void certificate_about_to_expire_is_replaced()
    {
        string thumbprint;
        using (var first = TenantCertificate.LoadOrCreate(_directory, time: Clock(Now)))
            thumbprint = first.Sha256Thumbprint;

        using var renewed = TenantCertificate.LoadOrCreate(_directory, time: Clock(Now.AddDays(727)));

        Assert.True(renewed.Generated);
        Assert.NotEqual(thumbprint, renewed.Sha256Thumbprint);
    }

    [Fact]
    public void given_pfx_with_password_is_used()
    {
        System.IO.Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "given.pfx");
        using (var made = TenantCertificate.Create(Now))
            File.WriteAllBytes(path, made.Export(X509ContentType.Pfx, "s3cret"));

        using var loaded = TenantCertificate.LoadOrCreate(Path.Combine(_directory, "data"), path, "s3cret", Clock(Now));

        Assert.False(loaded.Generated);
        Assert.Equal(path, loaded.Path);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.False(File.Exists(Path.Combine(_directory, "data", TenantCertificate.FileName)));
        Assert.ThrowsAny<CryptographicException>(() => TenantCertificate.LoadOrCreate(_directory, path, "wrong", Clock(Now)));
    }

    [Fact]
    public void missing_or_keyless_pfx_is_refused_with_what_to_do()
    {
        var missing = Assert.Throws<FileNotFoundException>(() =>
            TenantCertificate.LoadOrCreate(_directory, Path.Combine(_directory, "nope.pfx"), time: Clock(Now)));
        Assert.Contains("PFX", missing.Message, StringComparison.Ordinal);

        System.IO.Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "public.pfx");
        using (var made = TenantCertificate.Create(Now))
        using (var publicOnly = X509CertificateLoader.LoadCertificate(made.RawData))
            File.WriteAllBytes(path, publicOnly.Export(X509ContentType.Pfx));
        var keyless = Assert.Throws<InvalidOperationException>(() => TenantCertificate.LoadOrCreate(_directory, path, time: Clock(Now)));
        Assert.Contains("private key", keyless.Message, StringComparison.Ordinal);
    }
}
