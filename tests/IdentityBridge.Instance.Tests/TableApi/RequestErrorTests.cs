using System.Net.Http.Headers;

namespace IdentityBridge.Instance.Tests.TableApi;

/// <summary>The error answers of spec 1.4: status, headers and ServiceNow's error envelope.</summary>
public abstract class RequestErrorTests(RunningInstance instance)
{
    private InstanceClient Admin => instance.Admin;

    [BackendFact]
    public async Task unknown_table_is_rejected_with_servicenow_envelope()
    {
        var get = await Admin.GetAsync("/api/now/table/x");
        var post = await Admin.PostAsync("/api/now/table/no_such_table", new { name = "x" });
        var byId = await Admin.GetAsync("/api/now/v2/table/incident/0123456789abcdef0123456789abcdef");

        get.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table x", null);
        post.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table no_such_table", null);
        byId.ShouldFailWith(HttpStatusCode.BadRequest, "Invalid table incident", null);
    }

    [BackendFact]
    public async Task request_without_credentials_is_refused_with_401_and_a_basic_challenge()
    {
        var reply = await instance.Anonymous.GetAsync("/api/now/table/sys_user");

        reply.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
        Assert.Equal("Basic realm=\"Service-now\"", reply.Header("WWW-Authenticate"));
    }

    [BackendFact]
    public async Task wrong_unknown_or_malformed_credentials_are_refused_with_401()
    {
        var replies = new[]
        {
            await instance.As("admin", "wrong password").GetAsync("/api/now/table/sys_user"),
            await instance.As(instance.NewScope() + "nobody", "whatever").GetAsync("/api/now/table/sys_user"),
            await instance.WithAuthorization("Basic !!!not-base64!!!").GetAsync("/api/now/table/sys_user"),
            await instance.WithAuthorization("Basic " + Convert.ToBase64String("no-colon"u8.ToArray())).GetAsync("/api/now/table/sys_user"),
            await instance.WithAuthorization("Digest username=admin").GetAsync("/api/now/table/sys_user"),
            await instance.WithBearer("not-a-token-that-was-ever-issued").GetAsync("/api/now/table/sys_user"),
        };

        Assert.All(replies, reply =>
        {
            reply.ShouldFailWith(HttpStatusCode.Unauthorized, "User Not Authenticated", "Required to provide Auth information");
            Assert.Equal("Basic realm=\"Service-now\"", reply.Header("WWW-Authenticate"));
        });
    }

    [BackendFact]
    public async Task insert_update_and_delete_denied_by_acl_answer_403_with_servicenow_envelope()
    {
        var user = await instance.CreateUserAsync(instance.NewScope() + "nobody");
        var client = instance.As(user);

        var insert = await client.PostAsync("/api/now/table/sys_user", new { user_name = instance.NewScope() + "x" });
        var update = await client.PatchAsync($"/api/now/table/sys_user/{user.SysId}", new { title = "Boss" });
        var delete = await client.DeleteAsync($"/api/now/table/sys_user/{user.SysId}");

        insert.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", "ACL Exception Insert Failed due to security constraints");
        update.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", "ACL Exception Update Failed due to security constraints");
        delete.ShouldFailWith(HttpStatusCode.Forbidden, "Operation Failed", "ACL Exception Delete Failed due to security constraints");
    }

