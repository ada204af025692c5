using System.Security.Cryptography;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.Saml;

public sealed class PairwiseNameIdTests
{
    [BackendTheory]
    public async Task the_secret_survives_a_restart_with_the_same_key_and_a_replaced_key_is_refused_rather_than_giving_other_ids(Backend backend)
    {
        await using var store = await TestStores.OpenAsync(backend, DirectoryTables.All);
        var key = RandomNumberGenerator.GetBytes(32);
        var user = GraphIds.New();
        var appId = Guid.NewGuid().ToString("D");

        var first = await new PairwiseNameIds(store.Store, new SecretProtector(key, "IDBRIDGE_TENANT_KEY")).PersistentAsync(user, appId, default);
        var again = await new PairwiseNameIds(store.Store, new SecretProtector(key, "IDBRIDGE_TENANT_KEY")).PersistentAsync(user, appId, default);
        var otherApp = await new PairwiseNameIds(store.Store, new SecretProtector(key, "IDBRIDGE_TENANT_KEY")).PersistentAsync(user, Guid.NewGuid().ToString("D"), default);

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherApp);
        var replaced = new PairwiseNameIds(store.Store, new SecretProtector(RandomNumberGenerator.GetBytes(32), "IDBRIDGE_TENANT_KEY"));
        var refusal = await Assert.ThrowsAsync<PairwiseSecretException>(() => replaced.PersistentAsync(user, appId, default));
        Assert.Contains("IDBRIDGE_TENANT_KEY", refusal.Message, StringComparison.Ordinal);
    }
}
