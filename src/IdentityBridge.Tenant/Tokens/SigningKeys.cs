using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// One token-signing key: an RSA 2048 key in a self-signed certificate, as Entra publishes its keys (with
/// <c>x5c</c>). <see cref="Kid"/> is the certificate's base64url SHA-1 thumbprint, which is also Entra's convention,
/// so <c>kid</c> and <c>x5t</c> agree.
/// </summary>
public sealed class SigningKey : IDisposable
{
    internal SigningKey(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Rsa = certificate.GetRSAPublicKey() ?? throw new InvalidOperationException("A signing key must be RSA.");
        PrivateKey = certificate.HasPrivateKey ? certificate.GetRSAPrivateKey() : null;
        Kid = Base64Url.EncodeToString(certificate.GetCertHash(HashAlgorithmName.SHA1));
    }

    public string Kid { get; }
    public X509Certificate2 Certificate { get; }
    internal RSA Rsa { get; }
    internal RSA? PrivateKey { get; }

    public void Dispose()
    {
        Rsa.Dispose();
        PrivateKey?.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>
/// The tenant's token-signing keys, kept in the tenant's store (table <c>graph_signing_key</c>) so that every node of
/// a tenant on PostgreSQL shares them. A key is created at first start; when there are several (a key added for
/// rotation), all are published and every node signs with the same one: the oldest, then the lowest kid.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    private const string FirstKeyId = "00000000000000000000000000000001";

    private readonly IReadOnlyList<SigningKey> _keys;

    private SigningKeys(IReadOnlyList<SigningKey> keys)
    {
        _keys = keys;
        Current = keys[0];
    }

    /// <summary>The key new tokens are signed with.</summary>
    public SigningKey Current { get; }

    /// <summary>Every key a token of this tenant may be signed with; the JWKS document lists them.</summary>
    public IReadOnlyList<SigningKey> All => _keys;

    public SigningKey? Find(string kid) => _keys.FirstOrDefault(k => string.Equals(k.Kid, kid, StringComparison.Ordinal));

    /// <summary>Loads the keys from the store, creating the first one when there is none.</summary>
    public static async Task<SigningKeys> LoadOrCreateAsync(Store store, TimeProvider time,
        CancellationToken cancellationToken = default)
    {
        var table = store.Tables.Find(TokenTables.SigningKey)
                    ?? throw new InvalidOperationException($"Open the store with {nameof(TokenTables)}.{nameof(TokenTables.All)}.");
        var rows = await ReadAsync(store, table, cancellationToken);
        if (rows.Count == 0)
        {
            using var created = Create(time);
            using var privateKey = created.GetRSAPrivateKey()!;
            // The first key has a fixed sys_id: should two nodes start on an empty database at once, one insert wins,
            // the other is refused as a duplicate, and both read the winner's key.
            await store.InsertAsync(table, new Dictionary<string, string?>
            {
                [TableDefinition.SysId] = FirstKeyId,
                ["kid"] = Base64Url.EncodeToString(created.GetCertHash(HashAlgorithmName.SHA1)),
                ["certificate"] = created.ExportCertificatePem(),
                ["private_key"] = privateKey.ExportPkcs8PrivateKeyPem(),
            }, new WriteOptions("system"), cancellationToken);
            rows = await ReadAsync(store, table, cancellationToken);
        }
        var keys = rows.Select(r => new SigningKey(X509Certificate2.CreateFromPem(r["certificate"], r["private_key"]))).ToList();
        return new SigningKeys(keys);
    }

    private static async Task<IReadOnlyList<RecordRow>> ReadAsync(Store store, TableDefinition table, CancellationToken cancellationToken) =>
        (await store.QueryAsync(new RecordQuery
        {
            Table = table,
            Query = Storage.Queries.EncodedQuery.Parse($"ORDERBY{TableDefinition.CreatedOn}^ORDERBYkid"),
            Limit = 100,
        }, cancellationToken)).Rows;

    private static X509Certificate2 Create(TimeProvider time)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=IdentityBridge tenant token signing", rsa, HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    public void Dispose()
    {
        foreach (var key in _keys) key.Dispose();
    }
}
