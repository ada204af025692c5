using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class UniqueKeyTests
{
    [BackendTheory]
    public async Task second_record_with_a_taken_unique_value_is_aborted_naming_the_column(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("title", "first"));

        var result = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"), ("title", "second"));

        Assert.Equal(WriteErrorKind.Aborted, result.Error?.Kind);
        Assert.Contains("user_name", result.Error!.Detail, StringComparison.Ordinal);
        Assert.Contains("abel.tuter", result.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(["first"], (await people.QueryAsync("")).Rows.Select(r => r["title"]));
    }

    [BackendTheory]
    public async Task unique_values_differing_only_in_case_collide(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("Abel");

        var result = await people.TryInsertAsync(people.Person, ("user_name", "abel"));

        Assert.Equal(WriteErrorKind.Aborted, result.Error?.Kind);
        Assert.Contains("user_name", result.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task update_onto_a_taken_unique_value_is_aborted_and_changes_nothing(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter");
        var beth = await people.AddPersonAsync("beth.anglin", ("title", "Account Manager"));

        var result = await people.TryUpdateAsync(people.Person, beth.SysId, ("user_name", "ABEL.TUTER"), ("title", "Impostor"));
        var read = await people.GetAsync(people.Person, beth.SysId);

        Assert.Equal(WriteErrorKind.Aborted, result.Error?.Kind);
        Assert.Contains("user_name", result.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal("beth.anglin", read!["user_name"]);
        Assert.Equal("Account Manager", read["title"]);
    }

    [BackendTheory]
    public async Task record_may_change_the_case_of_its_own_unique_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");

        var updated = await people.UpdateAsync(people.Person, abel.SysId, ("user_name", "Abel.Tuter"));

        Assert.Equal("Abel.Tuter", updated["user_name"]);
        Assert.Equal("1", updated["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task unique_value_is_free_again_once_its_record_is_deleted(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");
        await people.Store.DeleteAsync(people.Person, abel.SysId);

        var again = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"));

        Assert.True(again.Succeeded, again.Error?.Detail);
    }
}
