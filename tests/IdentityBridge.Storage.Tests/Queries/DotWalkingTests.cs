using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;
using static IdentityBridge.Storage.Tests.World.Names;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>Following references in conditions, fields and display values (<c>manager.user_name</c>).</summary>
public sealed class DotWalkingTests
{
    [BackendTheory]
    public async Task dot_walked_query_follows_manager_reference(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("manager.user_name=abel.tuter"));
        Assert.Equal([Abel, Beth], await people.UserNamesAsync("department.name=SALES"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("manager.titleLIKEsales^ORmanager.logins<10"));
    }

    [BackendTheory]
    public async Task dot_walked_query_follows_two_references(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Charlie], await people.UserNamesAsync("manager.manager.user_name=abel.tuter"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("manager.department.name=Sales"));
    }

    [BackendTheory]
    public async Task dot_walk_through_an_empty_reference_finds_an_empty_value(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Dana], await people.UserNamesAsync("manager.user_nameISEMPTY"));
        Assert.Equal([Abel, Charlie, Dana], await people.UserNamesAsync("manager.title!=Head of Sales"));
    }

    [BackendTheory]
    public async Task reference_compared_with_a_display_value_matches_the_record_it_names(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("manager=Abel Tuter"));
        Assert.Equal([Charlie], await people.UserNamesAsync("department=engineering"));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync("managerINAbel Tuter,Beth Anglin"));
        Assert.Equal([Abel, Charlie, Dana], await people.UserNamesAsync("manager!=Abel Tuter"));
        Assert.Equal([Beth], await people.UserNamesAsync("managerLIKEtuter"));
        Assert.Empty(await people.UserNamesAsync("department=No Such Department"));
    }

    [BackendTheory]
    public async Task reference_compared_with_a_sys_id_matches_whatever_its_case(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var cast = await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("manager=" + cast.Abel.SysId));
        Assert.Equal([Beth], await people.UserNamesAsync("manager=" + cast.Abel.SysId.ToUpperInvariant()));
        Assert.Equal([Beth, Charlie], await people.UserNamesAsync($"managerIN{cast.Abel.SysId},{cast.Beth.SysId}"));
    }

    [BackendTheory]
    public async Task fields_may_name_dot_walked_paths(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var charlie = (await people.Store.QueryAsync(new RecordQuery
        {
            Table = people.Person,
            Query = EncodedQuery.Parse("user_name=" + Charlie),
            Fields = ["user_name", "manager.user_name", "manager.manager.name", "department.name", "no_such_field", "manager.no_such_field"],
        })).Rows.Single();

        Assert.Equal(
            ["sys_id", "user_name", "manager.user_name", "manager.manager.name", "department.name"],
            charlie.Values.Keys);
        Assert.Equal(Beth, charlie["manager.user_name"]);
        Assert.Equal("Abel Tuter", charlie["manager.manager.name"]);
        Assert.Equal("Engineering", charlie["department.name"]);
    }

    [BackendTheory]
    public async Task display_values_give_the_name_of_each_referenced_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var cast = await people.AddCastAsync();

        var rows = (await people.Store.QueryAsync(new RecordQuery
        {
            Table = people.Person,
            Query = EncodedQuery.Parse("ORDERBYuser_name"),
            Fields = ["user_name", "manager", "department", "manager.department"],
            DisplayValues = true,
        })).Rows.ToDictionary(r => r["user_name"]!);

        Assert.Equal(cast.Abel.SysId, rows[Beth]["manager"]);
        Assert.Equal("Abel Tuter", rows[Beth].DisplayValues["manager"]);
        Assert.Equal("Sales", rows[Beth].DisplayValues["department"]);
        Assert.Equal("Sales", rows[Charlie].DisplayValues["manager.department"]);
        Assert.Equal("Beth Anglin", rows[Charlie].DisplayValues["manager"]);
        Assert.Null(rows[Abel].DisplayValues["manager"]);
        Assert.Null(rows[Dana].DisplayValues["department"]);
    }

    [BackendTheory]
    public async Task display_values_are_left_out_unless_asked_for(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var beth = await people.Store.FindAsync(people.Person, "user_name", Beth);

        Assert.Empty(beth!.DisplayValues);
    }
}
