using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>The <c>sysparm_*</c> parameters of spec 1.2 and the shapes of spec 1.3: fields, paging, display values.</summary>
public abstract partial class ListParameterTests(RunningInstance instance)
{
    private InstanceClient Admin => instance.Admin;

    private static string Q(string value) => Uri.EscapeDataString(value);

    [GeneratedRegex("<([^>]*)>;rel=\"([a-z]+)\"")]
    private static partial Regex LinkPart();

    /// <summary>The Link header as rel → the URL's sysparm_offset, after checking every URL keeps the other parameters.</summary>
    private Dictionary<string, int> Links(Reply reply, int limit, string query)
    {
        var header = reply.Header("Link");
        Assert.NotNull(header);
        var links = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in LinkPart().Matches(header))
        {
            var url = new Uri(match.Groups[1].Value);
            Assert.Equal($"{instance.BaseUrl}/api/now/table/sys_user", url.GetLeftPart(UriPartial.Path));
            var parameters = QueryHelpers.ParseQuery(url.Query);
            Assert.Equal(query, parameters["sysparm_query"].ToString());
            Assert.Equal(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters["sysparm_limit"].ToString());
            links[match.Groups[2].Value] = int.Parse(parameters["sysparm_offset"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return links;
    }

    [BackendFact]
    public async Task sysparm_fields_returns_only_the_fields_named_including_dot_walked_ones()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await Admin.GetAsync($"/api/now/table/sys_user/{cast.Beth}?sysparm_fields=user_name,manager.email,no_such_field,manager.no_such,title");

        var result = reply.ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal(["user_name", "manager.email", "title"], result.Names());
        Assert.Equal("abel@example.org", result.Text("manager.email"));
        Assert.Equal("Account Manager", result.Text("title"));
    }

    [BackendFact]
    public async Task sysparm_fields_applies_to_lists_and_to_writes()
    {
        var cast = await Cast.CreateAsync(instance);

        var list = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}^ORDERBYuser_name")}&sysparm_fields=user_name,department.name");
        var created = await Admin.PostAsync("/api/now/table/sys_user?sysparm_fields=sys_id,user_name", new { user_name = cast.Scope + "eve", title = "Hidden" });

