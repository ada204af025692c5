using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Records;

public sealed class ValueValidationTests
{
    [BackendTheory]
    public async Task integer_that_is_not_a_number_is_rejected_and_nothing_is_stored(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var result = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"), ("logins", "twelve"));

        Assert.Equal(WriteErrorKind.InvalidValue, result.Error?.Kind);
        Assert.Contains("person.logins", result.Error!.Detail, StringComparison.Ordinal);
        Assert.Contains("twelve", result.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task boolean_other_than_true_or_false_is_rejected_and_nothing_is_stored(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var result = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"), ("active", "maybe"));

        Assert.Equal(WriteErrorKind.InvalidValue, result.Error?.Kind);
        Assert.Contains("person.active", result.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task date_that_is_not_a_date_is_rejected_and_nothing_is_stored(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var notADate = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"), ("last_login", "yesterday"));
        var noSuchDay = await people.TryInsertAsync(people.Person, ("user_name", "abel.tuter"), ("last_login", "2024-02-30 10:00:00"));

        Assert.Equal(WriteErrorKind.InvalidValue, notADate.Error?.Kind);
        Assert.Equal(WriteErrorKind.InvalidValue, noSuchDay.Error?.Kind);
        Assert.Contains("person.last_login", noSuchDay.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task date_given_in_another_zone_is_stored_in_utc_wire_format(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var abel = await people.AddPersonAsync("abel.tuter", ("last_login", "2024-02-01T10:00:00+02:00"));
        var beth = await people.AddPersonAsync("beth.anglin", ("last_login", "2024-02-01"));

        Assert.Equal("2024-02-01 08:00:00", (await people.GetAsync(people.Person, abel.SysId))!["last_login"]);
        Assert.Equal("2024-02-01 00:00:00", (await people.GetAsync(people.Person, beth.SysId))!["last_login"]);
    }

    [BackendTheory]
    public async Task invalid_value_in_an_update_leaves_every_field_as_it_was(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"), ("logins", "3"));

        var result = await people.TryUpdateAsync(people.Person, abel.SysId, ("title", "Head of Sales"), ("logins", "3.5"));
        var read = await people.GetAsync(people.Person, abel.SysId);

        Assert.Equal(WriteErrorKind.InvalidValue, result.Error?.Kind);
        Assert.Equal("Sales", read!["title"]);
        Assert.Equal("3", read["logins"]);
        Assert.Equal("0", read["sys_mod_count"]);
    }

    [BackendTheory]
    public async Task string_longer_than_its_column_is_rejected(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var tooLong = await people.TryInsertAsync(people.Person, ("user_name", new string('a', 41)));
        var longest = await people.TryInsertAsync(people.Person, ("user_name", new string('a', 40)));

        Assert.Equal(WriteErrorKind.InvalidValue, tooLong.Error?.Kind);
        Assert.Contains("person.user_name", tooLong.Error!.Detail, StringComparison.Ordinal);
        Assert.True(longest.Succeeded, longest.Error?.Detail);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task integers_keep_their_full_64_bit_range(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var big = await people.AddPersonAsync("abel.tuter", ("logins", "9223372036854775807"));
        var small = await people.AddPersonAsync("beth.anglin", ("logins", "-9223372036854775808"));
        var tooBig = await people.TryInsertAsync(people.Person, ("user_name", "charlie"), ("logins", "9223372036854775808"));

        Assert.Equal("9223372036854775807", (await people.GetAsync(people.Person, big.SysId))!["logins"]);
        Assert.Equal("-9223372036854775808", (await people.GetAsync(people.Person, small.SysId))!["logins"]);
        Assert.Equal(WriteErrorKind.InvalidValue, tooBig.Error?.Kind);
    }

    [BackendTheory]
    public async Task text_keeps_every_character_as_written(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        const string title = "  Zoë's \"R&D\" — 50% <b>ünïcödé</b> \\ 日本 ^ \t ";

        var abel = await people.AddPersonAsync("abel.tuter", ("title", title));

        Assert.Equal(title, (await people.GetAsync(people.Person, abel.SysId))!["title"]);
    }

    [BackendTheory]
    public async Task text_holding_a_nul_character_is_rejected_on_every_database(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"));

        // PostgreSQL cannot store U+0000 in text; SQLite can. Refusing it everywhere keeps the databases alike.
        var insert = await people.TryInsertAsync(people.Person, ("user_name", "beth\0anglin"));
        var update = await people.TryUpdateAsync(people.Person, abel.SysId, ("title", "Head\0of Sales"));
        var reference = await people.TryInsertAsync(people.Person, ("user_name", "charlie"), ("manager", "Abel\0"));

        Assert.Equal(WriteErrorKind.InvalidValue, insert.Error?.Kind);
        Assert.Contains("person.user_name", insert.Error!.Detail, StringComparison.Ordinal);
        Assert.Equal(WriteErrorKind.InvalidValue, update.Error?.Kind);
        Assert.Equal(WriteErrorKind.InvalidValue, reference.Error?.Kind);
        Assert.Equal("Sales", (await people.GetAsync(people.Person, abel.SysId))!["title"]);
        Assert.Equal(1, await people.CountPeopleAsync());
    }
}
