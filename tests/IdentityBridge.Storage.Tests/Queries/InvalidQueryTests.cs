using IdentityBridge.Storage.Tests.World;
using static IdentityBridge.Storage.Tests.World.Names;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>
/// ServiceNow drops the invalid part of a query and runs the rest, or, with
/// <c>glide.invalid_query.returns_no_rows</c>, returns nothing (spec/servicenow.md section 2).
/// </summary>
public sealed class InvalidQueryTests
{
    [BackendTheory]
    public async Task term_on_an_unknown_field_is_dropped_and_the_rest_still_applies(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var result = await people.QueryAsync("no_such_field=1^user_name=abel.tuter");

        Assert.Equal(["no_such_field=1"], result.DroppedTerms);
        Assert.Equal([Abel], result.Rows.Select(r => r["user_name"]));
    }

    [BackendTheory]
    public async Task terms_that_cannot_be_read_or_do_not_fit_the_field_are_dropped(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var result = await people.QueryAsync(
            "active=true^logins=many^Title=x^nonsense^last_login>someday^title.name=x^manager.no_such=x^manager=javascript:gs.getUserID()^ORDERBYno_such");

        Assert.Equal(
            ["Title=x", "nonsense", "manager=javascript:gs.getUserID()", "logins=many", "last_login>someday", "title.name=x",
                "manager.no_such=x", "ORDERBYno_such"],
            result.DroppedTerms);
        Assert.Equal([Abel, Beth], result.Rows.Select(r => r["user_name"]!).Order(StringComparer.Ordinal));
    }

    [BackendTheory]
    public async Task query_whose_only_term_is_invalid_returns_every_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync("no_such_field=1"));
        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync("logins>lots"));
    }

    [BackendTheory]
    public async Task invalid_or_alternative_is_dropped_from_its_clause(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth], await people.UserNamesAsync("user_name=beth.anglin^ORno_such_field=1"));
    }

    [BackendTheory]
    public async Task invalid_query_returns_no_rows_when_the_instance_says_so(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        var result = await people.QueryAsync("no_such_field=1^user_name=abel.tuter", invalidQueryReturnsNoRows: true);
        var valid = await people.QueryAsync("user_name=abel.tuter", invalidQueryReturnsNoRows: true);

        Assert.Empty(result.Rows);
        Assert.Equal(["no_such_field=1"], result.DroppedTerms);
        Assert.Equal([Abel], valid.Rows.Select(r => r["user_name"]));
    }

    [BackendTheory]
    public async Task empty_query_returns_every_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync(""));
        Assert.Equal([Abel, Beth, Charlie, Dana], await people.UserNamesAsync("^"));
        Assert.Empty((await people.QueryAsync("")).DroppedTerms);
    }

    [BackendTheory]
    public async Task find_whose_condition_cannot_apply_finds_nothing_rather_than_any_record(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // FindAsync looks up one record (a user signing in, a client by id): a dropped condition must not
        // turn it into "the first record".
        Assert.Null(await people.Store.FindAsync(people.Person, "logins", "many"));
        Assert.Null(await people.Store.FindAsync(people.Person, "no_such_field", "x"));
        Assert.Null(await people.Store.FindAsync(people.Person, "password", "s3cret"));
        Assert.Equal(Names.Beth, (await people.Store.FindAsync(people.Person, "logins", "9"))!["user_name"]);
    }
}
