using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class ReferenceWriteTests
{
    [BackendTheory]
    public async Task reference_given_as_a_sys_id_is_stored_as_that_sys_id(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        var beth = await people.AddPersonAsync("beth.anglin", ("manager", abel.SysId.ToUpperInvariant()));

        Assert.Equal(abel.SysId, beth["manager"]);
        Assert.Equal(abel.SysId, (await people.GetAsync(people.Person, beth.SysId))!["manager"]);
    }

    [BackendTheory]
    public async Task reference_given_as_a_display_value_with_input_display_value_is_resolved(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        var result = await people.Store.InsertAsync(people.Person,
            People.Values(("user_name", "beth.anglin"), ("manager", "Abel Tuter")), new WriteOptions("admin", InputDisplayValue: true));

        Assert.True(result.Succeeded, result.Error?.Detail);
        Assert.Equal(abel.SysId, result.Row!["manager"]);
    }

    [BackendTheory]
    public async Task reference_given_as_a_display_value_without_input_display_value_falls_back_to_it(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var sales = await people.AddDeptAsync("Sales");
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        // Display values match as names do on ServiceNow: whatever the case, around any spaces.
        var beth = await people.AddPersonAsync("beth.anglin", ("manager", "abel tuter"), ("department", " Sales "));

        Assert.Equal(abel.SysId, beth["manager"]);
        Assert.Equal(sales.SysId, beth["department"]);
    }

    [BackendTheory]
    public async Task reference_to_a_display_value_nobody_has_is_rejected(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        var insert = await people.TryInsertAsync(people.Person, ("user_name", "beth.anglin"), ("manager", "Nobody Here"));
        var withDisplayValue = await people.Store.InsertAsync(people.Person,
            People.Values(("user_name", "beth.anglin"), ("department", "Nowhere")), new WriteOptions("admin", InputDisplayValue: true));

        Assert.Equal(WriteErrorKind.InvalidValue, insert.Error?.Kind);
        Assert.Contains("person.manager", insert.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal(WriteErrorKind.InvalidValue, withDisplayValue.Error?.Kind);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task reference_can_be_changed_by_display_value_in_an_update(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddDeptAsync("Sales");
        var engineering = await people.AddDeptAsync("Engineering");
        var abel = await people.AddPersonAsync("abel.tuter", ("department", "Sales"));

        var updated = await people.UpdateAsync(people.Person, abel.SysId, ("department", "Engineering"));

        Assert.Equal(engineering.SysId, updated["department"]);
        Assert.Equal("1", updated["sys_mod_count"]);
    }
}
