using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Tests.World;
using static IdentityBridge.Storage.Tests.World.Names;

namespace IdentityBridge.Storage.Tests.Queries;

public sealed class OrderingAndPagingTests
{
    [BackendTheory]
    public async Task orderby_sorts_ascending_and_orderbydesc_descending(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Beth, Charlie, Abel], await people.UserNamesInOrderAsync("loginsISNOTEMPTY^ORDERBYlogins"));
        Assert.Equal([Abel, Charlie, Beth], await people.UserNamesInOrderAsync("loginsISNOTEMPTY^ORDERBYDESClogins"));
        Assert.Equal([Beth, Charlie, Abel], await people.UserNamesInOrderAsync("last_loginISNOTEMPTY^ORDERBYlast_login"));
        Assert.Equal([Dana, Charlie, Beth, Abel], await people.UserNamesInOrderAsync("ORDERBYDESCuser_name"));
    }

    [BackendTheory]
    public async Task orderby_may_stand_anywhere_in_the_query(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Abel, Beth], await people.UserNamesInOrderAsync("ORDERBYDESClogins^active=true"));
        Assert.Equal([Beth, Abel], await people.UserNamesInOrderAsync("active=true^ORDERBYlogins"));
        Assert.Equal([Beth, Abel], await people.UserNamesInOrderAsync("active=true^ORDERBYlogins^NQlogins=9"));
    }

    [BackendTheory]
    public async Task later_orderby_terms_break_ties_of_earlier_ones(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        Assert.Equal([Charlie, Dana, Beth, Abel], await people.UserNamesInOrderAsync("ORDERBYDESCstate^ORDERBYlogins"));
        Assert.Equal([Charlie, Abel, Beth], await people.UserNamesInOrderAsync("departmentISNOTEMPTY^ORDERBYdepartment.name^ORDERBYuser_name"));
    }

    [BackendTheory]
    public async Task orderby_a_reference_sorts_by_the_display_value_it_points_to(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // Engineering before Sales, whatever order their sys_ids fall in.
        Assert.Equal([Charlie, Abel, Beth], await people.UserNamesInOrderAsync("departmentISNOTEMPTY^ORDERBYdepartment^ORDERBYuser_name"));
        Assert.Equal([Abel, Beth, Charlie], await people.UserNamesInOrderAsync("departmentISNOTEMPTY^ORDERBYDESCdepartment^ORDERBYuser_name"));
    }

    [BackendTheory]
    public async Task empty_values_sort_first_ascending_and_last_descending(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddCastAsync();

        // As on ServiceNow, and the same on every database.
        Assert.Equal([Dana, Beth, Charlie, Abel], await people.UserNamesInOrderAsync("ORDERBYlogins"));
        Assert.Equal([Abel, Charlie, Beth, Dana], await people.UserNamesInOrderAsync("ORDERBYDESClogins"));
    }

    [BackendTheory]
    public async Task orderby_sorts_text_whatever_its_case(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        await people.AddPersonAsync("p1", ("title", "bravo"));
        await people.AddPersonAsync("p2", ("title", "Charlie"));
        await people.AddPersonAsync("p3", ("title", "alpha"));
        await people.AddPersonAsync("p4", ("title", "Alpine"));

        Assert.Equal(["p3", "p4", "p1", "p2"], await people.UserNamesInOrderAsync("ORDERBYtitle"));
    }

    [BackendTheory]
    public async Task pages_of_a_sorted_list_hold_every_record_once_even_where_sort_values_repeat(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        string?[] logins = ["5", "7", "5", null, "9", "5", "7"];
        for (var i = 0; i < logins.Length; i++) await people.AddPersonAsync($"user{i}", ("logins", logins[i]));

        foreach (var query in new[] { "ORDERBYlogins", "ORDERBYDESClogins", "" })
        {
            var everything = await PageAsync(people, query, 0, 100);
            var pages = new List<string>();
            for (var offset = 0; offset < logins.Length; offset += 3)
            {
                var page = await PageAsync(people, query, offset, 3);
                Assert.Equal(page.Rows.Select(UserName), (await PageAsync(people, query, offset, 3)).Rows.Select(UserName));
                pages.AddRange(page.Rows.Select(UserName));
            }

            Assert.Equal(everything.Rows.Select(UserName), pages);
            Assert.Equal(logins.Length, pages.Distinct().Count());
        }
    }

    [BackendTheory]
    public async Task include_total_counts_every_match_not_only_the_page(Backend backend)
    {
        await using var people = await People.OpenAsync(backend);
        for (var i = 0; i < 7; i++) await people.AddPersonAsync($"user{i}", ("logins", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var first = await PageAsync(people, "logins>=2^ORDERBYlogins", 0, 2);
        var beyond = await PageAsync(people, "logins>=2", 10, 2);
        var uncounted = await people.Store.QueryAsync(new RecordQuery { Table = people.Person, Limit = 2 });

        Assert.Equal(["user2", "user3"], first.Rows.Select(UserName));
        Assert.Equal(5, first.Total);
        Assert.Empty(beyond.Rows);
        Assert.Equal(5, beyond.Total);
        Assert.Null(uncounted.Total);
    }

    private static string UserName(RecordRow row) => row["user_name"]!;

    private static Task<QueryResult> PageAsync(People people, string query, int offset, int limit) =>
        people.Store.QueryAsync(new RecordQuery
        {
            Table = people.Person,
            Query = EncodedQuery.Parse(query),
            Offset = offset,
            Limit = limit,
            IncludeTotal = true,
        });
}
