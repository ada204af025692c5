using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Tokens;

namespace IdentityBridge.Tenant.Tests.Tokens;

/// <summary>App registrations, their client secrets (hashed, with expiry) and their granted permissions.</summary>
public sealed class AppRegistrationTests : IAsyncLifetime
{
    private TokenWorld _world = null!;

    public async Task InitializeAsync() => _world = await TokenWorld.CreateAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private AppRegistrations Apps => _world.Authority.Applications;

    private static readonly string[] None = [];

    private static void AssertSame(AppRegistration expected, AppRegistration? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Permissions = None }, actual with { Permissions = None });
        Assert.Equal(expected.Permissions, actual.Permissions);
    }

    [Fact]
    public async Task new_secret_is_shaped_like_entras_and_shown_once()
    {
        var app = await Apps.RegisterAsync("Provisioning", ["User.Read.All"]);

        var added = await Apps.AddSecretAsync(app.AppId, "ci");

        Assert.NotNull(added);
        Assert.Matches("^[A-Za-z0-9]{3}8Q~[A-Za-z0-9._~-]{34}$", added.SecretText);
        Assert.Equal(added.SecretText[..3], added.Credential.Hint);
        Assert.Equal(TokenWorld.Start, added.Credential.StartDateTime);
        Assert.Equal(TokenWorld.Start + AppRegistrations.DefaultSecretLifetime, added.Credential.EndDateTime);
        var listed = Assert.Single(await Apps.SecretsAsync(app.AppId));
        Assert.Equal(added.Credential, listed);
        // The store holds a slow hash, never the value.
        var table = _world.TestStore.Store.Tables.Find(TokenTables.ClientSecret)!;
        var hash = await _world.TestStore.Store.GetPasswordHashAsync(table, Guid.Parse(listed.KeyId).ToString("N"), "hash");
        Assert.StartsWith("pbkdf2-sha256$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain(added.SecretText, hash!, StringComparison.Ordinal);
        var row = await _world.TestStore.Store.GetAsync(table, Guid.Parse(listed.KeyId).ToString("N"));
        Assert.Equal("********", row!["hash"]);
    }

    [Fact]
    public async Task right_secret_authenticates_and_wrong_one_is_refused()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");

        var ok = await Apps.AuthenticateAsync(client.App.AppId, client.Secret);
        var wrong = await Apps.AuthenticateAsync(client.App.AppId, client.Secret[..^1] + (client.Secret[^1] == 'a' ? 'b' : 'a'));
        var other = await Apps.AuthenticateAsync(client.App.AppId, "not-the-secret");

        Assert.True(ok.Succeeded);
        Assert.Equal(client.App.AppId, ok.Application!.AppId);
        Assert.Equal(ClientAuthenticationFailure.InvalidSecret, wrong.Failure);
        Assert.Equal(ClientAuthenticationFailure.InvalidSecret, other.Failure);
    }

    [Fact]
    public async Task secret_of_another_app_is_refused()
    {
        var first = await _world.RegisterClientAsync("User.Read.All");
        var second = await _world.RegisterClientAsync("User.Read.All");

        var result = await Apps.AuthenticateAsync(first.App.AppId, second.Secret);

        Assert.Equal(ClientAuthenticationFailure.InvalidSecret, result.Failure);
    }

    [Fact]
    public async Task unknown_application_is_told_apart()
    {
        Assert.Equal(ClientAuthenticationFailure.UnknownApplication,
            (await Apps.AuthenticateAsync(Guid.NewGuid().ToString(), "whatever-secret")).Failure);
        Assert.Equal(ClientAuthenticationFailure.UnknownApplication,
            (await Apps.AuthenticateAsync("not-a-guid", "whatever-secret")).Failure);
    }

    [Fact]
    public async Task expired_secret_is_refused_as_expired()
    {
        var app = await Apps.RegisterAsync("Provisioning", ["User.Read.All"]);
        var added = await Apps.AddSecretAsync(app.AppId, lifetime: TimeSpan.FromDays(1));

        _world.Clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.True((await Apps.AuthenticateAsync(app.AppId, added!.SecretText)).Succeeded);
        _world.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ClientAuthenticationFailure.ExpiredSecret, (await Apps.AuthenticateAsync(app.AppId, added.SecretText)).Failure);
    }

    [Fact]
    public async Task new_secret_works_beside_an_expired_one()
    {
        var app = await Apps.RegisterAsync("Provisioning", ["User.Read.All"]);
        var old = await Apps.AddSecretAsync(app.AppId, lifetime: TimeSpan.FromDays(1));
        _world.Clock.Advance(TimeSpan.FromDays(2));

        var fresh = await Apps.AddSecretAsync(app.AppId);

        Assert.True((await Apps.AuthenticateAsync(app.AppId, fresh!.SecretText)).Succeeded);
        Assert.Equal(ClientAuthenticationFailure.ExpiredSecret, (await Apps.AuthenticateAsync(app.AppId, old!.SecretText)).Failure);
        Assert.Equal(2, (await Apps.SecretsAsync(app.AppId)).Count);
    }

    [Fact]
    public async Task removed_secret_no_longer_authenticates()
    {
        var client = await _world.RegisterClientAsync("User.Read.All");
        var keyId = Assert.Single(await Apps.SecretsAsync(client.App.AppId)).KeyId;

        Assert.True(await Apps.RemoveSecretAsync(client.App.AppId, keyId));

        Assert.Equal(ClientAuthenticationFailure.InvalidSecret, (await Apps.AuthenticateAsync(client.App.AppId, client.Secret)).Failure);
    }

    [Fact]
    public async Task secret_lifetime_beyond_two_years_is_refused()
    {
        var app = await Apps.RegisterAsync("Provisioning", []);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Apps.AddSecretAsync(app.AppId, lifetime: TimeSpan.FromDays(800)));
        Assert.Null(await Apps.AddSecretAsync(Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task permissions_take_graphs_spelling_and_typos_are_refused()
    {
        var app = await Apps.RegisterAsync("Provisioning", ["user.read.all", "Group.Read.All", "USER.READ.ALL", " "]);

        Assert.Equal(["User.Read.All", "Group.Read.All"], app.Permissions);
        AssertSame(app, await Apps.FindAsync(app.AppId.ToUpperInvariant()));
        await Assert.ThrowsAsync<ArgumentException>(() => Apps.RegisterAsync("Bad", ["User Read All"]));
        Assert.True(await Apps.GrantAsync(app.AppId, ["Directory.ReadWrite.All"]));
        Assert.Equal(["Directory.ReadWrite.All"], (await Apps.FindAsync(app.AppId))!.Permissions);
    }

    [Fact]
    public async Task registration_keeps_a_given_app_id_and_survives_a_restart()
    {
        var appId = Guid.NewGuid().ToString();
        var app = await Apps.RegisterAsync("Imported", ["Group.Read.All"], appId: appId);
        var secret = await Apps.AddSecretAsync(appId);

        await _world.TestStore.ReopenAsync(TokenTables.All);
        var reopened = new AppRegistrations(_world.TestStore.Store, _world.Clock);

        Assert.Equal(appId, app.AppId);
        AssertSame(app, await reopened.FindAsync(appId));
        Assert.True((await reopened.AuthenticateAsync(appId, secret!.SecretText)).Succeeded);
        Assert.True(await reopened.DeleteAsync(appId));
        Assert.Equal(ClientAuthenticationFailure.UnknownApplication, (await reopened.AuthenticateAsync(appId, secret.SecretText)).Failure);
        var secrets = await _world.TestStore.Store.QueryAsync(new Storage.Records.RecordQuery
        {
            Table = _world.TestStore.Store.Tables.Find(TokenTables.ClientSecret)!,
        });
        Assert.Empty(secrets.Rows);
    }
}
