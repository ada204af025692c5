namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>
/// Input built to break out of SQL or LIKE patterns changes nothing: each request gets the 4xx it deserves or an
/// ordinary, correctly filtered answer, never a 500, and no row appears or disappears.
/// </summary>
public abstract class HostileInputTests(RunningInstance instance)
{
    private InstanceClient Admin => instance.Admin;

    private static readonly string[] Injections =
    [
        "' OR 1=1 --",
        "\"; DROP TABLE sys_user; --",
        "'; DELETE FROM sys_user; --",
        "x') OR ('1'='1",
        "%",
        "_",
        "\\",
        "\\'",
        "%' OR user_name LIKE '%",
        "1; SELECT pg_sleep(10)",
        "\u0000",
        "a\u0000b",
    ];

    private static string Q(string value) => Uri.EscapeDataString(value);

    private static void NotAServerError(Reply reply, string what) =>
        Assert.True((int)reply.Status < 500, $"{what} answered {(int)reply.Status}: {reply.Body}");

    /// <summary>Runs the requests and checks that no user appeared or vanished meanwhile.</summary>
    private async Task UserCountUnchangedAsync(Func<Task> requests)
    {
        var before = await instance.CountAsync("sys_user");
        await requests();
        Assert.Equal(before, await instance.CountAsync("sys_user"));
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=1")).ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task sql_in_query_values_finds_only_what_it_literally_says()
    {
        var cast = await Cast.CreateAsync(instance);

        await UserCountUnchangedAsync(async () =>
        {
            foreach (var value in Injections)
                foreach (var op in new[] { "=", "!=", "LIKE", "STARTSWITH", "ENDSWITH", "IN", ">", "BETWEEN" })
                {
                    var query = $"user_nameSTARTSWITH{cast.Scope}^title{op}{value}";
                    var reply = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={Q(query)}");
                    NotAServerError(reply, query);
                    reply.ShouldBe(HttpStatusCode.OK);
                    if (op is "=" or "LIKE" or "STARTSWITH" or "ENDSWITH" or "IN")
                        Assert.True(reply.Rows.Count == 0, $"{query} found {reply.Body}");
                }
        });
    }

    [BackendFact]
    public async Task like_wildcards_and_backslash_in_values_match_themselves()
    {
        var scope = instance.NewScope();
        string[] titles = ["100% sure", "under_score", "back\\slash", "plain"];
        for (var i = 0; i < titles.Length; i++)
            await instance.CreateAsync("sys_user", new { user_name = scope + i, title = titles[i] });
        async Task<IReadOnlyList<string?>> Titles(string condition) =>
            (await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=title&sysparm_query={Q($"user_nameSTARTSWITH{scope}^{condition}")}"))
            .ShouldBe(HttpStatusCode.OK).Column("title");

        Assert.Equal(["100% sure"], await Titles("titleLIKE%"));
        Assert.Equal(["under_score"], await Titles("titleLIKE_"));
        Assert.Equal(["back\\slash"], await Titles("titleLIKE\\"));
        Assert.Equal(["100% sure"], await Titles("titleSTARTSWITH100%"));
        Assert.Equal(["under_score"], await Titles("titleENDSWITHr_score"));
        Assert.Equal(["back\\slash"], await Titles("title=back\\slash"));
        Assert.Equal(4, (await Titles("titleNOT LIKE%%")).Count);
    }

    [BackendFact]
    public async Task sql_in_field_names_of_queries_and_filters_is_dropped_as_an_invalid_term()
    {
        var cast = await Cast.CreateAsync(instance);
        string[] fields = ["user_name' OR '1'='1", "1=1; DROP TABLE sys_user; --", "sys_id\"", "title)", "manager.user_name--", "t.user_name"];

        await UserCountUnchangedAsync(async () =>
        {
            foreach (var field in fields)
            {
                var query = $"user_nameSTARTSWITH{cast.Scope}^first_name=Abel^{field}=x";
                var viaQuery = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={Q(query)}");
                var viaPair = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&department={cast.Sales}&{Q(field)}=x");
                Assert.Equal([cast.UserName("abel")], viaQuery.ShouldBe(HttpStatusCode.OK).Column("user_name"));
                Assert.Equal(2, viaPair.ShouldBe(HttpStatusCode.OK).Rows.Count);
            }
        });
    }

    [BackendFact]
    public async Task sql_in_fields_order_and_group_by_parameters_is_ignored()
    {
        var cast = await Cast.CreateAsync(instance);
        var scoped = Q($"user_nameSTARTSWITH{cast.Scope}");

        await UserCountUnchangedAsync(async () =>
        {
            foreach (var value in Injections.Append("user_name FROM sys_user; DROP TABLE sys_user; --"))
            {
                var fields = await Admin.GetAsync($"/api/now/table/sys_user/{cast.Abel}?sysparm_fields=user_name,{Q(value)}");
                var order = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={scoped}{Q("^ORDERBY" + value)}");
                var orderDesc = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={scoped}{Q("^ORDERBYDESC" + value)}");
                var sysparmOrder = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={scoped}&sysparm_order={Q(value)}&sysparm_order_by={Q(value)}");
                var groupBy = await Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_query={scoped}&sysparm_group_by={Q(value)}");

                Assert.Equal(["user_name"], fields.ShouldBe(HttpStatusCode.OK).Result.Names());
                Assert.Equal(4, order.ShouldBe(HttpStatusCode.OK).Rows.Count);
                Assert.Equal(4, orderDesc.ShouldBe(HttpStatusCode.OK).Rows.Count);
                Assert.Equal(4, sysparmOrder.ShouldBe(HttpStatusCode.OK).Rows.Count);
                NotAServerError(groupBy, "sysparm_group_by=" + value);
            }
        });
    }

    [BackendFact]
    public async Task sql_in_table_names_is_an_invalid_table()
    {
        string[] tables = ["sys_user' OR 1=1 --", "sys_user; DROP TABLE sys_user", "sys_user\"", "SYS_USER", "sys_user%", "sys_user_", "pg_catalog.pg_tables", "sqlite_master"];

        await UserCountUnchangedAsync(async () =>
        {
            foreach (var table in tables)
            {
                var list = await Admin.GetAsync($"/api/now/table/{Q(table)}");
                var stats = await Admin.GetAsync($"/api/now/stats/{Q(table)}?sysparm_count=true");
                var insert = await Admin.PostAsync($"/api/now/table/{Q(table)}", new { user_name = "x" });
                list.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table " + table, null);
                stats.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table " + table, null);
                insert.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table " + table, null);
            }
        });
    }

    [BackendFact]
    public async Task sql_in_the_sys_id_path_segment_finds_no_record()
    {
        await UserCountUnchangedAsync(async () =>
        {
            // Kestrel itself refuses a NUL in the path (see nul_characters_never_cause_a_server_error).
            foreach (var value in Injections.Where(v => !v.Contains('\u0000')).Append("0123456789abcdef0123456789abcde'"))
            {
                var path = $"/api/now/table/sys_user/{Q(value)}";
                (await Admin.GetAsync(path)).ShouldFailWith(HttpStatusCode.NotFound, "No Record found");
                (await Admin.PatchAsync(path, new { title = "x" })).ShouldFailWith(HttpStatusCode.NotFound, "No Record found");
                (await Admin.DeleteAsync(path)).ShouldFailWith(HttpStatusCode.NotFound, "No Record found");
            }
        });
    }

    [BackendFact]
    public async Task sql_in_json_keys_is_ignored_and_in_json_values_is_stored_verbatim()
    {
        var scope = instance.NewScope();
        var created = new List<string>();

        var before = await instance.CountAsync("sys_user");
        foreach (var (value, i) in Injections.Where(v => !v.Contains('\u0000')).Select((v, i) => (v, i)))
        {
            var values = new Dictionary<string, string>
            {
                ["user_name"] = $"{scope}{i}{value}",
                ["title"] = value,
                [value] = "key",
                ["title\" = 'x'; --"] = "key",
                ["sys_id"] = value,
            };
            var reply = await Admin.PostAsync("/api/now/table/sys_user", values);
            var result = reply.ShouldBe(HttpStatusCode.Created).Result;
            Assert.Equal(value, result.Text("title"));
            Assert.Equal($"{scope}{i}{value}", result.Text("user_name"));
            Assert.Matches("^[0-9a-f]{32}$", result.SysId());
            created.Add(result.SysId());

            var found = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=sys_id&sysparm_query={Q($"user_nameSTARTSWITH{scope}^title={value.Replace("^", "^^")}")}");
            Assert.Equal([result.SysId()], found.ShouldBe(HttpStatusCode.OK).Column("sys_id"));
        }

        Assert.Equal(before + created.Count, await instance.CountAsync("sys_user"));
    }

    [BackendFact]
    public async Task query_with_more_terms_than_a_database_takes_is_refused_with_400()
    {
        var cast = await Cast.CreateAsync(instance);
        static string Repeat(string term, string separator, int times) => string.Join(separator, Enumerable.Repeat(term, times));
        // Long queries would repeat four times over in the Link header, past what HttpClient reads (64 KiB).
        Task<Reply> Query(InstanceClient client, string query, string pairs = "") =>
            client.GetAsync($"/api/now/table/sys_user?sysparm_suppress_pagination_header=true&sysparm_fields=user_name&sysparm_query={Q(query)}{pairs}");
        var reader = instance.As(await instance.CreateUserAsync(cast.Scope + "reader"));

        var refused = new Dictionary<string, Reply>
        {
            ["and"] = await Query(instance.Admin, Repeat("user_name=x", "^", 3000)),
            ["or"] = await Query(instance.Admin, Repeat("user_name=x", "^OR", 3000)),
            ["nq"] = await Query(instance.Admin, Repeat("user_name=x", "^NQ", 3000)),
            ["orderby"] = await Query(instance.Admin, Repeat("ORDERBYuser_name", "^", 3000)),
            ["pairs times groups"] = await Query(instance.Admin, Repeat("user_name=x", "^NQ", 300), "&active=true&vip=false"),
            ["stats"] = await instance.Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_query={Q(Repeat("user_name=x", "^", 3000))}"),
        };
        var atTheBound = await Query(instance.Admin, $"user_nameSTARTSWITH{cast.Scope}^" + Repeat("first_name!=x", "^", 499));
        var atTheBoundWithAcl = await Query(reader, Repeat($"user_name={cast.Scope}reader", "^NQ", 500));
        var orderAtTheBound = await Query(instance.Admin, $"user_nameSTARTSWITH{cast.Scope}^" + Repeat("ORDERBYuser_name", "^", 100));

        Assert.All(refused, pair => pair.Value.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid query"));
        Assert.Equal(5, atTheBound.ShouldBe(HttpStatusCode.OK).Rows.Count);
        Assert.Equal([cast.Scope + "reader"], atTheBoundWithAcl.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal(5, orderAtTheBound.ShouldBe(HttpStatusCode.OK).Rows.Count);
    }

    [BackendFact]
    public async Task dot_walks_that_would_join_too_many_tables_are_left_out()
    {
        var cast = await Cast.CreateAsync(instance);
        var paths = Enumerable.Range(0, 48).Select(k => string.Concat(Enumerable.Repeat("manager.", k)) + "department.name").ToList();
        var references = Enumerable.Range(0, 48).Select(k => string.Concat(Enumerable.Repeat("manager.", k)) + "department").ToList();
        var query = $"user_name={cast.UserName("charlie")}^" + string.Join("^", paths.Select(p => p + "ANYTHING"));

        var fields = await instance.Admin.GetAsync($"/api/now/table/sys_user/{cast.Charlie}?sysparm_fields={string.Join(",", paths)}");
        var display = await instance.Admin.GetAsync($"/api/now/table/sys_user/{cast.Charlie}?sysparm_display_value=all&sysparm_fields={string.Join(",", references)}");
        var filtered = await instance.Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={Q(query)}");
        var ordered = await instance.Admin.GetAsync($"/api/now/table/sys_user?sysparm_fields=user_name&sysparm_query={Q($"user_nameSTARTSWITH{cast.Scope}^" + string.Join("^", paths.Select(p => "ORDERBY" + p)))}");
        var grouped = await instance.Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_display_value=true&sysparm_query={Q($"sys_id={cast.Charlie}")}&sysparm_group_by={string.Join(",", references.Where((_, i) => i % 3 == 0))}");

        var result = fields.ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal(cast.EngineeringName, result.Text("department.name"));
        Assert.Equal(cast.SalesName, result.Text("manager.department.name"));
        Assert.Equal(cast.SalesName, result.Text("manager.manager.department.name"));
        Assert.Equal(paths, result.Names());
        Assert.Equal(cast.EngineeringName, display.ShouldBe(HttpStatusCode.OK).Result.GetProperty("department").Text("display_value"));
        Assert.Equal([cast.UserName("charlie")], filtered.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal(4, ordered.ShouldBe(HttpStatusCode.OK).Rows.Count);
        Assert.Equal("1", Assert.Single(grouped.ShouldBe(HttpStatusCode.OK).Rows).GetProperty("stats").Text("count"));
    }

    [BackendFact]
    public async Task nul_characters_never_cause_a_server_error()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "nul");

        await UserCountUnchangedAsync(async () =>
        {
            var replies = new Dictionary<string, Reply>
            {
                ["query value"] = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Q("user_name=a\u0000b")}"),
                ["name=value"] = await Admin.GetAsync($"/api/now/table/sys_user?user_name={Q("a\u0000b")}"),
                ["stats query"] = await Admin.GetAsync($"/api/now/stats/sys_user?sysparm_count=true&sysparm_query={Q("titleLIKE\u0000")}"),
                ["json value"] = await Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { title = "a\u0000b" }),
                ["json key"] = await Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new Dictionary<string, string> { ["title\u0000"] = "x" }),
                ["basic user name"] = await instance.As("adm\u0000in", RunningInstance.AdminPassword).GetAsync("/api/now/table/sys_user?sysparm_limit=1"),
                ["basic password"] = await instance.As(user.UserName, "pass\u0000word").GetAsync("/api/now/table/sys_user?sysparm_limit=1"),
                ["table"] = await Admin.GetAsync($"/api/now/table/{Q("sys_user\u0000")}"),
                ["sys_id"] = await Admin.GetAsync($"/api/now/table/sys_user/{Q(user.SysId + "\u0000")}"),
            };

            Assert.All(replies, pair => NotAServerError(pair.Value, pair.Key));
            Assert.Empty(replies["query value"].ShouldBe(HttpStatusCode.OK).Rows);
            Assert.Empty(replies["name=value"].ShouldBe(HttpStatusCode.OK).Rows);
            Assert.Equal("0", replies["stats query"].ShouldBe(HttpStatusCode.OK).Result.GetProperty("stats").Text("count"));
            replies["json value"].ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: title");
            replies["json key"].ShouldBe(HttpStatusCode.OK);
            replies["basic user name"].ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated");
            replies["basic password"].ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated");
            // Kestrel refuses a NUL in the path before the instance sees the request.
            replies["table"].ShouldBe(HttpStatusCode.BadRequest);
            replies["sys_id"].ShouldBe(HttpStatusCode.BadRequest);
        });
    }
}

public sealed class HostileInputTestsOnSqlite(SqliteInstance instance) : HostileInputTests(instance), IClassFixture<SqliteInstance>;

public sealed class HostileInputTestsOnPostgres(PostgresInstance instance) : HostileInputTests(instance), IClassFixture<PostgresInstance>;
