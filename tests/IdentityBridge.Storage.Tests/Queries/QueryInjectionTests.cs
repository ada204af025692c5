using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>
/// Query values and field names come from HTTP clients. Values must reach the database as data and LIKE patterns must
/// match their wildcard characters literally; names that are not fields must never reach SQL text.
/// </summary>
public sealed class QueryInjectionTests
{
    private const string DropTable = "'; DROP TABLE person; --";

    [BackendTheory]
    public async Task sql_in_a_value_is_stored_and_found_as_plain_text(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("mallory", ("title", DropTable));
        await people.AddPersonAsync("bobby", ("title", "Robert'); DROP TABLE person;--"));

        Assert.Equal(["mallory"], await people.UserNamesAsync("title=" + DropTable));
        Assert.Equal(["bobby", "mallory"], await people.UserNamesAsync("titleLIKEDROP TABLE"));
        Assert.Equal(["mallory"], await people.UserNamesAsync("titleIN" + DropTable + ",x"));
        Assert.Empty(await people.UserNamesAsync("title=' OR '1'='1"));
        Assert.Equal(2, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task quotes_and_backslashes_in_values_are_matched_as_written(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("obrien", ("title", "O'Brien \"Bob\""));
        await people.AddPersonAsync("windows", ("title", @"C:\Temp\new"));
        await people.AddPersonAsync("plain", ("title", "C:Temp new"));

        Assert.Equal(["obrien"], await people.UserNamesAsync("title=O'Brien \"Bob\""));
        Assert.Equal(["obrien"], await people.UserNamesAsync("titleLIKE'Brien \"B"));
        Assert.Equal(["windows"], await people.UserNamesAsync(@"title=C:\Temp\new"));
        Assert.Equal(["windows"], await people.UserNamesAsync(@"titleLIKE:\T"));
        Assert.Equal(["windows"], await people.UserNamesAsync(@"titleENDSWITH\new"));
        Assert.Equal(["windows"], await people.UserNamesAsync(@"titleLIKE\"));
    }

    [BackendTheory]
    public async Task like_with_percent_or_underscore_matches_them_literally(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("percent", ("title", "50% off"));
        await people.AddPersonAsync("digits", ("title", "500 off"));
        await people.AddPersonAsync("underscore", ("title", "a_b"));
        await people.AddPersonAsync("letters", ("title", "axb"));

        Assert.Equal(["percent"], await people.UserNamesAsync("titleLIKE50%"));
        Assert.Equal(["percent"], await people.UserNamesAsync("titleLIKE%"));
        Assert.Equal(["percent"], await people.UserNamesAsync("titleSTARTSWITH50%"));
        Assert.Equal(["underscore"], await people.UserNamesAsync("titleLIKEa_b"));
        Assert.Equal(["underscore"], await people.UserNamesAsync("titleENDSWITH_b"));
        Assert.Equal(["digits", "letters", "underscore"], await people.UserNamesAsync("titleNOT LIKE%"));
        Assert.Empty(await people.UserNamesAsync("titleSTARTSWITH_"));
    }

    [BackendTheory]
    public async Task sql_in_a_field_name_never_reaches_the_database(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        await people.AddPersonAsync("beth.anglin", ("title", "Engineering"));

        var inTerm = await people.QueryAsync("user_name\"; DROP TABLE person; --=x^title=Sales");
        var inOrder = await people.QueryAsync("title=Sales^ORDERBYtitle; DROP TABLE person; --");
        var built = await people.Store.QueryAsync(new RecordQuery
        {
            Table = people.Person,
            Query = EncodedQuery.Where("title\" = '' OR 1=1; DROP TABLE person; --", "x").And(new QueryCondition("title", QueryOperator.Equals, "Sales")),
            Fields = ["user_name", "title\" FROM person; DROP TABLE person; --", "manager.\"sys_id"],
        });

        Assert.Equal(["abel.tuter"], inTerm.Rows.Select(r => r["user_name"]));
        Assert.Single(inTerm.DroppedTerms);
        Assert.Equal(["abel.tuter"], inOrder.Rows.Select(r => r["user_name"]));
        Assert.Single(inOrder.DroppedTerms);
        Assert.Equal(["abel.tuter"], built.Rows.Select(r => r["user_name"]));
        Assert.Equal(["sys_id", "user_name"], built.Rows.Single().Values.Keys);
        Assert.Equal(2, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task sql_in_a_group_by_field_never_reaches_the_database(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("title", "Sales"));

        var (groups, dropped) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Empty,
            ["title", "state; DROP TABLE person; --"], invalidQueryReturnsNoRows: false);

        Assert.Equal(["state; DROP TABLE person; --"], dropped);
        Assert.Equal(1, groups.Single().Count);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task sql_in_values_written_is_stored_as_plain_text(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var mallory = await people.AddPersonAsync(DropTable, ("title", "x'); DELETE FROM person; --"),
            ("first_name", "%"), ("last_name", "_\\"));
        await people.UpdateAsync(people.Person, mallory.SysId, ("nickname", "' WHERE 1=1; --"));
        var read = await people.GetAsync(people.Person, mallory.SysId);

        Assert.Equal(DropTable, read!["user_name"]);
        Assert.Equal("x'); DELETE FROM person; --", read["title"]);
        Assert.Equal("' WHERE 1=1; --", read["nickname"]);
        Assert.Equal("% _\\", read["name"]);
        Assert.Equal(1, await people.CountPeopleAsync());
    }

    [BackendTheory]
    public async Task value_holding_a_nul_character_matches_nothing_and_its_negation_everything(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        await people.AddPersonAsync("beth.anglin");

        Assert.Empty(await people.UserNamesAsync("user_name=abel.tuter\0"));
        Assert.Empty(await people.UserNamesAsync("titleLIKE\0"));
        Assert.Empty(await people.UserNamesAsync("user_nameIN\0,x"));
        Assert.Empty(await people.UserNamesAsync("manager=Abel\0"));
        Assert.Equal(["abel.tuter", "beth.anglin"], await people.UserNamesAsync("title!=Sales\0"));
        Assert.Equal(["abel.tuter", "beth.anglin"], await people.UserNamesAsync("titleNOT LIKE\0"));
        Assert.Null(await people.Store.FindAsync(people.Person, "user_name", "abel.tuter\0"));
    }
}
