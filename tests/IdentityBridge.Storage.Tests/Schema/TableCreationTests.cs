using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Storage.Tests.World;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Storage.Tests.Schema;

public sealed class TableCreationTests
{
    [BackendTheory]
    public async Task table_is_created_with_its_columns_and_the_audit_columns(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);

        var columns = await people.ColumnsInDatabaseAsync("person");

        Assert.Equal(PeopleTables.Person.Columns.Select(c => c.Name).Order(), columns.Order());
        Assert.Contains("sys_id", columns);
        Assert.Contains("sys_mod_count", columns);
        Assert.Equal(["code", "name", "sys_created_by", "sys_created_on", "sys_id", "sys_mod_count", "sys_updated_by", "sys_updated_on"],
            (await people.ColumnsInDatabaseAsync("dept")).Order());
    }

    [BackendTheory]
    public async Task reopening_with_the_same_tables_keeps_every_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var cast = await people.AddCastAsync();

        await people.Database.ReopenAsync(PeopleTables.All);

        Assert.Equal(4, await people.CountPeopleAsync());
        Assert.Equal(cast.Beth.Values, (await people.GetAsync(people.Person, cast.Beth.SysId))!.Values);
    }

    [BackendTheory]
    public async Task reopening_with_a_table_that_gained_a_column_adds_it_and_keeps_the_rows(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var abel = await people.AddPersonAsync("abel.tuter", ("title", "Sales"));
        var grown = new TableDefinition(PeopleTables.PersonTable, "Person", "name",
            PeopleTables.Person.Columns.Where(c => !TableDefinition.SystemColumns.Contains(c))
                .Append(ColumnDefinition.Integer("floor", "Floor", defaultValue: 3)),
            PeopleTables.Person.Indexes);

        await people.Database.ReopenAsync([PeopleTables.Dept, grown]);
        var beth = await people.AddPersonAsync("beth.anglin");

        Assert.Contains("floor", await people.ColumnsInDatabaseAsync("person"));
        Assert.Equal("Sales", (await people.GetAsync(people.Person, abel.SysId))!["title"]);
        Assert.Null((await people.GetAsync(people.Person, abel.SysId))!["floor"]);
        Assert.Equal("3", (await people.GetAsync(people.Person, beth.SysId))!["floor"]);
        Assert.Single(await people.UserNamesAsync("floor=3"));
    }

    [BackendTheory]
    public async Task each_test_store_starts_empty(Backend backend)
    {
        await using var first = await TestStores.OpenAsync(backend, PeopleTables.All);
        await using var second = await TestStores.OpenAsync(backend, PeopleTables.All);
        await first.Store.InsertAsync(PeopleTables.Person, People.Values(("user_name", "abel.tuter")), People.Admin);

        Assert.Equal(1, await first.Store.CountAsync(PeopleTables.Person, EncodedQuery.Empty));
        Assert.Equal(0, await second.Store.CountAsync(PeopleTables.Person, EncodedQuery.Empty));
    }
}
