using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Schema;

/// <summary>
/// An admin adds a column by inserting a <c>sys_dictionary</c> row with a <c>u_</c> element and removes it by
/// deleting the row, as on ServiceNow.
/// </summary>
public sealed class CustomColumnTests
{
    [BackendTheory]
    public async Task dictionary_row_adds_a_column_usable_in_writes_and_queries(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter");

        await AddColumnAsync(people, "u_cost_center", "string", ("column_label", "Cost center"));
        var beth = await people.AddPersonAsync("beth.anglin", ("u_cost_center", "CC-42"));
        await people.UpdateAsync(people.Person, abel.SysId, ("u_cost_center", "CC-7"));

        Assert.True(people.Person.HasColumn("u_cost_center"));
        Assert.Equal("CC-42", (await people.GetAsync(people.Person, beth.SysId))!["u_cost_center"]);
        Assert.Equal(["beth.anglin"], await people.UserNamesAsync("u_cost_center=cc-42"));
        Assert.Equal(["abel.tuter", "beth.anglin"], await people.UserNamesAsync("u_cost_centerSTARTSWITHCC-"));
        Assert.Empty((await people.QueryAsync("u_cost_center=cc-42")).DroppedTerms);
    }

    [BackendTheory]
    public async Task custom_column_survives_reopening_the_store(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await AddColumnAsync(people, "u_cost_center", "string");
        await people.AddPersonAsync("beth.anglin", ("u_cost_center", "CC-42"));

        await people.Database.ReopenAsync(PeopleTables.All);

        Assert.True(people.Person.HasColumn("u_cost_center"));
        Assert.Equal(["beth.anglin"], await people.UserNamesAsync("u_cost_center=CC-42"));
        var erin = await people.AddPersonAsync("erin.lee", ("u_cost_center", "CC-43"));
        Assert.Equal("CC-43", erin["u_cost_center"]);
    }

    [BackendTheory]
    public async Task custom_column_of_another_type_checks_and_compares_its_values(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var sales = await people.AddDeptAsync("Sales");
        await AddColumnAsync(people, "u_badge", "integer");
        await AddColumnAsync(people, "u_home_dept", "reference", ("reference", "dept"));

        await people.AddPersonAsync("abel.tuter", ("u_badge", "100"), ("u_home_dept", "Sales"));
        await people.AddPersonAsync("beth.anglin", ("u_badge", "9"));
        var wrong = await people.TryInsertAsync(people.Person, ("user_name", "charlie"), ("u_badge", "abc"));

        Assert.Equal(WriteErrorKind.InvalidValue, wrong.Error?.Kind);
        Assert.Equal(["abel.tuter"], await people.UserNamesAsync("u_badge>10"));
        Assert.Equal(["abel.tuter"], await people.UserNamesAsync("u_home_dept=" + sales.SysId));
        Assert.Equal(["abel.tuter"], await people.UserNamesAsync("u_home_dept.name=sales"));
    }

    [BackendTheory]
    public async Task column_name_that_is_not_u_and_lowercase_is_refused(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        foreach (var element in new[] { "cost", "u_Bad", "u_x;drop", "u_x\" text", "u_", "u_cost center", "U_cost" })
        {
            var result = await people.Store.InsertAsync(people.Dictionary,
                People.Values(("name", "person"), ("element", element), ("internal_type", "string")), People.Admin);

            Assert.Equal(WriteErrorKind.InvalidValue, result.Error?.Kind);
            Assert.Contains("element", result.Error!.Detail, StringComparison.Ordinal);
        }
        Assert.Equal(PeopleTables.Person.Columns.Select(c => c.Name), people.Person.Columns.Select(c => c.Name));
        Assert.Equal(PeopleTables.Person.Columns.Count, (await DictionaryRowsAsync(people, "person")).Count);
    }

