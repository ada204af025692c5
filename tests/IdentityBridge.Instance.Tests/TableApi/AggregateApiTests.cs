namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary><c>/api/now/stats/{table}</c>: counts, optionally grouped (spec 1.6).</summary>
public abstract class AggregateApiTests(RunningInstance instance)
{
    private static string Q(string value) => Uri.EscapeDataString(value);

    [BackendFact]
    public async Task count_answers_the_number_of_matching_records_as_a_string()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await instance.Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}^active=true")}");

        Assert.Equal("""{"result":{"stats":{"count":"3"}}}""", reply.ShouldBe(HttpStatusCode.OK).Body);
    }

    [BackendFact]
    public async Task count_accepts_name_value_filters_and_versioned_paths()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await instance.Admin.GetAsync($"/api/now/v1/stats/sys_user?sysparm_count=true&department={cast.Sales}");

        Assert.Equal("2", reply.ShouldBe(HttpStatusCode.OK).Result.GetProperty("stats").Text("count"));
    }

    [BackendFact]
    public async Task group_by_answers_one_entry_per_group_with_its_count_and_key()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await instance.Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_group_by=department&sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}")}");

        var groups = reply.ShouldBe(HttpStatusCode.OK).Rows
            .ToDictionary(g => g.GetProperty("groupby_fields").EnumerateArray().Single().Text("value")!,
                g => g.GetProperty("stats").Text("count"));
        Assert.Equal(new Dictionary<string, string?> { [cast.Sales] = "2", [cast.Engineering] = "1", [""] = "1" }, groups);
        Assert.All(reply.Rows, g => Assert.Equal(["stats", "groupby_fields"], g.Names()));
        Assert.All(reply.Rows, g => Assert.Equal(["field", "value"], g.GetProperty("groupby_fields")[0].Names()));
        Assert.All(reply.Rows, g => Assert.Equal("department", g.GetProperty("groupby_fields")[0].Text("field")));
    }

    [BackendFact]
    public async Task group_by_with_display_values_names_each_group()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await instance.Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_group_by=department&sysparm_display_value=true&sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}^departmentISNOTEMPTY")}");

        var names = reply.ShouldBe(HttpStatusCode.OK).Rows
            .Select(g => g.GetProperty("groupby_fields")[0].Text("display_value")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([cast.EngineeringName, cast.SalesName], names);
    }

    [BackendFact]
    public async Task stats_of_an_unknown_table_is_an_invalid_table()
    {
        var reply = await instance.Admin.GetAsync("/api/now/stats/no_such_table?sysparm_count=true");

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table no_such_table", null);
    }
}

public sealed class AggregateApiTestsOnSqlite(SqliteInstance instance) : AggregateApiTests(instance), IClassFixture<SqliteInstance>;

public sealed class AggregateApiTestsOnPostgres(PostgresInstance instance) : AggregateApiTests(instance), IClassFixture<PostgresInstance>;
