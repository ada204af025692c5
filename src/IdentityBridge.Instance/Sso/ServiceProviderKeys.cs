using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The instance's SAML signing key (ServiceNow's "SAML 2.0 SP Keystore", alias <c>saml2sp</c>): made at first use,
/// RSA-2048 with a three-year self-signed certificate, kept in the store so that every node signs with the same key,
/// its private half encrypted with the instance key (<c>IDBRIDGE_INSTANCE_KEY</c>, or <c>instance.key</c> in the
/// data directory, owner-only). It signs AuthnRequests and logout messages when a record asks, and is published in
/// the SP metadata.
/// </summary>
public sealed class ServiceProviderKeys(Store store, InstanceOptions options, InstanceUrls urls, TimeProvider time)
{
    public const string Alias = "saml2sp";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private X509Certificate2? _certificate;

    public async Task<X509Certificate2> SigningCertificateAsync(CancellationToken cancellationToken)
    {
        if (_certificate is { } known) return known;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _certificate ??= await LoadOrCreateAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<X509Certificate2> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        var table = store.Tables.Find(SsoTables.ServiceProviderKey)!;
        var protector = SecretProtector.Load(Path.Combine(options.DataDirectory, "instance.key"),
            Environment.GetEnvironmentVariable("IDBRIDGE_INSTANCE_KEY"), "IDBRIDGE_INSTANCE_KEY");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await store.FindAsync(table, "alias", Alias, cancellationToken) is { } row)
            {
                var pem = protector.Unprotect(row["private_key"] ?? "", out var problem)
                          ?? throw new InvalidOperationException($"The instance's SAML signing key cannot be read: {problem}.");
                return X509CertificateLoader.LoadPkcs12(
                    X509Certificate2.CreateFromPem(row["certificate_pem"], pem).Export(X509ContentType.Pkcs12), null);
            }
            using var rsa = RSA.Create(2048);
            var host = Uri.TryCreate(urls.PublicBaseUrl, UriKind.Absolute, out var url) ? url.Host : "instance";
            var request = new CertificateRequest($"CN={host} SAML 2.0 SP", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var now = time.GetUtcNow();
            using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(3));
            // Another node may create it at the same moment: the unique alias keeps one, and both then read it.
            await store.InsertAsync(table, new Dictionary<string, string?>
            {
                ["alias"] = Alias,
                ["certificate_pem"] = certificate.ExportCertificatePem(),
                ["private_key"] = protector.Protect(rsa.ExportPkcs8PrivateKeyPem()),
            }, new WriteOptions("system"), cancellationToken);
        }
        throw new InvalidOperationException("The instance's SAML signing key could not be created.");
    }
}
