using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class UpdatingRecordsTests
{
    [BackendTheory]
    public async Task update_changes_only_the_given_fields(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("logins", "3"));

        await people.UpdateAsync(people.Person, abel.SysId, ("title", "Head of Sales"));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("Head of Sales", read!["title"]);
        Assert.Equal("3", read["logins"]);
        Assert.Equal("abel.tuter", read["user_name"]);
    }

    [BackendTheory]
    public async Task real_change_counts_a_modification_and_records_who_and_when(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        people.Clock.Advance(TimeSpan.FromMinutes(5));

        var returned = await people.Store.UpdateAsync(people.Person, abel.SysId, People.Values(("title", "Head of Sales")),
            new WriteOptions("provisioning.agent"));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("1", returned.Row!["sys_mod_count"]);
        Assert.Equal("1", read!["sys_mod_count"]);
        Assert.Equal("2025-03-14 09:31:53", read["sys_updated_on"]);
        Assert.Equal("provisioning.agent", read["sys_updated_by"]);
        Assert.Equal("2025-03-14 09:26:53", read["sys_created_on"]);
        Assert.Equal("admin", read["sys_created_by"]);
    }

    [BackendTheory]
    public async Task each_real_change_counts_once_more(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");

        await people.UpdateAsync(people.Person, abel.SysId, ("logins", "1"));
        await people.UpdateAsync(people.Person, abel.SysId, ("logins", "2"));
        await people.UpdateAsync(people.Person, abel.SysId, ("logins", "3"));

        Assert.Equal("3", (await people.GetAsync(people.Person, abel.SysId))!["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task update_that_changes_nothing_leaves_the_record_untouched(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("active", "true"), ("logins", "7"));
        people.Clock.Advance(TimeSpan.FromMinutes(5));

        // The same values written another way (a boolean as 1, a number with a space) and a field the table lacks.
        await people.UpdateAsync(people.Person, abel.SysId, ("title", "Sales"), ("active", "1"), ("logins", " 7"),
            ("no_such_field", "x"));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("0", read!["sys_mod_count"]);
        Assert.Equal("2025-03-14 09:26:53", read["sys_updated_on"]);
        Assert.Equal("admin", read["sys_updated_by"]);
    }

    [BackendTheory]
    public async Task empty_value_clears_a_field(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var sales = await people.AddDeptAsync("Sales");
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("logins", "7"),
            ("last_login", "2024-01-01 00:00:00"), ("department", sales.SysId), ("active", "true"));

        await people.UpdateAsync(people.Person, abel.SysId, ("title", ""), ("logins", ""), ("last_login", ""),
            ("department", ""), ("active", null));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Null(read!["title"]);
        Assert.Null(read["logins"]);
        Assert.Null(read["last_login"]);
        Assert.Null(read["department"]);
        Assert.Null(read["active"]);
        Assert.Equal("1", read["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task sys_id_in_the_values_does_not_move_the_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");
        var other = SysIds.New();

        await people.UpdateAsync(people.Person, abel.SysId, ("sys_id", other), ("title", "Sales"));

        Assert.Equal("Sales", (await people.GetAsync(people.Person, abel.SysId))!["title"]);
        Assert.Null(await people.GetAsync(people.Person, other));
    }

    [BackendTheory]
    public async Task updating_a_record_that_does_not_exist_is_not_found(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var result = await people.TryUpdateAsync(people.Person, SysIds.New(), ("title", "Sales"));

        Assert.Equal(WriteErrorKind.NotFound, result.Error?.Kind);
        Assert.Equal(0, await people.CountPeopleAsync());
    }
}
