using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class ConditionalUpdateTests
{
    private static readonly WriteOptions Worker = new("worker");

    [BackendTheory]
    public async Task a_conditional_update_writes_only_while_the_record_still_matches(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "free"));
        var whileFree = EncodedQuery.Parse("title=free^ORtitleISEMPTY");

        var first = await people.Store.UpdateIfAsync(people.Person, abel.SysId, whileFree,
            new Dictionary<string, string?> { ["title"] = "taken by one" }, Worker);
        var second = await people.Store.UpdateIfAsync(people.Person, abel.SysId, whileFree,
            new Dictionary<string, string?> { ["title"] = "taken by two" }, Worker);

        Assert.True(first.Succeeded);
        Assert.Equal(WriteErrorKind.NotFound, second.Error!.Kind);
        Assert.Equal("taken by one", (await people.GetAsync(people.Person, abel.SysId))!["title"]);
    }

    [BackendTheory]
    public async Task concurrent_conditional_updates_let_exactly_one_win(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var condition = EncodedQuery.Parse("titleISEMPTY");
        // Many rounds: a race between two writers shows only now and then.
        for (var round = 0; round < 25; round++)
        {
            var person = await people.AddPersonAsync("person" + round, ("title", ""));
            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => people.Store.UpdateIfAsync(people.Person,
                person.SysId, condition, new Dictionary<string, string?> { ["title"] = "owner " + i }, Worker))));
            Assert.Equal(1, results.Count(r => r.Succeeded));
        }
    }
}
