using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Tenant.Certificates;

/// <summary>
/// The tenant's HTTPS certificate. Microsoft's client libraries insist on HTTPS for an authority, so the tenant serves
/// it even on loopback: a self-signed certificate for localhost (127.0.0.1 and ::1 too) is created at first start and
/// kept under the data directory, or a given PFX is used. Clients pin its SHA-256 thumbprint.
/// </summary>
public sealed class TenantCertificate : IDisposable
{
    /// <summary>The file the generated certificate is kept in, under the data directory.</summary>
    public const string FileName = "tenant-https.pfx";

    public static readonly TimeSpan Validity = TimeSpan.FromDays(730);

    // A certificate this close to its end is replaced at start, so a running tenant does not cross the date.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    private TenantCertificate(X509Certificate2 certificate, string? path, bool generated)
    {
        Certificate = certificate;
        Path = path;
        Generated = generated;
        Sha256Thumbprint = Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    /// <summary>The certificate with its private key, for Kestrel's <c>UseHttps</c>.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Uppercase hex SHA-256 of the certificate: what clients pin.</summary>
    public string Sha256Thumbprint { get; }

    /// <summary>The PFX file it was loaded from or saved to.</summary>
    public string? Path { get; }

    /// <summary>True when this start generated it (first start, or the old one was expiring).</summary>
    public bool Generated { get; }

    /// <summary>
    /// Loads the given PFX (with its password, if any), or else the one kept under <paramref name="dataDirectory"/>,
    /// generating and saving it (file mode 0600) when it is missing or about to expire.
    /// </summary>
    public static TenantCertificate LoadOrCreate(string dataDirectory, string? pfxPath = null, string? password = null,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (!string.IsNullOrWhiteSpace(pfxPath))
        {
            if (!File.Exists(pfxPath))
                throw new FileNotFoundException($"The certificate file '{pfxPath}' does not exist; give the path of a PFX (PKCS#12) file.", pfxPath);
            var given = Load(pfxPath, password);
            if (!given.HasPrivateKey)
            {
                given.Dispose();
                throw new InvalidOperationException($"The certificate in '{pfxPath}' has no private key; export it with its key.");
            }
            return new TenantCertificate(given, pfxPath, generated: false);
        }

        System.IO.Directory.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        var now = time.GetUtcNow();
        if (File.Exists(path))
        {
            var kept = Load(path, null);
            if (kept.HasPrivateKey && kept.NotAfter.ToUniversalTime() - RenewBefore > now.UtcDateTime) return new TenantCertificate(kept, path, generated: false);
            kept.Dispose();
        }
        using (var created = Create(now))
            Save(created, path);
        return new TenantCertificate(Load(path, null), path, generated: true);
    }

    /// <summary>A self-signed server certificate for localhost, 127.0.0.1 and ::1, valid from now for two years.</summary>
    internal static X509Certificate2 Create(DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // A minute back, so that a client whose clock runs a little behind accepts it at once.
        return request.CreateSelfSigned(now.AddMinutes(-1), now + Validity);
    }

    private static X509Certificate2 Load(string path, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);

    /// <summary>Writes the PFX readable by the owner only (0600), through a temporary file so a crash leaves no half file.</summary>
    private static void Save(X509Certificate2 certificate, string path)
    {
        var bytes = certificate.Export(X509ContentType.Pfx);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, options))
            stream.Write(bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose() => Certificate.Dispose();
}
