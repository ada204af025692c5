using IdentityBridge.Storage.Security;
using System.Text.Json;
using System.Text.Json.Serialization;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.Jobs;

/// <summary>A job as stored: its definition (secrets readable), its schedule, status and watermarks.</summary>
public sealed record JobRecord
{
    /// <summary>The store's key for the job's rows.</summary>
    public required string SysId { get; init; }

    /// <summary>Entra's job id: <c>ServiceNowOutDelta.{tenant id without dashes}.{32 hex}</c>.</summary>
    public required string JobId { get; init; }

    public required JobDefinition Definition { get; init; }

    /// <summary><c>Active</c>, <c>Paused</c> or <c>Disabled</c> (Graph's synchronizationSchedule.state).</summary>
    public required string ScheduleState { get; init; }

    public required SynchronizationStatus Status { get; init; }

    public string? UsersWatermark { get; init; }
    public string? GroupsWatermark { get; init; }

    /// <summary>Restart scopes the next cycle must honour (ForceDeletes), comma-separated.</summary>
    public string? PendingRestart { get; init; }

    /// <summary>The cycle that was running when the process stopped, if any: the next run continues it.</summary>
    public string? RunningCycle { get; init; }

    public DateTimeOffset? NextRun { get; init; }

    /// <summary>Who runs the job now (<c>machine|pid|id</c>) and until when, unless the lease lapses first.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>Why the job's secrets cannot be read (another key), or null; such a job is shown but cannot run.</summary>
    public string? SecretsProblem { get; init; }

    public string Name => Definition.Name;
}

