using IdentityBridge.Provisioning.Hosting;
using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Storage.Records;
using Microsoft.Data.Sqlite;

namespace IdentityBridge.Provisioning.Tests.Jobs;

public sealed class JobStoreTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "idbridge-provisioning-tests", Guid.NewGuid().ToString("n"));
    private ProvisioningHost? _host;

    private ProvisioningHost Host => _host!;

    public async Task InitializeAsync() => _host = await ProvisioningHost.OpenAsync(new ProvisioningOptions { DataDirectory = _data });

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
    }

    private static JobDefinition Definition(string name = "snow") => new()
    {
        Name = name,
        Source = new JobSource
        {
            GraphUrl = "https://graph.microsoft.com/v1.0",
            TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
            ClientId = "client",
            ClientSecret = "source-secret-value-123",
        },
        Target = new JobTarget { InstanceUrl = "https://dev1.service-now.com", UserName = "svc", Password = "target-password-value-456" },
        Settings = new JobSettings { Scope = ProvisioningScope.AllUsersAndGroups },
    };

    [Fact]
    public async Task secrets_are_encrypted_at_rest_and_read_back_whole()
    {
        var job = await Host.Jobs.CreateAsync(Definition());
        Assert.StartsWith("ServiceNowOutDelta.72f988bf86f141af91ab2d7cd011db47.", job.JobId);
        var raw = (await Host.Store.QueryAsync(new RecordQuery { Table = ProvisioningTables.Job })).Rows.Single()["definition"]!;
        Assert.DoesNotContain("source-secret-value-123", raw);
        Assert.DoesNotContain("target-password-value-456", raw);
        await Host.DisposeAsync();
        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(ProvisioningHost.DatabasePath(_data));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("source-secret-value-123"u8));
        _host = await ProvisioningHost.OpenAsync(new ProvisioningOptions { DataDirectory = _data });
        var read = (await Host.Jobs.FindAsync("snow"))!;
        Assert.Equal("source-secret-value-123", read.Definition.Source.ClientSecret);
        Assert.Equal("target-password-value-456", read.Definition.Target.Password);
    }

    [Fact]
    public async Task a_store_opened_with_another_key_says_so_instead_of_reading_garbage()
    {
        await Host.Jobs.CreateAsync(Definition());
        await Host.DisposeAsync();
        var other = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        _host = await ProvisioningHost.OpenAsync(new ProvisioningOptions { DataDirectory = _data, Key = other });
        // The job is still listed and shown; it cannot run, and the reason says which key and how to recover.
        var job = (await Host.Jobs.FindAsync("snow"))!;
        Assert.Null(job.Definition.Source.ClientSecret);
        Assert.Contains("another key", job.SecretsProblem);
        Assert.Contains("IDBRIDGE_PROVISIONING_KEY", job.SecretsProblem);
        Assert.Contains("idbridge job update snow", job.SecretsProblem);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Host.Engine.RunCycleAsync(job));
        Assert.Equal(job.SecretsProblem, refused.Message);
    }

    [Fact]
    public async Task an_invalid_definition_is_refused_with_every_problem_and_what_to_change()
    {
        var bad = Definition("") with
        {
            Source = Definition().Source with { GraphUrl = "http://graph.example.com/v1.0", TenantId = "contoso" },
            Target = Definition().Target with { Password = null },
            Settings = new JobSettings { Scope = ProvisioningScope.AssignedUsersAndGroups, DeletionThreshold = -1 },
            Schema = "{\"synchronizationRules\": []}",
        };
        var error = await Assert.ThrowsAsync<JobDefinitionException>(() => Host.Jobs.CreateAsync(bad));
        Assert.Contains(error.Problems, p => p.Contains("name"));
        Assert.Contains(error.Problems, p => p.Contains("https"));
        Assert.Contains(error.Problems, p => p.Contains("GUID"));
        Assert.Contains(error.Problems, p => p.Contains("password"));
        Assert.Contains(error.Problems, p => p.Contains("service principal"));
        Assert.Contains(error.Problems, p => p.Contains("threshold"));
        Assert.Contains(error.Problems, p => p.StartsWith("Schema"));
        Assert.Empty(await Host.Jobs.ListAsync());
    }

    [Fact]
    public async Task a_job_leased_by_one_worker_is_refused_to_another_until_the_lease_lapses()
    {
        var job = await Host.Jobs.CreateAsync(Definition());
        var now = DateTimeOffset.UtcNow;
        Assert.True(await Host.Jobs.TryLeaseAsync(job, "host|1|a", now, now.AddMinutes(5)));
        Assert.False(await Host.Jobs.TryLeaseAsync(job, "host|2|b", now.AddMinutes(1), now.AddMinutes(6)));
        Assert.True(await Host.Jobs.TryLeaseAsync(job, "host|1|a", now.AddMinutes(1), now.AddMinutes(6)));
        Assert.True(await Host.Jobs.TryLeaseAsync(job, "host|2|b", now.AddMinutes(7), now.AddMinutes(12)));
        await Host.Jobs.ReleaseLeaseAsync(job, "host|1|a");
        Assert.Equal("host|2|b", (await Host.Jobs.FindAsync("snow"))!.LeaseOwner);
        await Host.Jobs.ReleaseLeaseAsync(job, "host|2|b");
        Assert.Null((await Host.Jobs.FindAsync("snow"))!.LeaseOwner);
    }

    [Fact]
    public async Task a_lease_of_a_process_of_this_machine_that_is_gone_is_taken_over_at_once()
    {
        var job = await Host.Jobs.CreateAsync(Definition());
        var now = DateTimeOffset.UtcNow;
        using var gone = System.Diagnostics.Process.Start("true")!;
        await gone.WaitForExitAsync();
        Assert.True(await Host.Jobs.TryLeaseAsync(job, $"{Environment.MachineName}|{gone.Id}|x", now, now.AddMinutes(5)));
        Assert.True(await Host.Jobs.TryLeaseAsync(job, JobStore.NewLeaseOwner(), now, now.AddMinutes(5)));
        Assert.False(await Host.Jobs.TryLeaseAsync(job, $"elsewhere|{gone.Id}|y", now, now.AddMinutes(5)));
    }

    [Fact]
    public async Task names_are_unique_and_deleting_a_job_removes_its_state()
    {
        var job = await Host.Jobs.CreateAsync(Definition());
        var duplicate = await Assert.ThrowsAsync<JobDefinitionException>(() => Host.Jobs.CreateAsync(Definition()));
        Assert.Contains("exists already", duplicate.Message);
        var state = new JobState(Host.Store, job.SysId);
        var batch = state.Batch();
        batch.SetLink(new Link(IdentityBridge.Provisioning.Source.SourceObjectType.User, "u1", "ann", "0123456789abcdef0123456789abcdef", true), DateTimeOffset.UtcNow);
        await batch.FlushAsync(CancellationToken.None);
        await Host.DeleteJobAsync(job);
        Assert.Null(await Host.Jobs.FindAsync("snow"));
        Assert.Empty((await Host.Store.QueryAsync(new RecordQuery { Table = ProvisioningTables.Link })).Rows);
    }
}
