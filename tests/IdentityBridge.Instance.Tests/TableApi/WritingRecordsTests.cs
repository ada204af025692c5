namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>What a write does to the values it is given (spec 1.1 platform notes, 3.2) and custom columns.</summary>
public abstract class WritingRecordsTests(RunningInstance instance)
{
    private InstanceClient Admin => instance.Admin;

    [BackendFact]
    public async Task unknown_fields_are_ignored()
    {
        var name = instance.NewScope() + "extra";

        var reply = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = name, no_such_field = "x", u_not_there = "y" });

        var result = reply.ShouldBe(HttpStatusCode.Created).Result;
        Assert.Equal(name, result.Text("user_name"));
        Assert.False(result.TryGetProperty("no_such_field", out _));
        Assert.False(result.TryGetProperty("u_not_there", out _));
    }

    [BackendFact]
    public async Task empty_string_and_null_clear_a_field()
    {
        var created = await instance.CreateAsync("sys_user", new
        {
            user_name = instance.NewScope() + "clear",
            title = "Temporary",
            city = "Oslo",
            employee_number = "42",
        });
        var id = created.SysId();
        var manager = (await instance.CreateAsync("sys_user", new { user_name = instance.NewScope() + "boss" })).SysId();
        await Admin.PatchAsync($"/api/now/table/sys_user/{id}", new { manager });

        var patched = await Admin.PatchAsync($"/api/now/table/sys_user/{id}",
            new Dictionary<string, string?> { ["title"] = "", ["city"] = null, ["manager"] = "" });

        var result = patched.ShouldBe(HttpStatusCode.OK).Result;
        Assert.Equal("", result.Text("title"));
        Assert.Equal("", result.Text("city"));
        Assert.Equal("", result.Text("manager"));
        Assert.Equal("42", result.Text("employee_number"));
        var count = await instance.CountAsync("sys_user", $"sys_id={id}^titleISEMPTY^cityISEMPTY^managerISEMPTY");
        Assert.Equal(1, count);
    }

    [BackendFact]
    public async Task name_is_computed_from_first_and_last_name_and_cannot_be_written()
    {
        var created = await Admin.PostAsync("/api/now/table/sys_user",
            new { user_name = instance.NewScope() + "named", first_name = "Ada", last_name = "Lovelace", name = "Someone Else" });
        var id = created.ShouldBe(HttpStatusCode.Created).Result.SysId();
        var renamed = await Admin.PatchAsync($"/api/now/table/sys_user/{id}", new { last_name = "King" });
        var firstOnly = await Admin.PatchAsync($"/api/now/table/sys_user/{id}", new { last_name = "" });

        Assert.Equal("Ada Lovelace", created.Result.Text("name"));
        Assert.Equal("Ada King", renamed.ShouldBe(HttpStatusCode.OK).Result.Text("name"));
        Assert.Equal("Ada", firstOnly.ShouldBe(HttpStatusCode.OK).Result.Text("name"));
    }

    [BackendFact]
    public async Task password_is_never_readable_and_the_user_signs_in_with_it()
    {
        var name = instance.NewScope() + "secret";
        const string password = "Correct-Horse-9";

        var created = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = name, user_password = password });
        var id = created.ShouldBe(HttpStatusCode.Created).Result.SysId();
        var read = await Admin.GetAsync($"/api/now/table/sys_user/{id}");
        var listed = await Admin.GetAsync($"/api/now/table/sys_user?user_name={name}&sysparm_fields=user_password");
        var all = await Admin.GetAsync($"/api/now/table/sys_user/{id}?sysparm_display_value=all&sysparm_fields=user_password");
        var byQuery = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Uri.EscapeDataString($"user_name={name}^user_passwordSTARTSWITHpbkdf")}&sysparm_fields=user_name");
        var asUser = await instance.As(name, password).GetAsync($"/api/now/table/sys_user/{id}");

        Assert.Equal("********", created.Result.Text("user_password"));
        Assert.Equal("********", read.ShouldBe(HttpStatusCode.OK).Result.Text("user_password"));
        Assert.Equal(["********"], listed.ShouldBe(HttpStatusCode.OK).Column("user_password"));
        Assert.Equal("********", all.ShouldBe(HttpStatusCode.OK).Result.GetProperty("user_password").Text("value"));
        Assert.DoesNotContain(password, created.Body + read.Body + listed.Body + all.Body);
        // A query term on the password is dropped rather than used to probe the hash.
        Assert.Equal([name], byQuery.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal(name, asUser.ShouldBe(HttpStatusCode.OK).Result.Text("user_name"));
        Assert.Equal("********", asUser.Result.Text("user_password"));
    }

    [BackendFact]
    public async Task changed_password_replaces_the_old_one()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "rotate");
        (await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);

        (await Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { user_password = "New-Password-2" })).ShouldBe(HttpStatusCode.OK);

        (await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.Unauthorized);
        (await instance.As(user.UserName, "New-Password-2").GetAsync($"/api/now/table/sys_user/{user.SysId}")).ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task duplicate_user_name_is_refused_with_operation_failed()
    {
        var name = instance.NewScope() + "twin";
        await instance.CreateAsync("sys_user", new { user_name = name });
        var other = (await instance.CreateAsync("sys_user", new { user_name = name + ".other" })).SysId();

        var again = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = name });
        var otherCase = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = name.ToUpperInvariant() });
        var renamed = await Admin.PatchAsync($"/api/now/table/sys_user/{other}", new { user_name = name });

        Assert.Contains(name, again.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed"));
        otherCase.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        renamed.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        Assert.Equal(2, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{name}"));
    }

    [BackendFact]
    public async Task duplicate_membership_is_refused_with_operation_failed()
    {
        var scope = instance.NewScope();
        var user = (await instance.CreateAsync("sys_user", new { user_name = scope + "joiner" })).SysId();
        var group = (await instance.CreateAsync("sys_user_group", new { name = scope + "Club" })).SysId();
        await instance.CreateAsync("sys_user_grmember", new { user, group });

        var again = await Admin.PostAsync("/api/now/table/sys_user_grmember", new { user, group });

        again.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        Assert.Equal(1, await instance.CountAsync("sys_user_grmember", $"group={group}"));
    }

    [BackendFact]
    public async Task membership_without_user_or_group_is_refused()
    {
        var group = (await instance.CreateAsync("sys_user_group", new { name = instance.NewScope() + "Lonely" })).SysId();

        var reply = await Admin.PostAsync("/api/now/table/sys_user_grmember", new { group });

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: user, group");
    }

    [BackendFact]
    public async Task value_objects_and_json_scalars_are_written_as_strings()
    {
        var reply = await Admin.PostAsync("/api/now/table/sys_user", new Dictionary<string, object?>
        {
            ["user_name"] = new { value = instance.NewScope() + "scalar" },
            ["vip"] = true,
            ["failed_attempts"] = 7,
            ["title"] = null,
        });

        var result = reply.ShouldBe(HttpStatusCode.Created).Result;
        Assert.EndsWith("scalar", result.Text("user_name"));
        Assert.Equal("true", result.Text("vip"));
        Assert.Equal("7", result.Text("failed_attempts"));
        Assert.Equal("", result.Text("title"));
    }

    [BackendFact]
    public async Task only_the_first_record_of_an_array_is_written()
    {
        var scope = instance.NewScope();

        var reply = await Admin.PostAsync("/api/now/table/sys_user", new[] { new { user_name = scope + "first" }, new { user_name = scope + "second" } });

        Assert.Equal(scope + "first", reply.ShouldBe(HttpStatusCode.Created).Result.Text("user_name"));
        Assert.Equal(1, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{scope}"));
    }

    [BackendFact]
    public async Task value_that_does_not_fit_its_column_is_refused_with_400()
    {
        var scope = instance.NewScope();

        var notBoolean = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = scope + "a", vip = "maybe" });
        var notInteger = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = scope + "b", failed_attempts = "many" });
        var tooLong = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = scope + "c", country = "FRANCE" });

        notBoolean.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: vip");
        notInteger.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: failed_attempts");
        tooLong.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: country");
        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{scope}"));
    }

    [BackendFact]
    public async Task deactivating_a_user_locks_the_account_and_reactivating_unlocks_it()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "leaving");

        var off = await Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { active = "false" });
        var refused = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");
        var on = await Admin.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { active = "true" });
        var accepted = await instance.As(user).GetAsync($"/api/now/table/sys_user/{user.SysId}");

        Assert.Equal("true", off.ShouldBe(HttpStatusCode.OK).Result.Text("locked_out"));
        refused.ShouldBe(HttpStatusCode.Unauthorized);
        Assert.Equal("false", on.ShouldBe(HttpStatusCode.OK).Result.Text("locked_out"));
        accepted.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task custom_column_added_through_sys_dictionary_is_written_and_queried()
    {
        var scope = instance.NewScope();

        var column = await Admin.PostAsync("/api/now/table/sys_dictionary",
            new { name = "sys_user", element = "u_badge", internal_type = "string", column_label = "Badge" });
        var created = await Admin.PostAsync("/api/now/table/sys_user", new { user_name = scope + "badged", u_badge = "B-1024" });
        await instance.CreateAsync("sys_user", new { user_name = scope + "plain" });
        var found = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Uri.EscapeDataString($"user_nameSTARTSWITH{scope}^u_badge=B-1024")}&sysparm_fields=user_name,u_badge");
        var patched = await Admin.PatchAsync($"/api/now/table/sys_user/{created.Result.SysId()}", new { u_badge = "B-2048" });
        var dictionary = await Admin.GetAsync("/api/now/table/sys_dictionary?sysparm_query=name=sys_user^element=u_badge&sysparm_fields=internal_type,column_label");

        column.ShouldBe(HttpStatusCode.Created);
        Assert.Equal("B-1024", created.ShouldBe(HttpStatusCode.Created).Result.Text("u_badge"));
        Assert.Equal([scope + "badged"], found.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal(["B-1024"], found.Column("u_badge"));
        Assert.Equal("B-2048", patched.ShouldBe(HttpStatusCode.OK).Result.Text("u_badge"));
        Assert.Equal(["string"], dictionary.ShouldBe(HttpStatusCode.OK).Column("internal_type"));
        Assert.Equal(["Badge"], dictionary.Column("column_label"));
    }

    [BackendFact]
    public async Task custom_column_is_removed_with_its_dictionary_entry_and_built_in_ones_stay()
    {
        var scope = instance.NewScope();
        var entry = (await instance.CreateAsync("sys_dictionary", new { name = "sys_user", element = "u_temporary", internal_type = "integer" })).SysId();
        var user = (await instance.CreateAsync("sys_user", new { user_name = scope + "temp", u_temporary = "7" })).SysId();
        Assert.Equal("7", (await Admin.GetAsync($"/api/now/table/sys_user/{user}")).ShouldBe(HttpStatusCode.OK).Result.Text("u_temporary"));
        var builtIn = (await Admin.GetAsync("/api/now/table/sys_dictionary?sysparm_query=name=sys_user^element=user_name&sysparm_fields=sys_id"))
            .ShouldBe(HttpStatusCode.OK).Rows.Single().SysId();

        var removed = await Admin.DeleteAsync($"/api/now/table/sys_dictionary/{entry}");
        var refused = await Admin.DeleteAsync($"/api/now/table/sys_dictionary/{builtIn}");
        var read = await Admin.GetAsync($"/api/now/table/sys_user/{user}");
        var queried = await Admin.GetAsync($"/api/now/table/sys_user?sysparm_query={Uri.EscapeDataString($"user_nameSTARTSWITH{scope}^u_temporary=7")}&sysparm_fields=user_name,u_temporary");
        var written = await Admin.PatchAsync($"/api/now/table/sys_user/{user}", new { u_temporary = "8", title = "Still here" });

        removed.ShouldBe(HttpStatusCode.NoContent);
        refused.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
        Assert.False(read.ShouldBe(HttpStatusCode.OK).Result.TryGetProperty("u_temporary", out _));
        Assert.Equal(scope + "temp", read.Result.Text("user_name"));
        Assert.Equal([scope + "temp"], queried.ShouldBe(HttpStatusCode.OK).Column("user_name"));
        Assert.Equal(["user_name"], queried.Rows.Single().Names());
        Assert.Equal("Still here", written.ShouldBe(HttpStatusCode.OK).Result.Text("title"));
    }

    [BackendFact]
    public async Task bad_custom_column_names_are_refused_with_400()
    {
        string[] names = ["badge", "u_", "u_Badge", "u_bad name", "u_x\"; DROP TABLE sys_user; --", "u_x' INTEGER); DROP TABLE sys_user; --"];
        var before = await instance.CountAsync("sys_user");

        foreach (var element in names)
        {
            var reply = await Admin.PostAsync("/api/now/table/sys_dictionary", new { name = "sys_user", element, internal_type = "string" });
            reply.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: element");
        }

        Assert.Equal(before, await instance.CountAsync("sys_user"));
        Assert.Equal(0, await instance.CountAsync("sys_dictionary", "name=sys_user^elementNOT INu_badge^elementSTARTSWITHu_"));
    }

    [BackendFact]
    public async Task custom_column_of_an_unknown_table_or_type_is_refused_with_400()
    {
        var table = await Admin.PostAsync("/api/now/table/sys_dictionary", new { name = "no_such_table", element = "u_x", internal_type = "string" });
        var type = await Admin.PostAsync("/api/now/table/sys_dictionary", new { name = "sys_user", element = "u_typed", internal_type = "blob; DROP TABLE sys_user" });
        var builtIn = await Admin.PostAsync("/api/now/table/sys_dictionary", new { name = "sys_user", element = "user_name", internal_type = "string" });

        table.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: name");
        type.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for field: internal_type");
        builtIn.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed");
    }
}

public sealed class WritingRecordsTestsOnSqlite(SqliteInstance instance) : WritingRecordsTests(instance), IClassFixture<SqliteInstance>;

public sealed class WritingRecordsTestsOnPostgres(PostgresInstance instance) : WritingRecordsTests(instance), IClassFixture<PostgresInstance>;