/// <summary>Why a job definition cannot be saved, each problem with what to change.</summary>
public sealed class JobDefinitionException(IReadOnlyList<string> problems)
    : Exception("The job cannot be saved: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Jobs in the provisioning store: create, read, list, delete, and the state the engine keeps on them.</summary>
public sealed class JobStore(Store store, SecretProtector secrets)
{
    private static readonly WriteOptions Writer = new("provisioning");

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public Store Store => store;

    public async Task<JobRecord> CreateAsync(JobDefinition definition, CancellationToken cancellationToken = default)
    {
        var problems = Validate(definition);
        if (problems.Count > 0) throw new JobDefinitionException(problems);
        if (await FindAsync(definition.Name, cancellationToken) is not null)
            throw new JobDefinitionException([$"A job named '{definition.Name}' exists already; choose another name or delete it first."]);
        var jobId = $"ServiceNowOutDelta.{definition.Source.TenantId.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant()}.{SysIds.New()}";
        var result = await store.InsertAsync(ProvisioningTables.Job, new Dictionary<string, string?>
        {
            ["job_id"] = jobId,
            ["name"] = definition.Name,
            ["definition"] = Protect(definition),
            ["schedule_state"] = "Active",
            ["status"] = JsonSerializer.Serialize(new SynchronizationStatus(), Json),
        }, Writer, cancellationToken);
        if (!result.Succeeded) throw new JobDefinitionException([result.Error!.Message]);
        return Read(result.Row!);
    }

    /// <summary>Checks what can be checked without the network: names, URLs, the schema, the settings.</summary>
    public static IReadOnlyList<string> Validate(JobDefinition definition)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(definition.Name) || definition.Name.Length > 100 || definition.Name.Any(char.IsControl))
            problems.Add("Give the job a name of 1 to 100 printable characters.");
        CheckUrl(definition.Source.GraphUrl, "The source needs the Graph URL with its version, such as https://graph.microsoft.com/v1.0.",
            "The Graph URL", problems);
        if (!Guid.TryParse(definition.Source.TenantId, out _)) problems.Add("The source's tenant id must be a GUID.");
        if (string.IsNullOrWhiteSpace(definition.Source.ClientId)) problems.Add("The source needs the app's client id.");
        if (string.IsNullOrEmpty(definition.Source.ClientSecret)) problems.Add("The source needs the app's client secret.");
        if (definition.Source.CertificateSha256 is { } pin)
        {
            try
            {
                Http.OutboundHttp.NormalizeThumbprint(pin);
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }
        CheckUrl(definition.Target.InstanceUrl, "The target needs the instance URL, such as https://dev12345.service-now.com.",
            "The instance URL", problems);
        switch (definition.Target.Authentication)
        {
            case "basic":
                if (string.IsNullOrWhiteSpace(definition.Target.UserName) || string.IsNullOrEmpty(definition.Target.Password))
                    problems.Add("Basic authentication needs the instance account's user name and password.");
                break;
            case "oauth":
                if (string.IsNullOrWhiteSpace(definition.Target.ClientId) || string.IsNullOrEmpty(definition.Target.ClientSecret))
                    problems.Add("OAuth needs the instance's OAuth client id and secret.");
                break;
            default:
                problems.Add("The target's authentication is 'basic' or 'oauth'.");
                break;
        }
        if (definition.Target.MaxConcurrency is < 1 or > 64) problems.Add("The target's concurrency is between 1 and 64.");
        if (definition.Target.MaxRequestsPerSecond is <= 0) problems.Add("The target's request rate, when given, is above 0.");
        var settings = definition.Settings;
        if (settings.Scope == ProvisioningScope.AssignedUsersAndGroups && string.IsNullOrWhiteSpace(settings.ServicePrincipalId))
            problems.Add("Syncing only assigned users and groups needs the enterprise app (service principal) whose assignments count; give it, or sync all users and groups.");
        if (settings.DeletionThreshold < 0) problems.Add("The deletion threshold is 0 (off) or more.");
        if (settings.Interval < TimeSpan.Zero || settings.Interval > TimeSpan.FromDays(7))
            problems.Add("The interval between cycles is from 0 (continuous) to 7 days.");
        if (settings.PollInterval < TimeSpan.FromMilliseconds(200) || settings.PollInterval > TimeSpan.FromMinutes(10))
            problems.Add("The continuous poll interval is from 0.2 s to 10 minutes.");
        if (settings.LogRetentionDays is < 1 or > 3650) problems.Add("Provisioning logs are kept from 1 to 3650 days.");
        foreach (var (table, filter) in settings.MatchingFilters)
            if (EncodedQuery.Parse(filter).InvalidTerms is { Count: > 0 } invalid)
                problems.Add($"The matching filter for {table} has terms that do not parse: {string.Join(", ", invalid)}.");
        if (definition.Schema is not null)
        {
            var read = SynchronizationSchemaJson.Read(definition.Schema);
            if (read.Schema is null)
                problems.AddRange(read.Problems.Select(p => $"Schema {p.Path}: {p.Message}"));
            else
                problems.AddRange(SchemaCompiler.Validate(read.Schema).Select(p => $"Schema {p.Path}: {p.Message}"));
        }
        return problems;
    }

    /// <summary>An absolute http(s) URL, and https unless it is loopback: secrets travel to it.</summary>
    private static void CheckUrl(string text, string missing, string what, List<string> problems)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")) problems.Add(missing);
        else if (url.Scheme == "http" && !url.IsLoopback) problems.Add($"{what} must use https (http is accepted only on loopback).");
    }

    public async Task<JobRecord?> FindAsync(string nameOrJobId, CancellationToken cancellationToken = default)
    {
        var row = await store.FindAsync(ProvisioningTables.Job, "name", nameOrJobId, cancellationToken: cancellationToken)
                  ?? await store.FindAsync(ProvisioningTables.Job, "job_id", nameOrJobId, cancellationToken: cancellationToken);
        return row is null ? null : Read(row);
    }

    public async Task<JobRecord?> GetAsync(string sysId, CancellationToken cancellationToken = default)
    {
        var row = await store.GetAsync(ProvisioningTables.Job, sysId, cancellationToken: cancellationToken);
        return row is null ? null : Read(row);
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = ProvisioningTables.Job,
            Query = EncodedQuery.Parse("ORDERBYname"),
            Limit = 10_000,
        }, cancellationToken);
        return rows.Rows.Select(Read).ToList();
    }

    /// <summary>Deletes the job and all its state (links, memberships, escrows, history); the target is left as it is.</summary>
    public async Task<bool> DeleteAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        var writes = new List<BatchWrite>();
        foreach (var table in ProvisioningTables.All.Where(t => t != ProvisioningTables.Job))
            writes.Add(new BatchWrite.DeleteWhere(table, EncodedQuery.Where("job", job.SysId)));
        writes.Add(new BatchWrite.Delete(ProvisioningTables.Job, job.SysId));
        await store.WriteBatchAsync(writes, Writer, cancellationToken);
        return true;
    }

    public Task SaveStatusAsync(JobRecord job, SynchronizationStatus status, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["status"] = JsonSerializer.Serialize(status, Json) }, cancellationToken);

    public Task SetScheduleStateAsync(JobRecord job, string state, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["schedule_state"] = state }, cancellationToken);

    public Task SetNextRunAsync(JobRecord job, DateTimeOffset? when, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["next_run"] = when is null ? "" : GlideDateTimes.Format(when.Value) }, cancellationToken);

    public Task SetPendingRestartAsync(JobRecord job, string? scopes, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["pending_restart"] = scopes ?? "" }, cancellationToken);

    public Task SetRunningCycleAsync(JobRecord job, string? cycleId, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["running_cycle"] = cycleId ?? "" }, cancellationToken);

    public Task SetWatermarksAsync(JobRecord job, string? users, string? groups, CancellationToken cancellationToken = default) =>
        UpdateAsync(job, new() { ["users_watermark"] = users ?? "", ["groups_watermark"] = groups ?? "" }, cancellationToken);

    /// <summary>
    /// Takes the job for <paramref name="owner"/> until <paramref name="until"/>, unless another owner holds a lease
    /// that has not lapsed: one statement, so two workers on one database never both win. A lease held by a process
    /// of this machine that no longer exists (killed) is taken over at once rather than after it lapses.
    /// </summary>
    public async Task<bool> TryLeaseAsync(JobRecord job, string owner, DateTimeOffset now, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        var values = new Dictionary<string, string?> { ["lease_owner"] = owner, ["lease_until"] = GlideDateTimes.Format(until) };
        var free = new EncodedQuery([new QueryGroup([new QueryClause([
            new QueryCondition("lease_owner", QueryOperator.IsEmpty, ""),
            new QueryCondition("lease_until", QueryOperator.LessThan, GlideDateTimes.Format(now)),
            new QueryCondition("lease_owner", QueryOperator.Equals, owner)])])], [], []);
        if ((await store.UpdateIfAsync(ProvisioningTables.Job, job.SysId, free, values, Writer, cancellationToken)).Succeeded) return true;
        var current = await GetAsync(job.SysId, cancellationToken);
        if (current?.LeaseOwner is not { } holder || !LeaseHolderIsGone(holder)) return false;
        return (await store.UpdateIfAsync(ProvisioningTables.Job, job.SysId, EncodedQuery.Where("lease_owner", holder), values, Writer,
            cancellationToken)).Succeeded;
    }

    /// <summary>Gives the job back, if <paramref name="owner"/> still holds it.</summary>
    public Task ReleaseLeaseAsync(JobRecord job, string owner, CancellationToken cancellationToken = default) =>
        store.UpdateIfAsync(ProvisioningTables.Job, job.SysId, EncodedQuery.Where("lease_owner", owner),
            new Dictionary<string, string?> { ["lease_owner"] = "", ["lease_until"] = "" }, Writer, cancellationToken);

    /// <summary>A lease owner for this process: <c>machine|pid|random</c>.</summary>
    public static string NewLeaseOwner() => $"{Environment.MachineName}|{Environment.ProcessId}|{SysIds.New()[..8]}";

    private static bool LeaseHolderIsGone(string holder)
    {
        var parts = holder.Split('|');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>Replaces the definition (settings, schema, credentials); the caller decides whether a restart follows.</summary>
    public async Task<JobRecord> UpdateDefinitionAsync(JobRecord job, JobDefinition definition, CancellationToken cancellationToken = default)
    {
        var problems = Validate(definition);
        if (problems.Count > 0) throw new JobDefinitionException(problems);
        await UpdateAsync(job, new() { ["definition"] = Protect(definition), ["name"] = definition.Name }, cancellationToken);
        return (await GetAsync(job.SysId, cancellationToken))!;
    }

    private async Task UpdateAsync(JobRecord job, Dictionary<string, string?> values, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(ProvisioningTables.Job, job.SysId, values, Writer, cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"The job {job.Name} could not be saved: {result.Error!.Message}");
    }

    private string Protect(JobDefinition definition)
    {
        var stored = definition with
        {
            Source = definition.Source with { ClientSecret = ProtectValue(definition.Source.ClientSecret) },
            Target = definition.Target with
            {
                Password = ProtectValue(definition.Target.Password),
                ClientSecret = ProtectValue(definition.Target.ClientSecret),
            },
        };
        return JsonSerializer.Serialize(stored, Json);
    }

    private string? ProtectValue(string? value) => string.IsNullOrEmpty(value) ? null : secrets.Protect(value);

    private string? UnprotectValue(string? value, string what, List<string> problems)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var plain = secrets.Unprotect(value, out var problem);
        if (plain is null) problems.Add($"the {what} cannot be read: {problem}");
        return plain;
    }

    private JobRecord Read(RecordRow row)
    {
        var stored = JsonSerializer.Deserialize<JobDefinition>(row["definition"]!, Json)!;
        var problems = new List<string>();
        var definition = stored with
        {
            Source = stored.Source with { ClientSecret = UnprotectValue(stored.Source.ClientSecret, "source client secret", problems) },
            Target = stored.Target with
            {
                Password = UnprotectValue(stored.Target.Password, "instance password", problems),
                ClientSecret = UnprotectValue(stored.Target.ClientSecret, "instance client secret", problems),
            },
        };
        return new JobRecord
        {
            SysId = row.SysId,
            JobId = row["job_id"]!,
            Definition = definition,
            ScheduleState = row["schedule_state"] ?? "Active",
            Status = string.IsNullOrEmpty(row["status"]) ? new SynchronizationStatus() : JsonSerializer.Deserialize<SynchronizationStatus>(row["status"]!, Json)!,
            UsersWatermark = NullIfEmpty(row["users_watermark"]),
            GroupsWatermark = NullIfEmpty(row["groups_watermark"]),
            PendingRestart = NullIfEmpty(row["pending_restart"]),
            RunningCycle = NullIfEmpty(row["running_cycle"]),
            NextRun = GlideDateTimes.TryParse(row["next_run"], out var next) ? next : null,
            LeaseOwner = NullIfEmpty(row["lease_owner"]),
            LeaseUntil = GlideDateTimes.TryParse(row["lease_until"], out var until) ? until : null,
            SecretsProblem = problems.Count == 0 ? null
                : $"Job '{stored.Name}': {string.Join("; ", problems)}. Give the secrets again with `idbridge job update {stored.Name}` (--client-secret, --instance-password or --oauth-client-secret).",
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
