using System.Security.Cryptography;
using System.Text;

namespace IdentityBridge.Storage.Security;

/// <summary>
/// Encrypts secrets at rest (provisioning job credentials, SAML private keys) with AES-256-GCM under one key: the
/// value of an environment variable such as <c>IDBRIDGE_PROVISIONING_KEY</c> (base64), or a key file made at first
/// use next to the store (owner-only permissions). One key shared by every
/// worker is what a scale-out over PostgreSQL needs; Data Protection's per-machine key ring would have to be shared
/// and rotated by hand to do the same. Protected values carry a version prefix and the key's id, so a wrong key is
/// reported as such instead of as corrupt data.
/// </summary>
public sealed class SecretProtector
{
    private const string Prefix = "idbp1:";
    private readonly byte[] _key;
    private readonly string _keyId;
    private readonly string _variable;

    public SecretProtector(byte[] key, string variable = "IDBRIDGE_PROVISIONING_KEY")
    {
        if (key.Length != 32) throw new ArgumentException("The key must be 32 bytes (256 bits).", nameof(key));
        _key = key.ToArray();
        _variable = variable;
        _keyId = Convert.ToHexStringLower(SHA256.HashData(_key)[..4]);
    }

    /// <summary>The key from the environment variable, else from <paramref name="keyFile"/>, created when missing.</summary>
    public static SecretProtector Load(string keyFile, string? environmentValue, string variable = "IDBRIDGE_PROVISIONING_KEY")
    {
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(environmentValue.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{variable} is not base64; give 32 random bytes in base64 (openssl rand -base64 32).");
            }
            if (key.Length != 32)
                throw new InvalidOperationException($"{variable} holds {key.Length} bytes; it must hold 32 (openssl rand -base64 32).");
            return new SecretProtector(key, variable);
        }
        if (File.Exists(keyFile))
        {
            var text = File.ReadAllText(keyFile).Trim();
            var key = Convert.FromBase64String(text);
            return new SecretProtector(key, variable);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyFile))!);
        var fresh = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(keyFile, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(Convert.ToBase64String(fresh));
        return new SecretProtector(fresh, variable);
    }

    public string Protect(string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[data.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(_key, 16))
            aes.Encrypt(nonce, data, cipher, tag, Encoding.ASCII.GetBytes(_keyId));
        return Prefix + _keyId + ":" + Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    /// <summary>The secret, or null with a reason when it was protected with another key or is damaged.</summary>
    public string? Unprotect(string protectedValue, out string? problem)
    {
        problem = null;
        if (!protectedValue.StartsWith(Prefix, StringComparison.Ordinal) || protectedValue.Length < Prefix.Length + 9)
        {
            problem = "the stored secret is not in the protected format";
            return null;
        }
        var keyId = protectedValue.Substring(Prefix.Length, 8);
        if (keyId != _keyId)
        {
            problem = $"the secret was protected with another key (id {keyId}, this key is {_keyId}); set {_variable} to the key the secret was protected with, or set the secret again";
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(protectedValue[(Prefix.Length + 9)..]);
        }
        catch (FormatException)
        {
            problem = "the stored secret is damaged";
            return null;
        }
        if (bytes.Length < 28)
        {
            problem = "the stored secret is damaged";
            return null;
        }
        var plain = new byte[bytes.Length - 28];
        try
        {
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(28), bytes.AsSpan(12, 16), plain, Encoding.ASCII.GetBytes(_keyId));
        }
        catch (AuthenticationTagMismatchException)
        {
            problem = "the stored secret is damaged or was altered";
            return null;
        }
        return Encoding.UTF8.GetString(plain);
    }
}