    [BackendTheory]
    public async Task dictionary_row_naming_no_table_or_no_type_is_refused(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var noTable = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "no_such_table"), ("element", "u_x"), ("internal_type", "string")), People.Admin);
        var noType = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "person"), ("element", "u_x"), ("internal_type", "blob")), People.Admin);
        var noTarget = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "person"), ("element", "u_x"), ("internal_type", "reference"), ("reference", "nowhere")), People.Admin);

        Assert.Equal(WriteErrorKind.InvalidValue, noTable.Error?.Kind);
        Assert.Equal(WriteErrorKind.InvalidValue, noType.Error?.Kind);
        Assert.Equal(WriteErrorKind.InvalidValue, noTarget.Error?.Kind);
        Assert.False(people.Person.HasColumn("u_x"));
    }

    [BackendTheory]
    public async Task refused_dictionary_row_leaves_the_table_unchanged_and_the_column_free_to_add(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var tooLongLabel = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "person"), ("element", "u_cost_center"), ("column_label", new string('x', 81))), People.Admin);

        Assert.Equal(WriteErrorKind.InvalidValue, tooLongLabel.Error?.Kind);
        Assert.False(people.Person.HasColumn("u_cost_center"));
        Assert.DoesNotContain("u_cost_center", await people.ColumnsInDatabaseAsync("person"));
        await people.Database.ReopenAsync(PeopleTables.All);
        await AddColumnAsync(people, "u_cost_center", "string", ("column_label", "Cost center"));
        Assert.True(people.Person.HasColumn("u_cost_center"));
    }

    [BackendTheory]
    public async Task column_that_exists_cannot_be_added_again(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await AddColumnAsync(people, "u_cost_center", "string");

        var again = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "person"), ("element", "u_cost_center"), ("internal_type", "integer")), People.Admin);
        var builtIn = await people.Store.InsertAsync(people.Dictionary,
            People.Values(("name", "person"), ("element", "title"), ("internal_type", "string")), People.Admin);

        Assert.Equal(WriteErrorKind.Aborted, again.Error?.Kind);
        Assert.Equal(WriteErrorKind.Aborted, builtIn.Error?.Kind);
        Assert.Equal(ColumnType.String, people.Person.Column("u_cost_center")!.Type);
    }

    [BackendTheory]
    public async Task deleting_the_dictionary_row_drops_the_column(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var row = await AddColumnAsync(people, "u_cost_center", "string");
        var beth = await people.AddPersonAsync("beth.anglin", ("u_cost_center", "CC-42"));

        var deleted = await people.Store.DeleteAsync(people.Dictionary, row.SysId);

        Assert.True(deleted.Succeeded, deleted.Error?.Detail);
        Assert.False(people.Person.HasColumn("u_cost_center"));
        Assert.DoesNotContain("u_cost_center", await people.ColumnsInDatabaseAsync("person"));
        Assert.False((await people.GetAsync(people.Person, beth.SysId))!.Values.ContainsKey("u_cost_center"));
        Assert.Equal(["u_cost_center=CC-42"], (await people.QueryAsync("u_cost_center=CC-42")).DroppedTerms);
        Assert.Empty(await DictionaryRowsAsync(people, "person", "u_cost_center"));

        await people.Database.ReopenAsync(PeopleTables.All);
        Assert.False(people.Person.HasColumn("u_cost_center"));
    }

    [BackendTheory]
    public async Task column_added_again_after_a_drop_starts_empty(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var row = await AddColumnAsync(people, "u_cost_center", "string");
        var beth = await people.AddPersonAsync("beth.anglin", ("u_cost_center", "CC-42"));
        await people.Store.DeleteAsync(people.Dictionary, row.SysId);

        await AddColumnAsync(people, "u_cost_center", "string");

        Assert.Null((await people.GetAsync(people.Person, beth.SysId))!["u_cost_center"]);
    }

    [BackendTheory]
    public async Task built_in_column_cannot_be_dropped(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var title = (await DictionaryRowsAsync(people, "person")).Single(r => r["element"] == "title");

        var result = await people.Store.DeleteAsync(people.Dictionary, title.SysId);

        Assert.Equal(WriteErrorKind.Aborted, result.Error?.Kind);
        Assert.True(people.Person.HasColumn("title"));
    }

    [BackendTheory]
    public async Task built_in_columns_are_listed_in_sys_dictionary(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var rows = (await DictionaryRowsAsync(people, "person")).ToDictionary(r => r["element"]!);

        Assert.Equal(PeopleTables.Person.Columns.Select(c => c.Name).Order(), rows.Keys.Order());
        Assert.Equal("reference", rows["manager"]["internal_type"]);
        Assert.Equal("person", rows["manager"]["reference"]);
        Assert.Equal("GUID", rows["sys_id"]["internal_type"]);
        Assert.Equal("glide_date_time", rows["sys_created_on"]["internal_type"]);
        Assert.Equal("password", rows["password"]["internal_type"]);
        Assert.Equal("40", rows["user_name"]["max_length"]);
        Assert.Equal("User ID", rows["user_name"]["column_label"]);
        Assert.Equal("true", rows["name"]["display"]);
        Assert.Equal("false", rows["user_name"]["display"]);
        Assert.Equal("true", rows["sys_id"]["read_only"]);
    }

    [BackendTheory]
    public async Task reopening_the_store_does_not_list_columns_twice(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await AddColumnAsync(people, "u_cost_center", "string");
        var before = await people.Store.CountAsync(people.Dictionary, EncodedQuery.Empty);

        await people.Database.ReopenAsync(PeopleTables.All);

        Assert.Equal(before, await people.Store.CountAsync(people.Dictionary, EncodedQuery.Empty));
        Assert.Single(await DictionaryRowsAsync(people, "person", "u_cost_center"));
    }

    private static async Task<RecordRow> AddColumnAsync(People people, string element, string type,
        params (string Field, string? Value)[] more)
    {
        var result = await people.Store.InsertAsync(people.Dictionary,
            People.Values([("name", "person"), ("element", element), ("internal_type", type), .. more]), People.Admin);
        Assert.True(result.Succeeded, result.Error?.Detail);
        return result.Row!;
    }

    private static async Task<IReadOnlyList<RecordRow>> DictionaryRowsAsync(People people, string table, string? element = null) =>
        (await people.Store.QueryAsync(new RecordQuery
        {
            Table = people.Dictionary,
            Query = EncodedQuery.Parse($"name={table}" + (element is null ? "" : $"^element={element}")),
        })).Rows;
}
