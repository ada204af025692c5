using IdentityBridge.Tenant.Tokens;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>
/// The token service's state on either backend: several nodes on one PostgreSQL database share app registrations and
/// signing keys, so a token issued by one node is valid on every other.
/// </summary>
public sealed class TokenStoreBackendTests
{
    [BackendTheory]
    public async Task secrets_authenticate_and_expire_on_either_backend(Backend backend)
    {
        await using var world = await TokenWorld.CreateAsync(backend: backend);
        var client = await world.RegisterClientAsync("User.Read.All");

        Assert.True((await world.Authority.Applications.AuthenticateAsync(client.App.AppId, client.Secret)).Succeeded);
        Assert.Equal(ClientAuthenticationFailure.InvalidSecret,
            (await world.Authority.Applications.AuthenticateAsync(client.App.AppId, client.Secret + "x")).Failure);
        world.Clock.Advance(AppRegistrations.DefaultSecretLifetime);
        Assert.Equal(ClientAuthenticationFailure.ExpiredSecret,
            (await world.Authority.Applications.AuthenticateAsync(client.App.AppId, client.Secret)).Failure);
    }

    [BackendTheory]
    public async Task token_issued_by_one_node_is_valid_on_another(Backend backend)
    {
        await using var world = await TokenWorld.CreateAsync(backend: backend);
        var client = await world.RegisterClientAsync("Group.Read.All");
        await using var secondStore = await OpenSameDatabaseAsync(world.TestStore);
        using var secondNode = await TokenAuthority.OpenAsync(secondStore, world.TenantId, world.Clock);

        var token = world.Authority.Issuer.Issue(new AccessTokenSubject(client.App, client.App.ObjectId)).AccessToken;

        Assert.Equal(world.Authority.Keys.Current.Kid, secondNode.Keys.Current.Kid);
        Assert.Equal(["Group.Read.All"], secondNode.Validator.Validate(token).Caller?.Roles);
        Assert.True((await secondNode.Applications.AuthenticateAsync(client.App.AppId, client.Secret)).Succeeded);
    }

    [BackendTheory]
    public async Task nodes_starting_together_on_an_empty_database_agree_on_one_key(Backend backend)
    {
        await using var empty = await TestStores.OpenAsync(backend, TokenTables.All);
        var stores = new List<Storage.Store> { empty.Store };
        for (var i = 0; i < 3; i++) stores.Add(await OpenSameDatabaseAsync(empty));
        var tenantId = Guid.NewGuid().ToString();

        var nodes = await Task.WhenAll(stores.Select(store => Task.Run(() => TokenAuthority.OpenAsync(store, tenantId))));

        try
        {
            Assert.Single(nodes.Select(n => n.Keys.Current.Kid).Distinct());
            Assert.All(nodes, n => Assert.Single(n.Keys.All));
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
            foreach (var store in stores.Skip(1)) await store.DisposeAsync();
        }
    }

    private static Task<Storage.Store> OpenSameDatabaseAsync(TestStore store) =>
        Storage.Store.OpenAsync(store.Options, TokenTables.All);
}
