using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class InsertingRecordsTests
{
    [BackendTheory]
    public async Task inserted_record_reads_back_with_every_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var dept = await people.AddDeptAsync("Sales");

        var inserted = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"),
            ("title", "Head of Sales"), ("active", "false"), ("logins", "42"), ("last_login", "2024-03-01 09:00:00"),
            ("department", dept.SysId), ("state", "active"));
        var read = await people.GetAsync(people.Person, inserted.SysId);

        Assert.NotNull(read);
        Assert.Equal("abel.tuter", read["user_name"]);
        Assert.Equal("Head of Sales", read["title"]);
        Assert.Equal("false", read["active"]);
        Assert.Equal("42", read["logins"]);
        Assert.Equal("2024-03-01 09:00:00", read["last_login"]);
        Assert.Equal(dept.SysId, read["department"]);
        Assert.Equal("active", read["state"]);
        Assert.Null(read["manager"]);
        Assert.Equal(inserted.Values, read.Values);
    }

    [BackendTheory]
    public async Task new_record_gets_a_sys_id_of_32_lowercase_hex_characters(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var first = await people.AddPersonAsync("abel.tuter");
        var second = await people.AddPersonAsync("beth.anglin");

        Assert.Matches("^[0-9a-f]{32}$", first.SysId);
        Assert.Matches("^[0-9a-f]{32}$", second.SysId);
        Assert.NotEqual(first.SysId, second.SysId);
    }

    [BackendTheory]
    public async Task audit_fields_record_when_and_by_whom_in_utc_wire_format(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var result = await people.Store.InsertAsync(people.Person, People.Values(("user_name", "abel.tuter")),
            new WriteOptions("provisioning.agent"));
        var read = await people.GetAsync(people.Person, result.Row!.SysId);

        Assert.Equal("2025-03-14 09:26:53", read!["sys_created_on"]);
        Assert.Equal("2025-03-14 09:26:53", read["sys_updated_on"]);
        Assert.Equal("provisioning.agent", read["sys_created_by"]);
        Assert.Equal("provisioning.agent", read["sys_updated_by"]);
        Assert.Equal("0", read["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task given_sys_id_is_kept_and_lowercased(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("sys_id", "A9E30C7DC61122760116894DE7BCC7BD"));

        Assert.Equal("a9e30c7dc61122760116894de7bcc7bd", inserted.SysId);
        Assert.NotNull(await people.GetAsync(people.Person, "a9e30c7dc61122760116894de7bcc7bd"));
    }

    [BackendTheory]
    public async Task given_value_that_is_not_a_sys_id_is_replaced_by_a_new_one(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("sys_id", "not-a-sys-id"));

        Assert.Matches("^[0-9a-f]{32}$", inserted.SysId);
    }

    [BackendTheory]
    public async Task insert_with_a_sys_id_already_taken_is_aborted(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var first = await people.AddPersonAsync("abel.tuter");

        var second = await people.TryInsertAsync(people.Person, ("sys_id", first.SysId), ("user_name", "beth.anglin"));

        Assert.Equal(WriteErrorKind.Aborted, second.Error?.Kind);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task audit_fields_given_by_the_client_are_ignored(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("sys_created_by", "mallory"),
            ("sys_created_on", "1999-01-01 00:00:00"), ("sys_mod_count", "99"), ("sys_updated_by", "mallory"));

        Assert.Equal("admin", inserted["sys_created_by"]);
        Assert.Equal("admin", inserted["sys_updated_by"]);
        Assert.Equal("2025-03-14 09:26:53", inserted["sys_created_on"]);
        Assert.Equal("0", inserted["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task unknown_fields_are_ignored(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("no_such_field", "x"), ("u_cost_center", "42"));
        var read = await people.GetAsync(people.Person, inserted.SysId);

        Assert.Equal("abel.tuter", read!["user_name"]);
        Assert.False(read.Values.ContainsKey("no_such_field"));
        Assert.False(read.Values.ContainsKey("u_cost_center"));
    }

    [BackendTheory]
    public async Task default_values_fill_fields_the_client_leaves_out(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter");

        Assert.Equal("true", (await people.GetAsync(people.Person, inserted.SysId))!["active"]);
    }

    [BackendTheory]
    public async Task empty_value_leaves_a_field_empty_even_over_its_default(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var inserted = await people.AddPersonAsync("abel.tuter", ("active", ""), ("title", ""));
        var read = await people.GetAsync(people.Person, inserted.SysId);

        Assert.Null(read!["active"]);
        Assert.Null(read["title"]);
    }

    [BackendTheory]
    public async Task deleted_record_is_gone_and_a_second_delete_finds_nothing(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");
        var beth = await people.AddPersonAsync("beth.anglin");

        var deleted = await people.Store.DeleteAsync(people.Person, abel.SysId);
        var again = await people.Store.DeleteAsync(people.Person, abel.SysId);

        Assert.True(deleted.Succeeded);
        Assert.Null(await people.GetAsync(people.Person, abel.SysId));
        Assert.NotNull(await people.GetAsync(people.Person, beth.SysId));
        Assert.Equal(WriteErrorKind.NotFound, again.Error?.Kind);
    }

    [BackendTheory]
    public async Task reading_a_sys_id_that_does_not_exist_returns_nothing(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter");

        Assert.Null(await people.GetAsync(people.Person, SysIds.New()));
        Assert.Null(await people.GetAsync(people.Person, "' OR '1'='1"));
    }
}
