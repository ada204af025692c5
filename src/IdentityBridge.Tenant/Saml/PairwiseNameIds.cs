using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The values of persistent and transient NameIDs (spec/saml.md 1.3). A persistent NameID is pairwise: the same for
/// one user at one app on every sign-in, different at every other app, and reveals nothing about the user, so two
/// apps cannot join their records through it. It is an HMAC of user and app under a tenant secret that is made once,
/// kept encrypted in the tenant's settings, and never leaves the tenant. A transient NameID is random each time.
/// </summary>
public sealed class PairwiseNameIds(Store store, SecretProtector protector)
{
    private const string SettingName = "saml_pairwise_name_id_secret";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _secret;

    /// <summary>The persistent NameID of the user at the app: base64url of HMAC-SHA256(secret, user | app).</summary>
    public async Task<string> PersistentAsync(string userSysId, string appId, CancellationToken cancellationToken)
    {
        var secret = await SecretAsync(cancellationToken);
        var mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(userSysId + "|" + appId.ToLowerInvariant()));
        return Base64Url.EncodeToString(mac);
    }

    /// <summary>A transient NameID: random, used for one sign-in only.</summary>
    public static string Transient() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private async Task<byte[]> SecretAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } known) return known;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_secret is { } cached) return cached;
            var row = await store.FindAsync(DirectoryTables.Setting, "name", SettingName, cancellationToken);
            if (row is null)
            {
                var fresh = RandomNumberGenerator.GetBytes(32);
                // The name is unique: when another node made the secret first, the insert fails and its secret is read.
                await store.InsertAsync(DirectoryTables.Setting, new Dictionary<string, string?>
                {
                    ["name"] = SettingName,
                    ["value"] = protector.Protect(Convert.ToBase64String(fresh)),
                }, new WriteOptions("system"), cancellationToken);
                row = await store.FindAsync(DirectoryTables.Setting, "name", SettingName, cancellationToken);
            }
            var plain = row?["value"] is { } stored ? protector.Unprotect(stored, out _) : null;
            // A secret that cannot be read (the tenant key was replaced) would silently change every persistent NameID;
            // refusing is better than signing users in to the wrong accounts.
            _secret = plain is null
                ? throw new PairwiseSecretException("The tenant's pairwise NameID secret cannot be read with the current tenant key (IDBRIDGE_TENANT_KEY or tenant.key); restore the key it was made with.")
                : Convert.FromBase64String(plain);
            return _secret;
        }
        finally
        {
            _gate.Release();
        }
    }

}

/// <summary>The pairwise NameID secret cannot be read with the tenant's current key.</summary>
public sealed class PairwiseSecretException(string message) : Exception(message);
