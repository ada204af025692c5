using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Engine;

public sealed class MatchingAndReferenceTests(ProvisioningWorld world) : IClassFixture<ProvisioningWorld>
{
    private TenantServer Tenant => world.Tenant;
    private InstanceServer Instance => world.Instance;

    private static string Field(JsonElement record, string name) => record.GetProperty(name).GetString() ?? "";

    private async Task<IReadOnlyList<JsonElement>> UsersAsync(string name) => await Instance.ListAsync("sys_user", "user_name=" + TenantServer.Upn(name));

    private Task<(string App, JobRecord Job)> JobAsync(string s, IEnumerable<string> assigned, Func<JobSettings, JobSettings>? settings = null) =>
        world.AssignedJobAsync(s, assigned, settings);

    [Fact]
    public async Task an_existing_record_is_matched_by_user_name_and_updated_instead_of_created()
    {
        var s = Tenant.NewScope();
        var existing = await Instance.CreateAsync("sys_user", new Dictionary<string, string?>
        {
            ["user_name"] = TenantServer.Upn(s + "ann").ToUpperInvariant(),
            ["first_name"] = "Old",
        });
        var ann = await Tenant.CreateUserAsync(s + "ann", new { givenName = "Ann" });
        var (_, job) = await JobAsync(s, [ann]);
        var outcome = await world.SyncAsync(job);

        var record = Assert.Single(await UsersAsync(s + "ann"));
        Assert.Equal(Field(existing, "sys_id"), Field(record, "sys_id"));
        Assert.Equal("Ann", Field(record, "first_name"));
        var entry = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal(ProvisioningAction.Update, entry.Action);
        Assert.Contains(entry.Steps, step => step.Type == ProvisioningStepType.Matching && step.Status == ProvisioningResult.Success);
    }

    [Fact]
    public async Task two_matching_records_fail_with_duplicate_target_entries_unless_a_matching_filter_narrows_them()
    {
        var s = Tenant.NewScope();
        var mail = s + "rehire@contoso.com";
        // A rehire matched by email: the old, inactive record and the current one share the address.
        await Instance.CreateAsync("sys_user", new Dictionary<string, string?> { ["user_name"] = s + "old", ["email"] = mail, ["active"] = "false" });
        var current = await Instance.CreateAsync("sys_user", new Dictionary<string, string?> { ["user_name"] = s + "current", ["email"] = mail });
        var rehire = await Tenant.CreateUserAsync(s + "rehire", new { jobTitle = "Back again", mail });
        var (app, job) = await world.AssignedJobAsync(s, [rehire], schema: Schemas.MatchingOn("email"));

        var outcome = await world.SyncAsync(job);
        Assert.Equal("EntryLevelErrors", outcome.State);
        var failure = (await world.LogsAsync(job)).Single(e => e.SourceIdentity.Id == rehire);
        Assert.Equal(ProvisioningResult.Failure, failure.Status);
        Assert.Equal("DuplicateTargetEntries", failure.Error!.ErrorCode);
        Assert.Contains("active=true", failure.Error.RecommendedAction);

        var onlyActive = world.Definition(s + "filtered", app, settings => settings with
        {
            MatchingFilters = new(StringComparer.OrdinalIgnoreCase) { ["sys_user"] = "active=true" },
        });
        var filtered = await world.Host.Jobs.CreateAsync(onlyActive with { Schema = Schemas.MatchingOn("email") });
        Assert.Equal("Succeeded", (await world.SyncAsync(filtered)).State);
        var updated = (await Instance.ListAsync("sys_user", "sys_id=" + Field(current, "sys_id"))).Single();
        Assert.Equal("Back again", Field(updated, "title"));
        Assert.Equal(TenantServer.Upn(s + "rehire"), Field(updated, "user_name"));
    }

