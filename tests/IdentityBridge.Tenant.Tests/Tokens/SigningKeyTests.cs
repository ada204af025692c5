using IdentityBridge.Tenant.Tokens;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>The signing key is made once and kept in the store, so a restart (or another node) signs alike.</summary>
public sealed class SigningKeyTests
{
    [Fact]
    public async Task signing_key_is_created_at_first_start_and_kept_across_restarts()
    {
        await using var world = await TokenWorld.CreateAsync();
        var app = await world.Authority.Applications.RegisterAsync("Provisioning", ["User.Read.All"]);
        var token = world.Authority.Issuer.Issue(new AccessTokenSubject(app, app.ObjectId)).AccessToken;
        var kid = world.Authority.Keys.Current.Kid;

        using var again = await TokenAuthority.OpenAsync(world.TestStore.Store, world.TenantId, world.Clock);

        Assert.Equal(kid, again.Keys.Current.Kid);
        Assert.Single(again.Keys.All);
        Assert.Equal(2048, again.Keys.Current.Rsa.KeySize);
        Assert.Matches("^[A-Za-z0-9_-]{27}$", kid);
        Assert.NotNull(again.Validator.Validate(token).Caller);
    }
}
