using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Cli;

public sealed class ObjectCommandTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>, IDisposable
{
    private readonly CliWorld _cli = new(world);

    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task explain_names_the_scoping_clause_that_fails_and_writes_nothing()
    {
        var s = Tenant.NewScope();
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann", companyName = "Contoso" });
        await Tenant.AssignAsync(app, ann);
        await _cli.CreateJobAsync(s + "job", "--app", app, "--schema", _cli.File("schema.json", Schemas.WithUserScope("companyName", "EQUALS", "Fabrikam")));

        var explained = await _cli.RunAsync("explain", s + "job", TenantServer.Upn(s + "ann"));

        Assert.True(explained.ExitCode == 0, explained.ToString());
        Assert.Contains("companyName EQUALS Fabrikam: failed", explained.Output);
        Assert.Contains("Out of scope", explained.Output);
        Assert.Contains("Decision", explained.Output);
        Assert.Contains("Other (Skip", explained.Output);
        Assert.Empty(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann")));

        var inScope = await _cli.RunAsync("explain", s + "job", ann, "--data", _cli.DataDirectory);
        Assert.Equal(0, inScope.ExitCode);
        var missing = await _cli.RunAsync("explain", s + "job", TenantServer.Upn(s + "nobody"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("SourceObjectNotFound", missing.Error);
    }

    [Fact]
    public async Task explain_shows_each_mapping_and_provision_creates_one_user_with_its_steps()
    {
        var s = Tenant.NewScope();
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann", jobTitle = "Clerk" });
        var bob = await Tenant.CreateUserAsync(s + "bob", new { givenName = "Bob" });
        await Tenant.AssignAsync(app, ann);
        await Tenant.AssignAsync(app, bob);
        await _cli.CreateJobAsync(s + "job", "--app", app);

        var explained = await _cli.RunAsync("explain", s + "job", TenantServer.Upn(s + "ann"));
        Assert.True(explained.ExitCode == 0, explained.ToString());
        Assert.Contains("user_name=" + TenantServer.Upn(s + "ann"), explained.Output);
        Assert.Contains("[givenName]", explained.Output);
        Assert.Contains("Create", explained.Output);

        var provisioned = await _cli.RunAsync("provision", s + "job", TenantServer.Upn(s + "ann"));
        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());
        Assert.Contains("create success", provisioned.Output);
        Assert.Contains("first_name: (empty) -> Ann", provisioned.Output);
        Assert.Contains("✓ export", provisioned.Output);
        var record = Assert.Single(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "ann")));
        Assert.Equal("Clerk", record.GetProperty("title").GetString());
        Assert.Empty(await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(s + "bob")));

        var json = await _cli.RunAsync("provision", s + "job", bob, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var entry = Assert.Single(JsonDocument.Parse(json.Output).RootElement.GetProperty("value").EnumerateArray());
        Assert.Equal("create", entry.GetProperty("provisioningAction").GetString());
        Assert.Equal("success", entry.GetProperty("provisioningStatusInfo").GetProperty("status").GetString());
    }

    [Fact]
    public async Task provisioning_logs_filter_and_export_graphs_json_and_the_portals_three_csv_files()
    {
        var s = Tenant.NewScope();
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");
        // Ann's department has no record in the instance: she fails with InvalidLookupReference, Bob is created.
        var ann = await Tenant.CreateUserAsync(s + "ann", new { department = s + "Nowhere" });
        var bob = await Tenant.CreateUserAsync(s + "bob");
        await Tenant.AssignAsync(app, ann);
        await Tenant.AssignAsync(app, bob);
        await _cli.CreateJobAsync(s + "job", "--app", app, "--schema", _cli.File("schema.json", Schemas.UsersOnly()));
        var sync = await _cli.RunAsync("sync", s + "job");
        Assert.True(sync.ExitCode == 1, sync.ToString());
        Assert.Contains("EntryLevelErrors", sync.Output);

        var failures = await _cli.RunAsync("provisioning-logs", s + "job", "--status", "failure");
        Assert.True(failures.ExitCode == 0, failures.ToString());
        Assert.Contains(TenantServer.Upn(s + "ann"), failures.Output);
        Assert.Contains("InvalidLookupReference", failures.Output);
        Assert.DoesNotContain(TenantServer.Upn(s + "bob"), failures.Output);

        var byCode = await _cli.RunAsync("provisioning-logs", s + "job", "--error-code", "InvalidLookupReference", "--since", "1h");
        Assert.Contains(TenantServer.Upn(s + "ann"), byCode.Output);
        var none = await _cli.RunAsync("provisioning-logs", s + "job", "--until", "2000-01-01T00:00Z");
        Assert.Contains("No entries match.", none.Output);

        var json = await _cli.RunAsync("provisioning-logs", s + "job", "--user", TenantServer.Upn(s + "bob"), "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var document = JsonDocument.Parse(json.Output).RootElement;
        Assert.EndsWith("$metadata#auditLogs/provisioning", document.GetProperty("@odata.context").GetString());
        var entry = Assert.Single(document.GetProperty("value").EnumerateArray());
        Assert.Equal(bob, entry.GetProperty("sourceIdentity").GetProperty("id").GetString());
        Assert.Equal("create", entry.GetProperty("provisioningAction").GetString());

        var csv = await _cli.RunAsync("provisioning-logs", s + "job", "--action", "create", "--format", "csv", "--output",
            Path.Combine(_cli.DataDirectory, "exports", "logs"));
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var summary = File.ReadAllLines(Path.Combine(_cli.DataDirectory, "exports", "logs.csv"));
        Assert.StartsWith("id,activityDateTime,jobId", summary[0]);
        Assert.Equal(3, summary.Length);
        Assert.True(File.Exists(Path.Combine(_cli.DataDirectory, "exports", "logs-steps.csv")));
        Assert.True(File.Exists(Path.Combine(_cli.DataDirectory, "exports", "logs-modifiedProperties.csv")));

        var noOutput = await _cli.RunAsync("provisioning-logs", s + "job", "--format", "csv");
        Assert.Equal(2, noOutput.ExitCode);
        Assert.Contains("--output", noOutput.Error);
        _ = ann;
    }
}
