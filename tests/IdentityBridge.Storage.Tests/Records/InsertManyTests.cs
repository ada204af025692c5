using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class InsertManyTests
{
    private static IReadOnlyDictionary<string, string?> Row(params (string Field, string? Value)[] values) => People.Values(values);

    [BackendTheory]
    public async Task batch_is_written_with_the_same_conversion_as_single_inserts(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var sales = await people.AddDeptAsync("Sales");

        var results = await people.Store.InsertManyAsync(people.Person,
        [
            Row(("user_name", "abel.tuter"), ("first_name", "Abel"), ("last_name", "Tuter"), ("logins", "3"), ("department", "Sales")),
            Row(("user_name", "beth.anglin"), ("active", "false"), ("password", "s3cret!")),
        ], People.Admin);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Detail));
        var abel = await people.GetAsync(people.Person, results[0].Row!.SysId);
        Assert.Equal("Abel Tuter", abel!["name"]);
        Assert.Equal("3", abel["logins"]);
        Assert.Equal("true", abel["active"]);
        Assert.Equal(sales.SysId, abel["department"]);
        Assert.Equal("0", abel["sys_mod_count"]);
        Assert.Equal("admin", abel["sys_created_by"]);
        var beth = await people.GetAsync(people.Person, results[1].Row!.SysId);
        Assert.Equal("false", beth!["active"]);
        Assert.NotEqual("s3cret!", await people.Store.GetPasswordHashAsync(people.Person, beth.SysId, "password"));
        Assert.Equal(2, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task duplicates_and_invalid_rows_are_refused_alone(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter");

        var results = await people.Store.InsertManyAsync(people.Person,
        [
            Row(("user_name", "ABEL.TUTER")),                    // taken before the batch
            Row(("user_name", "beth.anglin")),
            Row(("user_name", "beth.anglin")),                   // taken earlier in the batch
            Row(("user_name", "carl.cool"), ("logins", "many")), // not an integer
            Row(("user_name", "dana.dee")),
        ], People.Admin);

        Assert.Equal(WriteErrorKind.Aborted, results[0].Error?.Kind);
        Assert.Contains("user_name", results[0].Error!.Detail, StringComparison.Ordinal);
        Assert.True(results[1].Succeeded, results[1].Error?.Detail);
        Assert.Equal(WriteErrorKind.Aborted, results[2].Error?.Kind);
        Assert.Equal(WriteErrorKind.InvalidValue, results[3].Error?.Kind);
        Assert.True(results[4].Succeeded, results[4].Error?.Detail);
        Assert.Equal(["abel.tuter", "beth.anglin", "dana.dee"], (await people.UserNamesAsync("")).Order(StringComparer.Ordinal));
    }

    [BackendTheory]
    public async Task a_given_sys_id_is_kept_and_a_taken_one_is_refused(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        const string id = "0123456789abcdef0123456789abcdef";

        var first = await people.Store.InsertManyAsync(people.Person, [Row(("sys_id", id), ("user_name", "abel.tuter"))], People.Admin);
        var again = await people.Store.InsertManyAsync(people.Person, [Row(("sys_id", id), ("user_name", "other"))], People.Admin);

        Assert.Equal(id, first[0].Row!.SysId);
        Assert.Equal(WriteErrorKind.Aborted, again[0].Error?.Kind);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task a_large_batch_and_an_empty_one_leave_the_store_usable(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        Assert.Empty(await people.Store.InsertManyAsync(people.Person, [], People.Admin));
        var rows = Enumerable.Range(0, 2_500).Select(i => Row(("user_name", $"user{i:D5}"))).ToList();
        var results = await people.Store.InsertManyAsync(people.Person, rows, People.Admin);
        await people.AddPersonAsync("after.the.batch");

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Detail));
        Assert.Equal(2_501, await people.CountPeopleAsync());
    }
}
