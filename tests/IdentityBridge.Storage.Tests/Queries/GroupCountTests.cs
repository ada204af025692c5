using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Tests.World;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>Counts grouped by fields, as the Aggregate API answers them.</summary>
public sealed class GroupCountTests
{
    [BackendTheory]
    public async Task count_per_value_of_a_field(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var (groups, dropped) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Empty, ["state"], false);

        Assert.Empty(dropped);
        Assert.Equal(
            [("active", 2L), ("new", 1L), ("retired", 1L)],
            groups.Select(g => (g.Keys.Single().Value!, g.Count)).Order());
    }

    [BackendTheory]
    public async Task count_per_reference_gives_the_display_value_of_each_group(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        var cast = await people.AddCastAsync();

        var (groups, _) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Empty, ["department"], false);
        var byValue = groups.ToDictionary(g => g.Keys.Single().Value ?? "", g => (g.Keys.Single().Display, g.Count));

        Assert.Equal(3, byValue.Count);
        Assert.Equal(("Sales", 2L), byValue[cast.Sales.SysId]);
        Assert.Equal(("Engineering", 1L), byValue[cast.Engineering.SysId]);
        Assert.Equal((null, 1L), byValue[""]);
    }

    [BackendTheory]
    public async Task count_follows_the_query_and_groups_by_several_fields(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();
        await people.AddPersonAsync("erin.lee", ("department", "Sales"), ("active", "false"));

        var (groups, _) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Parse("department.name=sales"),
            ["department.name", "active"], false);

        Assert.Equal(
            [("Sales", "false", 1L), ("Sales", "true", 2L)],
            groups.Select(g => (g.Keys[0].Value!, g.Keys[1].Value!, g.Count)).Order());
    }

    [BackendTheory]
    public async Task count_without_group_fields_counts_every_match(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var (groups, _) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Parse("active=true"), [], false);

        Assert.Equal(2, groups.Single().Count);
    }

    [BackendTheory]
    public async Task unknown_or_password_group_field_is_dropped(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var (groups, dropped) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Empty,
            ["no_such_field", "password", "active"], false);

        Assert.Equal(["no_such_field", "password"], dropped);
        Assert.Equal([("", 1L), ("false", 1L), ("true", 2L)], groups.Select(g => (g.Keys.Single().Value ?? "", g.Count)).Order());
    }

    [BackendTheory]
    public async Task invalid_query_counts_nothing_when_the_instance_says_so(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var (none, dropped) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Parse("no_such_field=1"),
            ["state"], invalidQueryReturnsNoRows: true);
        var (all, _) = await people.Store.GroupCountAsync(people.Person, EncodedQuery.Parse("no_such_field=1"),
            ["state"], invalidQueryReturnsNoRows: false);

        Assert.Empty(none);
        Assert.Equal(["no_such_field=1"], dropped);
        Assert.Equal(4, all.Sum(g => g.Count));
    }
}
