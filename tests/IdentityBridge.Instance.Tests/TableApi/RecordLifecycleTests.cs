namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>Create, read, update and delete through the Table API, as ServiceNow answers them (spec 1.1, 1.3).</summary>
public abstract class RecordLifecycleTests(RunningInstance instance)
{
    private InstanceClient Admin => instance.Admin;

    [BackendFact]
    public async Task created_user_answers_201_with_location_and_every_value_a_string()
    {
        var name = instance.NewScope() + "ada";

        var reply = await Admin.PostAsync("/api/now/table/sys_user",
            new { user_name = name, first_name = "Ada", last_name = "Lovelace", email = "ada@example.org", vip = true, failed_attempts = 2 });

        reply.ShouldBe(HttpStatusCode.Created);
        var result = reply.Result;
        var sysId = result.SysId()!;
        Assert.Matches("^[0-9a-f]{32}$", sysId);
        Assert.Equal($"{instance.BaseUrl}/api/now/table/sys_user/{sysId}", reply.Header("Location"));
        Assert.Equal(["result"], reply.Json.Names());
        Assert.All(result.EnumerateObject(), p => Assert.True(p.Value.ValueKind == JsonValueKind.String,
            $"{p.Name} is a {p.Value.ValueKind}, not a string"));
        Assert.Equal(name, result.Text("user_name"));
        Assert.Equal("true", result.Text("vip"));
        Assert.Equal("2", result.Text("failed_attempts"));
        Assert.Equal("true", result.Text("active"));
        Assert.Equal("", result.Text("manager"));
        Assert.Equal("0", result.Text("sys_mod_count"));
        Assert.Equal("admin", result.Text("sys_created_by"));
        Assert.Equal("2025-06-02 10:15:00", result.Text("sys_created_on"));
    }

