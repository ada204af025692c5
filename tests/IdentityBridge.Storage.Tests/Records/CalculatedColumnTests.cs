using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class CalculatedColumnTests
{
    [BackendTheory]
    public async Task calculated_column_is_computed_on_insert(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        Assert.Equal("Abel Tuter", abel["name"]);
        Assert.Equal("Abel Tuter", (await people.GetAsync(people.Person, abel.SysId))!["name"]);
    }

    [BackendTheory]
    public async Task calculated_column_follows_an_update_of_what_it_is_computed_from(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        var returned = await people.UpdateAsync(people.Person, abel.SysId, ("last_name", "Tuter-Smith"));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("Abel Tuter-Smith", returned["name"]);
        Assert.Equal("Abel Tuter-Smith", read!["name"]);
        Assert.Single((await people.QueryAsync("name=abel tuter-smith")).Rows);
    }

    [BackendTheory]
    public async Task calculated_column_ignores_a_value_written_to_it(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"),
            ("name", "Somebody Else"));
        await people.UpdateAsync(people.Person, abel.SysId, ("name", "Somebody Else"));

        Assert.Equal("Abel Tuter", (await people.GetAsync(people.Person, abel.SysId))!["name"]);
    }

    [BackendTheory]
    public async Task calculated_column_is_empty_when_what_it_is_computed_from_is_cleared(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"));

        await people.UpdateAsync(people.Person, abel.SysId, ("first_name", ""));

        Assert.Null((await people.GetAsync(people.Person, abel.SysId))!["name"]);
    }
}
