using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class BatchWriteTests
{
    private static readonly WriteOptions Engine = new("provisioning.engine");

    private static BatchWrite.Upsert Upsert(TableDefinition table, string sysId, params (string Field, string? Value)[] values) =>
        new(table, People.Values([("sys_id", sysId), .. values]));

    [BackendTheory]
    public async Task upsert_inserts_a_record_that_does_not_exist_as_an_insert_would(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var id = SysIds.New();

        await people.Store.WriteBatchAsync(
            [Upsert(people.Person, id, ("user_name", "abel.tuter"), ("first_name", "Abel"), ("last_name", "Tuter"), ("logins", " 3"))],
            Engine);
        var abel = await people.GetAsync(people.Person, id);

        Assert.Equal("abel.tuter", abel!["user_name"]);
        Assert.Equal("Abel Tuter", abel["name"]);
        Assert.Equal("3", abel["logins"]);
        Assert.Equal("true", abel["active"]);
        Assert.Equal("0", abel["sys_mod_count"]);
        Assert.Equal("provisioning.engine", abel["sys_created_by"]);
        Assert.Equal("2025-03-14 09:26:53", abel["sys_created_on"]);
        Assert.Equal("2025-03-14 09:26:53", abel["sys_updated_on"]);
    }

    [BackendTheory]
    public async Task upsert_of_an_existing_record_updates_only_the_given_columns_and_counts_a_modification(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("logins", "3"), ("active", "false"));
        people.Clock.Advance(TimeSpan.FromMinutes(5));

        await people.Store.WriteBatchAsync([Upsert(people.Person, abel.SysId, ("title", "Head of Sales"))], Engine);
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("Head of Sales", read!["title"]);
        Assert.Equal("3", read["logins"]);
        Assert.Equal("false", read["active"]); // the default of a column not given is not applied again
        Assert.Equal("abel.tuter", read["user_name"]);
        Assert.Equal("1", read["sys_mod_count"]);
        Assert.Equal("2025-03-14 09:31:53", read["sys_updated_on"]);
        Assert.Equal("provisioning.engine", read["sys_updated_by"]);
        Assert.Equal("2025-03-14 09:26:53", read["sys_created_on"]);
        Assert.Equal("admin", read["sys_created_by"]);
    }

    [BackendTheory]
    public async Task upsert_that_changes_nothing_leaves_the_record_untouched_but_a_change_of_case_counts(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("active", "true"), ("logins", "7"));
        people.Clock.Advance(TimeSpan.FromMinutes(5));

        await people.Store.WriteBatchAsync(
            [Upsert(people.Person, abel.SysId, ("title", "Sales"), ("active", "1"), ("logins", " 7"), ("no_such_field", "x"))],
            Engine);
        var unchanged = await people.GetAsync(people.Person, abel.SysId);
        await people.Store.WriteBatchAsync([Upsert(people.Person, abel.SysId, ("title", "SALES"))], Engine);
        var changed = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal("0", unchanged!["sys_mod_count"]);
        Assert.Equal("admin", unchanged["sys_updated_by"]);
        Assert.Equal("SALES", changed!["title"]);
        Assert.Equal("1", changed["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task upsert_recalculates_a_calculated_column_from_the_record_as_it_is(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("first_name", "Abel"), ("last_name", "Tuter"));

        await people.Store.WriteBatchAsync([Upsert(people.Person, abel.SysId, ("last_name", "Tuter-Smith"))], Engine);

        Assert.Equal("Abel Tuter-Smith", (await people.GetAsync(people.Person, abel.SysId))!["name"]);
        Assert.Equal("Abel", (await people.GetAsync(people.Person, abel.SysId))!["first_name"]);
    }

    [BackendTheory]
    public async Task delete_and_delete_where_remove_records_and_a_missing_record_is_no_error(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        await people.AddPersonAsync("beth.anglin", ("title", "Sales"));
        await people.AddPersonAsync("carl.cool", ("title", "Engineer"));

        await people.Store.WriteBatchAsync(
        [
            new BatchWrite.Delete(people.Person, abel.SysId),
            new BatchWrite.Delete(people.Person, SysIds.New()),
            new BatchWrite.DeleteWhere(people.Person, EncodedQuery.Where("title", "sales")),
        ], Engine);

        Assert.Equal(["carl.cool"], await people.UserNamesAsync(""));
    }

    [BackendTheory]
    public async Task writes_to_several_tables_land_together_and_later_writes_see_earlier_ones(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var old = await people.AddDeptAsync("Old");
        var sales = SysIds.New();
        var abel = SysIds.New();

        await people.Store.WriteBatchAsync(
        [
            Upsert(people.Dept, sales, ("name", "Sales")),
            Upsert(people.Person, abel, ("user_name", "abel.tuter"), ("department", "Sales")), // by display value
            Upsert(people.Person, abel, ("title", "Head of Sales")),
            new BatchWrite.Delete(people.Dept, old.SysId),
        ], Engine);

        var read = await people.GetAsync(people.Person, abel);
        Assert.Equal(sales, read!["department"]);
        Assert.Equal("Head of Sales", read["title"]);
        Assert.Equal("1", read["sys_mod_count"]);
        Assert.Null(await people.GetAsync(people.Dept, old.SysId));
        Assert.NotNull(await people.GetAsync(people.Dept, sales));
    }

    [BackendTheory]
    public async Task an_invalid_value_refuses_the_whole_batch_and_names_the_write(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        var sales = SysIds.New();

        var refused = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
        [
            Upsert(people.Dept, sales, ("name", "Sales")),
            Upsert(people.Person, abel.SysId, ("title", "Head of Sales")),
            new BatchWrite.Delete(people.Person, abel.SysId),
            Upsert(people.Person, SysIds.New(), ("user_name", "beth.anglin"), ("logins", "many")),
        ], Engine));

        Assert.Equal(3, refused.Index);
        Assert.Equal(WriteErrorKind.InvalidValue, refused.Error.Kind);
        Assert.Contains("person.logins", refused.Message, StringComparison.Ordinal);
        Assert.Equal("Sales", (await people.GetAsync(people.Person, abel.SysId))!["title"]);
        Assert.Null(await people.GetAsync(people.Dept, sales));
        Assert.Equal(1, await people.CountPeopleAsync());
        await people.AddPersonAsync("after.the.batch"); // the write gate and the session were released
    }

    [BackendTheory]
    public async Task a_unique_key_broken_by_an_upsert_rolls_the_batch_back_and_names_the_key(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter");

        var refused = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
        [
            Upsert(people.Person, SysIds.New(), ("user_name", "beth.anglin")),
            Upsert(people.Person, SysIds.New(), ("user_name", "ABEL.TUTER")),
        ], Engine));

        Assert.Equal(1, refused.Index);
        Assert.Equal(WriteErrorKind.Aborted, refused.Error.Kind);
        Assert.Contains("user_name", refused.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(["abel.tuter"], await people.UserNamesAsync(""));
        await people.AddPersonAsync("after.the.batch");
    }

    [BackendTheory]
    public async Task a_unique_key_broken_deep_in_a_large_batch_names_that_write(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        // Departments have neither references nor calculated columns, so their statements travel together.
        var writes = Enumerable.Range(0, 1_200).Select(i => (BatchWrite)Upsert(people.Dept, SysIds.New(), ("name", $"dept{i:D4}"))).ToList();
        writes[777] = Upsert(people.Dept, SysIds.New(), ("name", "DEPT0010"));

        var refused = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(writes, Engine));

        Assert.Equal(777, refused.Index);
        Assert.Equal(WriteErrorKind.Aborted, refused.Error.Kind);
        Assert.Equal(0, await people.Store.CountAsync(people.Dept, EncodedQuery.Empty));
        await people.AddDeptAsync("after.the.batch");
    }

    [BackendTheory]
    public async Task writes_of_one_batch_apply_in_order(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var sales = SysIds.New();
        var support = SysIds.New();

        await people.Store.WriteBatchAsync(
        [
            Upsert(people.Dept, sales, ("name", "Sales"), ("code", "S")),
            new BatchWrite.Delete(people.Dept, sales),
            Upsert(people.Dept, sales, ("name", "Sales again")),
            Upsert(people.Dept, support, ("name", "Support"), ("code", "X")),
            new BatchWrite.DeleteWhere(people.Dept, EncodedQuery.Where("code", "X")),
            Upsert(people.Dept, SysIds.New(), ("name", "Support")), // the name is free again
        ], Engine);

        var sold = await people.GetAsync(people.Dept, sales);
        Assert.Equal("Sales again", sold!["name"]);
        Assert.Null(sold["code"]);
        Assert.Equal("0", sold["sys_mod_count"]);
        Assert.Null(await people.GetAsync(people.Dept, support));
        Assert.Equal(2, await people.Store.CountAsync(people.Dept, EncodedQuery.Empty));
    }

    [BackendTheory]
    public async Task malformed_keys_and_queries_are_refused_before_anything_is_deleted(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("title", "Sales"));

        var noSysId = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
            [new BatchWrite.Upsert(people.Person, People.Values(("user_name", "beth.anglin")))], Engine));
        var badSysId = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
            [new BatchWrite.Delete(people.Person, "abel.tuter")], Engine));
        // Dropping the invalid term would delete every salesperson.
        var badTerm = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
            [new BatchWrite.DeleteWhere(people.Person, EncodedQuery.Parse("title=Sales^no_such_field=x"))], Engine));
        var noCondition = await Assert.ThrowsAsync<BatchWriteException>(() => people.Store.WriteBatchAsync(
            [new BatchWrite.DeleteWhere(people.Person, EncodedQuery.Empty)], Engine));

        Assert.Contains("sys_id", noSysId.Message, StringComparison.Ordinal);
        Assert.Contains("abel.tuter", badSysId.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_field", badTerm.Message, StringComparison.Ordinal);
        Assert.Contains("no condition", noCondition.Message, StringComparison.Ordinal);
        Assert.Equal(["abel.tuter"], await people.UserNamesAsync(""));
    }

    [BackendTheory]
    public async Task dictionary_rows_are_not_written_in_batches(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        await Assert.ThrowsAsync<ArgumentException>(() => people.Store.WriteBatchAsync(
            [Upsert(people.Dictionary, SysIds.New(), ("name", "person"), ("element", "u_x"), ("internal_type", "string"))],
            Engine));
        await people.Store.WriteBatchAsync([], Engine);
    }

    [BackendTheory]
    public async Task a_batch_of_ten_thousand_plain_rows_is_written_and_written_again(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var ids = Enumerable.Range(0, 10_000).Select(_ => SysIds.New()).ToList();

        await people.Store.WriteBatchAsync(
            ids.Select((id, i) => (BatchWrite)Upsert(people.Dept, id, ("name", $"dept{i:D5}"), ("code", "A"))).ToList(), Engine);
        await people.Store.WriteBatchAsync(
            ids.Select((id, i) => (BatchWrite)Upsert(people.Dept, id, ("code", i % 2 == 0 ? "B" : "A"))).ToList(), Engine);

        Assert.Equal(10_000, await people.Store.CountAsync(people.Dept, EncodedQuery.Empty));
        Assert.Equal(5_000, await people.Store.CountAsync(people.Dept, EncodedQuery.Where("sys_mod_count", "1")));
        Assert.Equal("B", (await people.GetAsync(people.Dept, ids[0]))!["code"]);
    }

    [BackendTheory]
    public async Task a_batch_of_ten_thousand_rows_is_written_and_written_again(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var ids = Enumerable.Range(0, 10_000).Select(_ => SysIds.New()).ToList();

        await people.Store.WriteBatchAsync(
            ids.Select((id, i) => (BatchWrite)Upsert(people.Person, id, ("user_name", $"user{i:D5}"), ("logins", "0"))).ToList(),
            Engine);
        await people.Store.WriteBatchAsync(
            ids.Select((id, i) => (BatchWrite)Upsert(people.Person, id, ("logins", i % 2 == 0 ? "1" : "0"))).ToList(),
            Engine);

        Assert.Equal(10_000, await people.CountPeopleAsync());
        Assert.Equal(5_000, await people.Store.CountAsync(people.Person, EncodedQuery.Where("sys_mod_count", "1")));
        Assert.Equal("1", (await people.GetAsync(people.Person, ids[0]))!["logins"]);
        Assert.Equal("user09999", (await people.GetAsync(people.Person, ids[^1]))!["user_name"]);
    }
}
