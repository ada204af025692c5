using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Cli;

public sealed class JobCommandTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>, IDisposable
{
    private readonly CliWorld _cli = new(world);

    private TenantServer Tenant => world.Tenant;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task a_job_for_an_app_named_by_its_display_name_is_created_and_its_connection_test_passes()
    {
        var s = Tenant.NewScope();
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "ServiceNow production");

        var created = await _cli.CreateJobAsync(s + "job", "--app", s + "ServiceNow production");
        Assert.Contains("Job id: ServiceNowOutDelta." + Tenant.TenantId.Replace("-", "", StringComparison.Ordinal), created.Output);
        Assert.Contains(app, created.Output);
        Assert.Contains("idbridge job test-connection", created.Output);

        var test = await _cli.RunAsync("job", "test-connection", s + "job");
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("✓ Directory: Token", test.Output);
        Assert.Contains("✓ Directory: read the app's assignments", test.Output);
        Assert.Contains("All checks passed.", test.Output);
        Assert.DoesNotContain("✗", test.Output);

        var list = await _cli.RunAsync("job", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(s + "job", list.Output);
        Assert.Contains("NotRun", list.Output);
    }

    [Fact]
    public async Task a_password_updated_from_the_environment_is_used_and_a_wrong_one_fails_the_connection_test_with_the_fix()
    {
        var s = Tenant.NewScope();
        // An account of its own: failed sign-ins count towards its lockout, not the admin's.
        var account = await world.Instance.CreateAccountAsync(s + "provisioning", "user_admin");
        await _cli.CreateJobAsync(s + "job", "--scope", "all");

        var wrong = await _cli.Runner.With("IDBRIDGE_INSTANCE_PASSWORD", "not-the-password")
            .RunAsync("job", "update", s + "job", "--instance-user", account.UserName, "--instance-password");
        Assert.True(wrong.ExitCode == 0, wrong.ToString());
        var failing = await _cli.RunAsync("job", "test-connection", s + "job");
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("✗ Instance: The credentials are accepted", failing.Output);
        Assert.Contains("    fix: ", failing.Output);
        Assert.DoesNotContain("not-the-password", failing.Output + failing.Error);

        var unset = await _cli.Runner.With("IDBRIDGE_INSTANCE_PASSWORD", null).RunAsync("job", "update", s + "job", "--instance-password");
        Assert.Equal(2, unset.ExitCode);
        Assert.Contains("IDBRIDGE_INSTANCE_PASSWORD is not set", unset.Error);

        var right = await _cli.Runner.With("IDBRIDGE_INSTANCE_PASSWORD", account.Password).RunAsync("job", "update", s + "job", "--instance-password");
        Assert.Equal(0, right.ExitCode);
        var passing = await _cli.RunAsync("job", "test-connection", s + "job");
        Assert.True(passing.ExitCode == 0, passing.ToString());
    }