    [BackendFact]
    public async Task record_reads_back_by_sys_id_with_the_values_written()
    {
        var name = instance.NewScope() + "grace";
        var created = await instance.CreateAsync("sys_user", new { user_name = name, first_name = "Grace", title = "Rear Admiral" });

        var reply = await Admin.GetAsync($"/api/now/table/sys_user/{created.SysId()}");

        reply.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(["result"], reply.Json.Names());
        Assert.Equal(JsonValueKind.Object, reply.Result.ValueKind);
        Assert.Equal(name, reply.Result.Text("user_name"));
        Assert.Equal("Rear Admiral", reply.Result.Text("title"));
        Assert.Equal(created.Names(), reply.Result.Names());
        var upperCase = await Admin.GetAsync($"/api/now/table/sys_user/{created.SysId().ToUpperInvariant()}");
        Assert.Equal(name, upperCase.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
    }

    [BackendFact]
    public async Task put_and_patch_update_the_record_and_answer_200_with_it()
    {
        var id = (await instance.CreateAsync("sys_user", new { user_name = instance.NewScope() + "alan", title = "Clerk" })).SysId();

        var put = await Admin.PutAsync($"/api/now/table/sys_user/{id}", new { title = "Mathematician" });
        var patch = await Admin.PatchAsync($"/api/now/table/sys_user/{id}", new { city = "Wilmslow" });

        Assert.Equal("Mathematician", put.ShouldBe(HttpStatusCode.OK).Result.Text("title"));
        Assert.Equal("1", put.Result.Text("sys_mod_count"));
        Assert.Equal("Wilmslow", patch.ShouldBe(HttpStatusCode.OK).Result.Text("city"));
        Assert.Equal("Mathematician", patch.Result.Text("title"));
        Assert.Equal("2", patch.Result.Text("sys_mod_count"));
        var read = (await Admin.GetAsync($"/api/now/table/sys_user/{id}")).ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal("Mathematician", read.Text("title"));
        Assert.Equal("Wilmslow", read.Text("city"));
    }

    [BackendFact]
    public async Task deleted_record_answers_204_and_then_404_with_servicenow_no_record_found()
    {
        var id = (await instance.CreateAsync("sys_user", new { user_name = instance.NewScope() + "gone" })).SysId();

        var delete = await Admin.DeleteAsync($"/api/now/table/sys_user/{id}");
        var read = await Admin.GetAsync($"/api/now/table/sys_user/{id}");

        delete.ShouldBe(HttpStatusCode.NoContent);
        Assert.Equal("", delete.Body);
        read.ShouldFailWith(HttpStatusCode.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    }

    [BackendFact]
    public async Task update_or_delete_of_a_missing_record_answers_404()
    {
        const string missing = "0123456789abcdef0123456789abcdef";

        var patch = await Admin.PatchAsync($"/api/now/table/sys_user/{missing}", new { title = "x" });
        var delete = await Admin.DeleteAsync($"/api/now/table/sys_user/{missing}");

        patch.ShouldFailWith(HttpStatusCode.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
        delete.ShouldFailWith(HttpStatusCode.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    }

    [BackendFact]
    public async Task group_and_membership_are_created_listed_and_removed()
    {
        var scope = instance.NewScope();
        var user = (await instance.CreateAsync("sys_user", new { user_name = scope + "member" })).SysId();
        var group = await Admin.PostAsync("/api/now/table/sys_user_group", new { name = scope + "Analysts", description = "Numbers" });
        var groupId = group.ShouldBe(HttpStatusCode.Created).Result.SysId();

        var membership = await Admin.PostAsync("/api/now/table/sys_user_grmember", new { user, group = groupId });
        membership.ShouldBe(HttpStatusCode.Created);
        var membershipId = membership.Result.SysId();
        Assert.Equal($"{instance.BaseUrl}/api/now/table/sys_user_grmember/{membershipId}", membership.Header("Location"));
        var userReference = membership.Result.GetProperty("user");
        Assert.Equal(["link", "value"], userReference.Names());
        Assert.Equal(user, userReference.Text("value"));
        Assert.Equal($"{instance.BaseUrl}/api/now/table/sys_user/{user}", userReference.Text("link"));

        var listed = await Admin.GetAsync($"/api/now/table/sys_user_grmember?sysparm_query=group={groupId}^user={user}");
        Assert.Equal([membershipId], listed.ShouldBe(HttpStatusCode.OK).Column("sys_id"));

        (await Admin.DeleteAsync($"/api/now/table/sys_user_grmember/{membershipId}")).ShouldBe(HttpStatusCode.NoContent);
        Assert.Empty((await Admin.GetAsync($"/api/now/table/sys_user_grmember?sysparm_query=group={groupId}")).ShouldBe(HttpStatusCode.OK).Rows);
        (await Admin.PatchAsync($"/api/now/table/sys_user_group/{groupId}", new { description = "Figures" })).ShouldBe(HttpStatusCode.OK);
        (await Admin.DeleteAsync($"/api/now/table/sys_user_group/{groupId}")).ShouldBe(HttpStatusCode.NoContent);
        (await Admin.GetAsync($"/api/now/table/sys_user_group/{groupId}")).ShouldBe(HttpStatusCode.NotFound);
    }

    [BackendFact]
    public async Task deleting_a_user_removes_their_memberships()
    {
        var scope = instance.NewScope();
        var user = (await instance.CreateAsync("sys_user", new { user_name = scope + "leaver" })).SysId();
        var group = (await instance.CreateAsync("sys_user_group", new { name = scope + "Team" })).SysId();
        await instance.CreateAsync("sys_user_grmember", new { user, group });

        (await Admin.DeleteAsync($"/api/now/table/sys_user/{user}")).ShouldBe(HttpStatusCode.NoContent);

        Assert.Empty((await Admin.GetAsync($"/api/now/table/sys_user_grmember?group={group}")).ShouldBe(HttpStatusCode.OK).Rows);
    }

    [BackendFact]
    public async Task versioned_paths_v1_and_v2_serve_the_same_table_api()
    {
        var name = instance.NewScope() + "versioned";

        var created = await Admin.PostAsync("/api/now/v2/table/sys_user", new { user_name = name });
        var id = created.ShouldBe(HttpStatusCode.Created).Result.SysId();
        var v1 = await Admin.GetAsync($"/api/now/v1/table/sys_user/{id}");
        var v2List = await Admin.GetAsync($"/api/now/v2/table/sys_user?user_name={name}");
        var v1Patch = await Admin.PatchAsync($"/api/now/v1/table/sys_user/{id}", new { title = "Versioned" });

        Assert.Equal(name, v1.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
        Assert.Equal([id], v2List.ShouldBe(HttpStatusCode.OK).Column("sys_id"));
        Assert.Equal("Versioned", v1Patch.ShouldBe(HttpStatusCode.OK).Result.Text("title"));
        (await Admin.DeleteAsync($"/api/now/v2/table/sys_user/{id}")).ShouldBe(HttpStatusCode.NoContent);
    }

    [BackendFact]
    public async Task head_answers_with_the_headers_of_a_get_and_no_body()
    {
        var name = instance.NewScope() + "headless";
        var id = (await instance.CreateAsync("sys_user", new { user_name = name })).SysId();

        var list = await Admin.HeadAsync($"/api/now/table/sys_user?user_name={name}");
        var one = await Admin.HeadAsync($"/api/now/table/sys_user/{id}");
        var missing = await Admin.HeadAsync("/api/now/table/sys_user/0123456789abcdef0123456789abcdef");

        list.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("", list.Body);
        Assert.Equal("1", list.Header("X-Total-Count"));
        Assert.NotNull(list.Header("Link"));
        Assert.StartsWith("application/json", list.Header("Content-Type"));
        one.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("", one.Body);
        missing.ShouldBe(HttpStatusCode.NotFound);
        Assert.Equal("", missing.Body);
    }

    [BackendFact]
    public async Task x_no_response_body_suppresses_the_body_of_writes_but_not_the_write()
    {
        var name = instance.NewScope() + "quiet";
        void Quiet(HttpRequestMessage request) => request.Headers.Add("X-no-response-body", "true");

        var created = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = name }, Quiet);
        created.ShouldBe(HttpStatusCode.Created);
        Assert.Equal("", created.Body);
        var location = created.Header("Location")!;
        var id = location[(location.LastIndexOf('/') + 1)..];
        var patched = await Admin.PatchAsync($"/api/now/table/sys_user/{id}", new { title = "Silent" }, Quiet);
        var put = await Admin.PutAsync($"/api/now/table/sys_user/{id}", new { city = "Quietville" }, Quiet);

        patched.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("", patched.Body);
        put.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("", put.Body);
        var read = (await Admin.GetAsync($"/api/now/table/sys_user/{id}")).ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal(name, read.Text("user_name"));
        Assert.Equal("Silent", read.Text("title"));
        Assert.Equal("Quietville", read.Text("city"));
    }

    [BackendFact]
    public async Task x_http_method_override_turns_a_post_into_the_named_method()
    {
        var id = (await instance.CreateAsync("sys_user", new { user_name = instance.NewScope() + "overridden" })).SysId();
        Action<HttpRequestMessage> Override(string method) => request => request.Headers.Add("X-HTTP-Method-Override", method);

        var plainPost = await Admin.PostAsync($"/api/now/table/sys_user/{id}", new { title = "Ignored" });
        var patch = await Admin.PostAsync($"/api/now/table/sys_user/{id}", new { title = "Patched" }, Override("PATCH"));
        var put = await Admin.PostAsync($"/api/now/table/sys_user/{id}", new { city = "Put" }, Override("PUT"));
        var delete = await Admin.PostAsync($"/api/now/table/sys_user/{id}", new { }, Override("DELETE"));

        plainPost.ShouldBe(HttpStatusCode.MethodNotAllowed);
        Assert.Equal("Patched", patch.ShouldBe(HttpStatusCode.OK).Result.Text("title"));
        Assert.Equal("Put", put.ShouldBe(HttpStatusCode.OK).Result.Text("city"));
        delete.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.GetAsync($"/api/now/table/sys_user/{id}")).ShouldBe(HttpStatusCode.NotFound);
    }

    [BackendFact]
    public async Task concurrent_inserts_all_succeed()
    {
        var scope = instance.NewScope();

        var replies = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(i => Admin.PostAsync("/api/now/table/sys_user", new { user_name = $"{scope}{i}" })));

        Assert.All(replies, reply => reply.ShouldBe(HttpStatusCode.Created));
        Assert.Equal(40, replies.Select(r => r.Result.SysId()).Distinct().Count());
        Assert.Equal(40, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{scope}"));
    }

    [BackendFact]
    public async Task concurrent_inserts_of_one_user_name_create_exactly_one_user()
    {
        var name = instance.NewScope() + "racer";

        var replies = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Admin.PostAsync("/api/now/table/sys_user", new { user_name = name })));

        Assert.Single(replies, reply => reply.Status == HttpStatusCode.Created);
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created),
            reply => reply.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed"));
        Assert.Equal(1, await instance.CountAsync("sys_user", $"user_name={name}"));
    }

    [BackendFact]
    public async Task department_is_created_updated_and_deleted_like_any_table()
    {
        var name = instance.NewScope() + "Finance";

        var created = await Admin.PostAsync("/api/now/table/cmn_department", new { name, code = "FIN" });
        var id = created.ShouldBe(HttpStatusCode.Created).Result.SysId();
        var updated = await Admin.PatchAsync($"/api/now/table/cmn_department/{id}", new { code = "FI" });
        var deleted = await Admin.DeleteAsync($"/api/now/table/cmn_department/{id}");

        Assert.Equal(name, created.Result.Text("name"));
        Assert.Equal("FI", updated.ShouldBe(HttpStatusCode.OK).Result.Text("code"));
        deleted.ShouldBe(HttpStatusCode.NoContent);
    }
}

public sealed class RecordLifecycleTestsOnSqlite(SqliteInstance instance) : RecordLifecycleTests(instance), IClassFixture<SqliteInstance>;

public sealed class RecordLifecycleTestsOnPostgres(PostgresInstance instance) : RecordLifecycleTests(instance), IClassFixture<PostgresInstance>;
