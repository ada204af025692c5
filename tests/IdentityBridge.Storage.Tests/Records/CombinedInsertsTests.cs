using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class CombinedInsertsTests
{
    [BackendTheory]
    public async Task concurrent_callers_each_get_their_own_row_committed_and_a_duplicate_is_refused_alone(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("taken.before");
        var inserts = new CombinedInserts(people.Store, people.Person, "admin", maxBatch: 16);

        // 100 callers at once, one of them asking for a user name that is taken: every other row is written, in
        // shared transactions, and each caller learns only its own outcome.
        var names = Enumerable.Range(0, 99).Select(i => $"user.{i:D3}").Append("TAKEN.BEFORE").ToList();
        var results = await Task.WhenAll(names.Select(name => Task.Run(() =>
            inserts.InsertAsync(People.Values(("user_name", name), ("logins", "1")), CancellationToken.None))));

        for (var i = 0; i < 99; i++) Assert.True(results[i].Succeeded, results[i].Error?.Detail);
        Assert.Equal(WriteErrorKind.Aborted, results[99].Error?.Kind);
        Assert.Equal(100, await people.CountPeopleAsync());
        var stored = await people.GetAsync(people.Person, results[42].Row!.SysId);
        Assert.Equal("user.042", stored!["user_name"]);
    }

    [BackendTheory]
    public async Task a_row_the_store_refuses_as_invalid_is_answered_as_such_and_the_next_insert_still_works(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var inserts = new CombinedInserts(people.Store, people.Person, "admin");

        var invalid = await inserts.InsertAsync(People.Values(("user_name", "carl.cool"), ("logins", "many")), CancellationToken.None);
        var valid = await inserts.InsertAsync(People.Values(("user_name", "dana.dee")), CancellationToken.None);

        Assert.Equal(WriteErrorKind.InvalidValue, invalid.Error?.Kind);
        Assert.True(valid.Succeeded, valid.Error?.Detail);
        Assert.Equal(["dana.dee"], await people.UserNamesAsync(""));
    }
}