    [Fact]
    public async Task show_prints_secrets_only_as_set_and_json_has_graphs_synchronization_job_shape()
    {
        var s = Tenant.NewScope();
        var created = await _cli.CreateJobAsync(s + "job", "--scope", "all", "--deletion-threshold", "25");
        var jobId = created.Output.Split('\n').Single(l => l.StartsWith("Job id: ", StringComparison.Ordinal))["Job id: ".Length..].Trim();

        var shown = await _cli.RunAsync("job", "show", jobId);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("(set)", shown.Output);
        Assert.DoesNotContain(Tenant.ClientSecret, shown.Output);
        Assert.DoesNotContain(InstanceServer.AdminPassword, shown.Output);
        Assert.Contains("Sync all users and groups", shown.Output);

        var json = await _cli.RunAsync("job", "show", s + "job", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var job = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(jobId, job.GetProperty("id").GetString());
        Assert.Equal("ServiceNowOutDelta", job.GetProperty("templateId").GetString());
        Assert.Equal("PT40M", job.GetProperty("schedule").GetProperty("interval").GetString());
        Assert.Equal("Active", job.GetProperty("schedule").GetProperty("state").GetString());
        Assert.Equal("NotRun", job.GetProperty("status").GetProperty("code").GetString());
        var setting = Assert.Single(job.GetProperty("synchronizationJobSettings").EnumerateArray());
        Assert.Equal("QuarantineTooManyDeletesThreshold", setting.GetProperty("name").GetString());
        Assert.Equal("25", setting.GetProperty("value").GetString());
        Assert.DoesNotContain(Tenant.ClientSecret, json.Output);

        var updated = await _cli.RunAsync("job", "update", s + "job", "--interval", "10m", "--schema", _cli.File("schema.json", Schemas.UsersOnly()));
        Assert.True(updated.ExitCode == 0, updated.ToString());
        Assert.Contains("job restart", updated.Output);
        var after = JsonDocument.Parse((await _cli.RunAsync("job", "show", s + "job", "--json")).Output).RootElement;
        Assert.Equal("PT10M", after.GetProperty("schedule").GetProperty("interval").GetString());
        Assert.Equal("25", after.GetProperty("synchronizationJobSettings")[0].GetProperty("value").GetString());

        var paused = await _cli.RunAsync("job", "pause", s + "job");
        Assert.Equal(0, paused.ExitCode);
        var state = JsonDocument.Parse((await _cli.RunAsync("job", "show", s + "job", "--json")).Output).RootElement;
        Assert.Equal("Paused", state.GetProperty("schedule").GetProperty("state").GetString());

        var refused = await _cli.RunAsync("job", "delete", s + "job");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--yes", refused.Error);
        var deleted = await _cli.RunAsync("job", "delete", s + "job", "--yes");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(2, (await _cli.RunAsync("job", "show", s + "job")).ExitCode);
    }

    [Fact]
    public async Task wrong_values_are_refused_with_exit_status_2_and_one_line_that_names_the_option()
    {
        var s = Tenant.NewScope();
        var (app, _) = await Tenant.CreateServicePrincipalAsync(s + "app");

        var scope = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--scope", "sometimes"));
        Assert.Equal(2, scope.ExitCode);
        Assert.StartsWith("--scope 'sometimes' is not a scope; give 'assigned'", scope.Error);

        var noApp = await _cli.RunAsync(_cli.CreateArgs(s + "job"));
        Assert.Equal(2, noApp.ExitCode);
        Assert.Contains("--scope assigned (Entra's default) needs --app", noApp.Error);
        Assert.False(File.Exists(Path.Combine(_cli.DataDirectory, "provisioning.db")), "A refused create left a store behind.");
        Assert.False(File.Exists(Path.Combine(_cli.DataDirectory, "provisioning.key")), "A refused create left a key behind.");

        var interval = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", app, "--interval", "soon"));
        Assert.Equal(2, interval.ExitCode);
        Assert.Contains("--interval 'soon' is not an interval", interval.Error);

        var unknownApp = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", s + "no such app"));
        Assert.Equal(2, unknownApp.ExitCode);
        Assert.Contains($"No enterprise app '{s}no such app' in the directory", unknownApp.Error);

        var invalid = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", app, "--max-concurrency", "100", "--poll-interval", "1ms"));
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("The target's concurrency is between 1 and 64.", invalid.Error);
        Assert.Contains("The continuous poll interval is from 0.2 s to 10 minutes.", invalid.Error);
        Assert.DoesNotContain("   at ", invalid.Error);

        var schema = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", app, "--schema",
            _cli.File("broken.json", """{"synchronizationRules":[{"objectMappings":[{"sourceObjectName":"User","targetObjectName":"sys_user","attributeMappings":[{"targetAttributeName":"user_name","source":{"expression":"Join(, [x]"}}]}]}]}""")));
        Assert.Equal(2, schema.ExitCode);
        var problems = schema.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("The job cannot be saved:", problems[0]);
        Assert.Contains(problems, line => line.Contains("Join at character 5 is never closed", StringComparison.Ordinal));
        Assert.Contains(problems, line => line.Contains("No attribute is marked for matching", StringComparison.Ordinal));

        var map = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", app, "--reference-map", _cli.File("map.json", """{"cmn_location": ["LA"]}""")));
        Assert.Equal(2, map.ExitCode);
        Assert.StartsWith($"--reference-map {Path.Combine(_cli.DataDirectory, "map.json")}: $.cmn_location is not what a reference map holds", map.Error);

        var typed = await _cli.RunAsync(_cli.CreateArgs(s + "job", "--app", app, "--deletion-threshold", "many"));
        Assert.Equal(2, typed.ExitCode);
        Assert.Contains("--deletion-threshold", typed.Error);

        await _cli.CreateJobAsync(s + "job", "--app", app);
        var unknown = await _cli.RunAsync("sync", s + "nope");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal($"No job named '{s}nope'. `idbridge job list` shows the jobs.", unknown.Error.Trim());

        var reset = await _cli.RunAsync("job", "restart", s + "job", "--reset", "Watermark,Everything");
        Assert.Equal(2, reset.ExitCode);
        Assert.StartsWith("--reset 'Everything' is not a reset scope", reset.Error);
        var restarted = await _cli.RunAsync("job", "restart", s + "job", "--reset", "Full,ForceDeletes");
        Assert.True(restarted.ExitCode == 0, restarted.ToString());

        var logs = await _cli.RunAsync("provisioning-logs", s + "job", "--status", "broken");
        Assert.Equal(2, logs.ExitCode);
        Assert.StartsWith("--status 'broken' is not a status", logs.Error);

        var elsewhere = await _cli.RunAsync("job", "list", "--data", Path.Combine(_cli.DataDirectory, "missing"));
        Assert.Equal(2, elsewhere.ExitCode);
        Assert.Contains("No provisioning store at", elsewhere.Error);
    }
}