    [Fact]
    public async Task a_user_without_a_value_for_the_matching_attribute_fails_with_entry_joining_property_value_is_missing()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await world.AssignedJobAsync(s, [ann], schema: Schemas.MatchingOn("employee_number"));
        await world.SyncAsync(job);
        var failure = (await world.LogsAsync(job)).Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal("EntryJoiningPropertyValueIsMissing", failure.Error!.ErrorCode);
        Assert.Empty(await UsersAsync(s + "ann"));
    }

    [Fact]
    public async Task a_missing_department_fails_with_invalid_lookup_reference_and_is_retried_after_its_back_off()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann", new { department = s + "Research" });
        var (_, job) = await JobAsync(s, [ann]);
        var first = await world.SyncAsync(job);
        Assert.Equal("EntryLevelErrors", first.State);
        var failure = (await world.LogsAsync(job)).Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal("InvalidLookupReference", failure.Error!.ErrorCode);
        Assert.Contains(s + "Research", failure.Error.Reason);
        Assert.Empty(await UsersAsync(s + "ann"));
        Assert.Equal(1, first.Execution.CountEscrowed);

        await Instance.CreateAsync("cmn_department", new Dictionary<string, string?> { ["name"] = s + "Research" });
        // Not due yet: the escrow waits for its back-off.
        await world.SyncAsync(job);
        Assert.Empty(await UsersAsync(s + "ann"));
        world.Clock.Advance(TimeSpan.FromMinutes(6));
        var retried = await world.SyncAsync(job);
        Assert.Equal("Succeeded", retried.State);
        Assert.Single(await UsersAsync(s + "ann"));
    }

    [Fact]
    public async Task missing_references_are_created_when_the_job_allows_it_and_mapped_names_are_used()
    {
        var s = Tenant.NewScope();
        await Instance.CreateAsync("cmn_location", new Dictionary<string, string?> { ["name"] = s + "Los Angeles" });
        var ann = await Tenant.CreateUserAsync(s + "ann", new { department = s + "Quality", city = s + "LA" });
        var (_, job) = await JobAsync(s, [ann], settings => settings with
        {
            MissingReferences = MissingReferencePolicy.Create,
            ReferenceMap = new(StringComparer.OrdinalIgnoreCase)
            {
                ["cmn_location"] = new(StringComparer.OrdinalIgnoreCase) { [s + "LA"] = s + "Los Angeles" },
            },
        });
        Assert.Equal("Succeeded", (await world.SyncAsync(job)).State);
        var record = Assert.Single(await UsersAsync(s + "ann"));
        var department = Assert.Single(await Instance.ListAsync("cmn_department", "name=" + s + "Quality"));
        Assert.Equal(Field(department, "sys_id"), Field(record, "department"));
        var location = Assert.Single(await Instance.ListAsync("cmn_location", "name=" + s + "Los Angeles"));
        Assert.Equal(Field(location, "sys_id"), Field(record, "location"));
    }

    [Fact]
    public async Task a_linked_record_deleted_in_servicenow_fails_with_invalid_anchor()
    {
        var s = Tenant.NewScope();
        var ann = await Tenant.CreateUserAsync(s + "ann");
        var (_, job) = await JobAsync(s, [ann]);
        await world.SyncAsync(job);
        await Instance.DeleteAsync("sys_user", Field(Assert.Single(await UsersAsync(s + "ann")), "sys_id"));
        await Tenant.UpdateUserAsync(ann, new { jobTitle = "Changed" });
        var outcome = await world.SyncAsync(job);
        var failure = (await world.LogsAsync(job, f => f with { CycleId = outcome.CycleId })).Single(e => e.SourceIdentity.Id == ann);
        Assert.Equal("InvalidAnchor", failure.Error!.ErrorCode);
        Assert.Contains("ConnectorDataStore", failure.Error.RecommendedAction);
    }

    [Fact]
    public async Task managers_come_before_their_reports_so_a_chain_needs_no_second_write()
    {
        var s = Tenant.NewScope();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Tenant.CreateUserAsync($"{s}level{i}"));
            if (i > 0) await Tenant.SetManagerAsync(ids[i], ids[i - 1]);
        }
        var (_, job) = await JobAsync(s, ids.AsEnumerable().Reverse());
        var outcome = await world.SyncAsync(job);
        Assert.Equal(5, outcome.Execution.CountExports);
        for (var i = 1; i < 5; i++)
        {
            var report = Assert.Single(await UsersAsync($"{s}level{i}"));
            var manager = Assert.Single(await UsersAsync($"{s}level{i - 1}"));
            Assert.Equal(Field(manager, "sys_id"), Field(report, "manager"));
        }
    }
}
