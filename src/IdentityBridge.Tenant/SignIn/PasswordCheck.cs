using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// Checks a password typed on the sign-in page against the user's stored hash. Every check costs one full hash
/// verification, also for an unknown user or one without a password (against a decoy hash made with the tenant's
/// own cost), so the time an answer takes does not tell which accounts exist.
/// </summary>
internal sealed class PasswordCheck(Store store, TenantOptions options)
{
    private readonly Lazy<string> _decoy = new(() =>
        new PasswordHasher(options.PasswordIterations).Hash(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))));

    /// <summary>Whether the password is the user's; false for no user.</summary>
    public async Task<bool> VerifyAsync(RecordRow? user, string password, CancellationToken cancellationToken)
    {
        var hash = user is null ? null : await store.GetPasswordHashAsync(DirectoryTables.User, user.SysId, "password", cancellationToken);
        var matches = PasswordHasher.Verify(password, string.IsNullOrEmpty(hash) ? _decoy.Value : hash);
        return matches && !string.IsNullOrEmpty(hash);
    }
}