        Assert.All(list.ShouldBe(HttpStatusCode.OK).Rows, row => Assert.Equal(["user_name", "department.name"], row.Names()));
        Assert.Equal([cast.SalesName, cast.SalesName, cast.EngineeringName, ""], list.Column("department.name"));
        Assert.Equal(["sys_id", "user_name"], created.ShouldBe(HttpStatusCode.Created).Result.Names());
    }

    [BackendFact]
    public async Task default_limit_is_ten_thousand()
    {
        var cast = await Cast.CreateAsync(instance);
        var query = $"user_nameSTARTSWITH{cast.Scope}";

        var reply = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q(query)}");

        Assert.Equal(4, reply.ShouldBe(HttpStatusCode.OK).Rows.Count);
        Assert.Equal(new Dictionary<string, int> { ["first"] = 0, ["prev"] = -10000, ["last"] = 0 }, Links(reply, 10000, query));
    }

    [BackendFact]
    public async Task pages_follow_offset_and_limit_with_link_and_total_count_headers()
    {
        var scope = instance.NewScope();
        foreach (var who in new[] { "a", "b", "c", "d", "e" }) await instance.CreateAsync("sys_user", new { user_name = scope + who });
        var query = $"user_nameSTARTSWITH{scope}^ORDERBYuser_name";
        Task<Reply> Page(int offset) => Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q(query)}&sysparm_limit=2&sysparm_offset={offset}&sysparm_fields=user_name");

        var first = await Page(0);
        var middle = await Page(2);
        var last = await Page(4);

        Assert.Equal([scope + "a", scope + "b"], first.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal([scope + "c", scope + "d"], middle.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal([scope + "e"], last.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.All(new[] { first, middle, last }, page => Assert.Equal("5", page.Header("X-Total-Count")));
        Assert.Equal(new Dictionary<string, int> { ["first"] = 0, ["prev"] = -2, ["next"] = 2, ["last"] = 4 }, Links(first, 2, query));
        Assert.Equal(new Dictionary<string, int> { ["first"] = 0, ["prev"] = 0, ["next"] = 4, ["last"] = 4 }, Links(middle, 2, query));
        Assert.Equal(new Dictionary<string, int> { ["first"] = 0, ["prev"] = 2, ["last"] = 4 }, Links(last, 2, query));
    }

    [BackendFact]
    public async Task offset_past_the_end_answers_an_empty_list()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}")}&sysparm_offset=50");

        Assert.Empty(reply.ShouldBe(HttpStatusCode.OK).Rows);
        Assert.Equal("{\"result\":[]}", reply.Body);
        Assert.Equal("4", reply.Header("X-Total-Count"));
    }

    [BackendFact]
    public async Task sysparm_no_count_leaves_out_the_total_and_the_last_link()
    {
        var cast = await Cast.CreateAsync(instance);
        var query = $"user_nameSTARTSWITH{cast.Scope}";

        var reply = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q(query)}&sysparm_limit=3&sysparm_no_count=true");

        Assert.Equal(3, reply.ShouldBe(HttpStatusCode.OK).Rows.Count);
        Assert.Null(reply.Header("X-Total-Count"));
        Assert.Equal(new Dictionary<string, int> { ["first"] = 0, ["prev"] = -3, ["next"] = 3 }, Links(reply, 3, query));
    }

    [BackendFact]
    public async Task sysparm_suppress_pagination_header_removes_the_link_header()
    {
        var cast = await Cast.CreateAsync(instance);

        var reply = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}")}&sysparm_limit=1&sysparm_suppress_pagination_header=true");

        Assert.Single(reply.ShouldBe(HttpStatusCode.OK).Rows);
        Assert.Null(reply.Header("Link"));
        Assert.Equal("4", reply.Header("X-Total-Count"));
    }

    [BackendFact]
    public async Task references_are_link_and_value_objects_by_default()
    {
        var cast = await Cast.CreateAsync(instance);

        var result = (await Admin.GetAsync($"/api/now/table/sys_user/{cast.Beth}?sysparm_fields=department,manager,title,location"))
            .ShouldBe(HttpStatusCode.OK).Result;

        Assert.Equal(JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["department"] = new { link = $"{instance.BaseUrl}/api/now/table/cmn_department/{cast.Sales}", value = cast.Sales },
            ["manager"] = new { link = $"{instance.BaseUrl}/api/now/table/sys_user/{cast.Abel}", value = cast.Abel },
            ["title"] = "Account Manager",
            ["location"] = "",
        }).GetRawText(), result.GetRawText());
    }

    [BackendFact]
    public async Task display_value_true_gives_display_values_and_links()
    {
        var cast = await Cast.CreateAsync(instance);

        var result = (await Admin.GetAsync($"/api/now/table/sys_user/{cast.Beth}?sysparm_fields=department,manager,title,active&sysparm_display_value=true"))
            .ShouldBe(HttpStatusCode.OK).Result;

        Assert.Equal(JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["department"] = new { display_value = cast.SalesName, link = $"{instance.BaseUrl}/api/now/table/cmn_department/{cast.Sales}" },
            ["manager"] = new { display_value = "Abel Tuter", link = $"{instance.BaseUrl}/api/now/table/sys_user/{cast.Abel}" },
            ["title"] = "Account Manager",
            ["active"] = "true",
        }).GetRawText(), result.GetRawText());
    }

    [BackendFact]
    public async Task display_value_all_gives_display_value_value_and_link()
    {
        var cast = await Cast.CreateAsync(instance);

        var result = (await Admin.GetAsync($"/api/now/table/sys_user/{cast.Beth}?sysparm_fields=department,title,location&sysparm_display_value=all"))
            .ShouldBe(HttpStatusCode.OK).Result;

        Assert.Equal(JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["department"] = new
            {
                display_value = cast.SalesName,
                value = cast.Sales,
                link = $"{instance.BaseUrl}/api/now/table/cmn_department/{cast.Sales}",
            },
            ["title"] = new { display_value = "Account Manager", value = "Account Manager" },
            ["location"] = new { display_value = "", value = "" },
        }).GetRawText(), result.GetRawText());
    }

    [BackendFact]
    public async Task exclude_reference_link_leaves_the_bare_value_or_display_value()
    {
        var cast = await Cast.CreateAsync(instance);
        async Task<JsonElement> Department(string display) =>
            (await Admin.GetAsync($"/api/now/table/sys_user/{cast.Beth}?sysparm_fields=department&sysparm_exclude_reference_link=true&sysparm_display_value={display}"))
            .ShouldBe(HttpStatusCode.OK).Result.GetProperty("department");

        var raw = await Department("false");
        var display = await Department("true");
        var all = await Department("all");

        Assert.Equal(cast.Sales, raw.GetString());
        Assert.Equal(cast.SalesName, display.GetString());
        Assert.Equal(["display_value", "value"], all.Names());
        Assert.Equal(cast.SalesName, all.Text("display_value"));
        Assert.Equal(cast.Sales, all.Text("value"));
    }

    [BackendFact]
    public async Task display_values_apply_to_lists_and_to_write_responses()
    {
        var cast = await Cast.CreateAsync(instance);

        var list = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}^managerISNOTEMPTY^ORDERBYuser_name")}&sysparm_fields=manager&sysparm_display_value=true&sysparm_exclude_reference_link=true");
        var patched = await Admin.PatchAsync($"/api/now/table/sys_user/{cast.Dana}?sysparm_display_value=true&sysparm_fields=manager", new { manager = cast.Charlie });

        Assert.Equal(["Abel Tuter", "Beth Anglin"], list.ShouldBe(HttpStatusCode.OK).Column("manager"));
        Assert.Equal("Charlie Charlie", patched.ShouldBe(HttpStatusCode.OK).Result.GetProperty("manager").Text("display_value"));
    }

    [BackendFact]
    public async Task input_display_value_writes_a_reference_by_its_display_value()
    {
        var cast = await Cast.CreateAsync(instance);
        // Display values are not unique across the tests sharing the instance; this one is.
        var mentor = await instance.CreateAsync("sys_user", new { user_name = cast.Scope + "mentor", first_name = "Mentor", last_name = cast.Scope.TrimEnd('.') });

        var created = await Admin.PostAsync("/api/now/table/sys_user?sysparm_input_display_value=true&sysparm_exclude_reference_link=true",
            new { user_name = cast.Scope + "eve", department = cast.EngineeringName, manager = "Mentor " + cast.Scope.TrimEnd('.') });
        var patched = await Admin.PatchAsync($"/api/now/table/sys_user/{created.Result.SysId()}?sysparm_input_display_value=true&sysparm_exclude_reference_link=true",
            new { department = cast.SalesName });

        Assert.Equal(cast.Engineering, created.ShouldBe(HttpStatusCode.Created).Result.Text("department"));
        Assert.Equal(mentor.SysId(), created.Result.Text("manager"));
        Assert.Equal(cast.Sales, patched.ShouldBe(HttpStatusCode.OK).Result.Text("department"));
    }

    [BackendFact]
    public async Task reference_to_a_display_value_that_matches_nothing_is_refused_and_nothing_is_written()
    {
        var scope = instance.NewScope();

        var reply = await Admin.PostAsync("/api/now/table/sys_user?sysparm_input_display_value=true",
            new { user_name = scope + "orphan", department = scope + "No Such Department" });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: department");
        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{scope}"));
    }
}

public sealed class ListParameterTestsOnSqlite(SqliteInstance instance) : ListParameterTests(instance), IClassFixture<SqliteInstance>;

public sealed class ListParameterTestsOnPostgres(PostgresInstance instance) : ListParameterTests(instance), IClassFixture<PostgresInstance>;
