using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Security;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class PasswordColumnTests
{
    [BackendTheory]
    public async Task password_is_stored_as_a_pbkdf2_hash_that_verifies(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("password", "Correct horse battery staple!"));

        var hash = await people.Store.GetPasswordHashAsync(people.Person, abel.SysId, "password");

        Assert.NotNull(hash);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain("Correct horse", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("Correct horse battery staple!", hash));
        Assert.False(PasswordHasher.Verify("correct horse battery staple!", hash));
    }

    [BackendTheory]
    public async Task ordinary_reads_show_a_mask_instead_of_the_password(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("password", "s3cret"));
        var read = await people.GetAsync(people.Person, inserted.SysId);
        var listed = (await people.QueryAsync("user_name=abel.tuter")).Rows.Single();

        Assert.Equal("********", inserted["password"]);
        Assert.Equal("********", read!["password"]);
        Assert.Equal("********", listed["password"]);
    }

    [BackendTheory]
    public async Task changed_password_verifies_and_the_old_one_no_longer_does(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("password", "old-password"));

        var updated = await people.UpdateAsync(people.Person, abel.SysId, ("password", "new-password"));
        var hash = await people.Store.GetPasswordHashAsync(people.Person, abel.SysId, "password");

        Assert.True(PasswordHasher.Verify("new-password", hash));
        Assert.False(PasswordHasher.Verify("old-password", hash));
        Assert.Equal("1", updated["sys_mod_count"]);
        Assert.Equal("********", updated["password"]);
    }

    [BackendTheory]
    public async Task query_on_a_password_is_dropped_and_never_compares_it(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("password", "s3cret"));
        await people.AddPersonAsync("beth.anglin", ("password", "other"));

        var equal = await people.QueryAsync("password=s3cret");
        var like = await people.QueryAsync("passwordSTARTSWITHpbkdf2^user_name=beth.anglin");

        Assert.Equal(["password=s3cret"], equal.DroppedTerms);
        Assert.Equal(2, equal.Rows.Count);
        Assert.Equal(["passwordSTARTSWITHpbkdf2"], like.DroppedTerms);
        Assert.Equal(["beth.anglin"], like.Rows.Select(r => r["user_name"]));
    }

    [BackendTheory]
    public async Task password_hash_of_another_column_is_not_given_out(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("password", "s3cret"));

        Assert.Null(await people.Store.GetPasswordHashAsync(people.Person, abel.SysId, "user_name"));
        Assert.Null(await people.Store.GetPasswordHashAsync(people.Person, abel.SysId, "no_such_column"));
    }
}