    [BackendFact]
    public async Task missing_record_answers_404_no_record_found()
    {
        var missing = await Admin.GetAsync("/api/now/table/sys_user/0123456789abcdef0123456789abcdef");
        var notAnId = await Admin.GetAsync("/api/now/table/sys_user/not-a-sys-id");

        missing.ShouldFailWith(HttpStatusCode.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
        notAnId.ShouldFailWith(HttpStatusCode.NotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval");
    }

    [BackendFact]
    public async Task paths_that_name_no_resource_are_refused()
    {
        var outside = await Admin.GetAsync("/not/an/api");
        var noTable = await Admin.GetAsync("/api/now/table");
        var tooDeep = await Admin.GetAsync("/api/now/table/sys_user/0123456789abcdef0123456789abcdef/extra");
        var otherApi = await Admin.GetAsync("/api/now/import/sys_user");

        outside.ShouldFailWith(HttpStatusCode.NotFound, "Requested URI does not represent any resource");
        noTable.ShouldFailWith(HttpStatusCode.BadRequest, "Requested URI does not represent any resource");
        tooDeep.ShouldFailWith(HttpStatusCode.BadRequest, "Requested URI does not represent any resource");
        otherApi.ShouldFailWith(HttpStatusCode.BadRequest, "Requested URI does not represent any resource");
    }

    [BackendFact]
    public async Task method_a_resource_does_not_support_answers_405_with_allow()
    {
        var deleteList = await Admin.DeleteAsync("/api/now/table/sys_user");
        var putList = await Admin.PutAsync("/api/now/table/sys_user", new { title = "x" });
        var postStats = await Admin.PostAsync("/api/now/stats/sys_user", new { });

        deleteList.ShouldFailWith(HttpStatusCode.MethodNotAllowed, "Method not Supported");
        Assert.Equal("GET, HEAD, POST", deleteList.Header("Allow"));
        putList.ShouldFailWith(HttpStatusCode.MethodNotAllowed, "Method not Supported");
        postStats.ShouldFailWith(HttpStatusCode.MethodNotAllowed, "Method not Supported");
        Assert.Equal("GET, HEAD", postStats.Header("Allow"));
    }

    [BackendFact]
    public async Task accept_that_excludes_json_answers_406()
    {
        static void Html(HttpRequestMessage request)
        {
            request.Headers.Accept.Clear();
            request.Headers.Accept.ParseAdd("text/html");
        }

        var reply = await Admin.GetAsync("/api/now/table/sys_user", Html);
        var wildcard = await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=1", request =>
        {
            request.Headers.Accept.Clear();
            request.Headers.Accept.ParseAdd("*/*");
        });

        reply.ShouldFailWith(HttpStatusCode.NotAcceptable, "Not Acceptable");
        wildcard.ShouldBe(HttpStatusCode.OK);
    }

    [BackendFact]
    public async Task body_that_is_not_json_answers_415()
    {
        var name = instance.NewScope() + "plain";

        var reply = await Admin.SendRawAsync(HttpMethod.Post, "/api/now/table/sys_user", $$"""{"user_name":"{{name}}"}""", "text/plain");

        reply.ShouldFailWith(HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type");
        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_name={name}"));
    }

    [BackendFact]
    public async Task write_without_content_type_answers_400()
    {
        var name = instance.NewScope() + "untyped";

        var reply = await Admin.SendRawAsync(HttpMethod.Post, "/api/now/table/sys_user", $$"""{"user_name":"{{name}}"}""", null);

        reply.ShouldFailWith(HttpStatusCode.BadRequest, "Content-Type header is missing");
        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_name={name}"));
    }

    [BackendFact]
    public async Task malformed_json_answers_400()
    {
        var user = (await instance.CreateAsync("sys_user", new { user_name = instance.NewScope() + "target" })).SysId();
        string[] bodies = ["{\"user_name\": ", "{user_name: 'x'}", "not json at all", "{\"a\":1}}", ""];

        foreach (var body in bodies)
        {
            var post = await Admin.SendRawAsync(HttpMethod.Post, "/api/now/table/sys_user", body, "application/json");
            var patch = await Admin.SendRawAsync(HttpMethod.Patch, $"/api/now/table/sys_user/{user}", body, "application/json");
            post.ShouldFailWith(HttpStatusCode.BadRequest, "Exception while reading request");
            patch.ShouldFailWith(HttpStatusCode.BadRequest, "Exception while reading request");
        }
    }

    [BackendFact]
    public async Task body_that_is_not_an_object_of_scalars_answers_400_and_writes_nothing()
    {
        var scope = instance.NewScope();
        string[] bodies =
        [
            "[1, 2]",
            "[]",
            "\"just a string\"",
            "42",
            "{\"user_name\":\"" + scope + "a\",\"title\":{\"nested\":{\"deep\":1}}}",
            $$"""{"user_name":"{{scope}}b","title":["a","b"]}""",
            "{\"user_name\":\"" + scope + "c\",\"title\":{\"value\":{\"x\":1}}}",
        ];

        foreach (var body in bodies)
            (await Admin.SendRawAsync(HttpMethod.Post, "/api/now/table/sys_user", body, "application/json"))
                .ShouldFailWith(HttpStatusCode.BadRequest, "Exception while reading request");

        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_nameSTARTSWITH{scope}"));
    }

    [BackendFact]
    public async Task body_over_four_mebibytes_answers_413_and_writes_nothing()
    {
        const int limit = 4 * 1024 * 1024;
        var name = instance.NewScope() + "huge";
        var body = System.Text.Encoding.UTF8.GetBytes($$"""{"user_name":"{{name}}","title":"{{new string('a', limit)}}"}""");
        var authorization = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + RunningInstance.AdminPassword));
        var head = $"""
            POST /api/now/table/sys_user HTTP/1.1
            Host: 127.0.0.1
            Accept: application/json
            Content-Type: application/json
            Authorization: {authorization}
            """;

        // Refused on its Content-Length, before a byte of the body is read.
        var sized = await RawHttp.SendAsync(instance.BaseUrl, head + $"\nContent-Length: {body.Length}", _ => Task.CompletedTask);
        // Refused once more than the limit has been read.
        var chunked = await RawHttp.SendAsync(instance.BaseUrl, head + "\nTransfer-Encoding: chunked", async stream =>
        {
            for (var at = 0; at < body.Length; at += 64 * 1024)
            {
                var size = Math.Min(64 * 1024, body.Length - at);
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(size.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
                await stream.WriteAsync(body.AsMemory(at, size));
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        });

        sized.ShouldFailWith(HttpStatusCode.RequestEntityTooLarge, "Request entity too large");
        chunked.ShouldFailWith(HttpStatusCode.RequestEntityTooLarge, "Request entity too large");
        Assert.Equal(0, await instance.CountAsync("sys_user", $"user_name={name}"));
    }

    [BackendFact]
    public async Task invalid_paging_and_display_parameters_answer_400()
    {
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=ten")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_limit");
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=-1")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_limit");
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=1.5")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_limit");
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_offset=-5")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_offset");
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_offset=99999999999")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_offset");
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_display_value=maybe")).ShouldFailWith(HttpStatusCode.BadRequest, "Invalid value for sysparm_display_value");
        // A limit beyond any int still means "as many as allowed".
        (await Admin.GetAsync("/api/now/table/sys_user?sysparm_limit=99999999999999&sysparm_fields=sys_id")).ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class RequestErrorTestsOnSqlite(SqliteInstance instance) : RequestErrorTests(instance), IClassFixture<SqliteInstance>;

public sealed class RequestErrorTestsOnPostgres(PostgresInstance instance) : RequestErrorTests(instance), IClassFixture<PostgresInstance>;
