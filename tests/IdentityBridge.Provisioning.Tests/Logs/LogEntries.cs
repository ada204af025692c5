using System.Text;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Provisioning.Tests.Logs;

/// <summary>Entries as the engine writes them, on a pinned clock, and a log store on a database of its own.</summary>
internal static class LogEntries
{
    public static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);
    public const string Job = "ServiceNowOutDelta.0a1b2c3d4e5f40718293a4b5c6d7e8f9.5d1e7a2c-3b4f-4e6a-9c8d-1f2e3a4b5c6d";
    public const string OtherJob = "ServiceNowOutDelta.0a1b2c3d4e5f40718293a4b5c6d7e8f9.9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
    public const string Cycle = "b6502552-018d-49bd-8869-a47194dc65c1";

    /// <summary>A user created in ServiceNow: imported, in scope, not matched, exported with two attributes.</summary>
    public static ProvisioningLogEntry User(string displayName, string? userName = null, DateTimeOffset? at = null) => new()
    {
        Id = Guid.NewGuid().ToString(),
        ActivityDateTime = at ?? Start,
        JobId = Job,
        CycleId = Cycle,
        ChangeId = Guid.NewGuid().ToString(),
        Action = ProvisioningAction.Create,
        Status = ProvisioningResult.Success,
        SourceIdentity = new ProvisionedIdentity(Guid.NewGuid().ToString(), "User", displayName),
        TargetIdentity = new ProvisionedIdentity(Guid.NewGuid().ToString("N"), "sys_user", userName ?? displayName),
        Steps =
        [
            new(ProvisioningStepType.Import, "EntryImport", ProvisioningResult.Success,
                $"Retrieved User '{displayName}' from Azure Active Directory", []),
            new(ProvisioningStepType.Scoping, "EntrySynchronizationScoping", ProvisioningResult.Success,
                $"User '{displayName}' will be created in ServiceNow",
                [new("IsActive", "True"), new("ScopeEvaluationResult", "{}")]),
            new(ProvisioningStepType.Export, "EntryExportAdd", ProvisioningResult.Success,
                $"User '{displayName}' was created in ServiceNow", [new("ReportableIdentifier", userName ?? displayName)]),
        ],
        ModifiedProperties =
        [
            new("user_name", null, userName ?? displayName),
            new("active", null, "true"),
        ],
        DurationInMilliseconds = 42,
        TenantId = "0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9",
        ServicePrincipalId = "6cc35b93-185a-4485-a519-50c09549a3ad",
        ServicePrincipalDisplayName = "ServiceNow",
    };

    /// <summary>An entry that uses every field, with values that need care: an error, nulls, quotes and other scripts.</summary>
    public static ProvisioningLogEntry Full() => User("Zoë \"Z\" O'Neil, Jr.", "zoe.oneil") with
    {
        Id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        ActivityDateTime = new DateTimeOffset(2025, 3, 14, 11, 26, 53, 123, TimeSpan.FromHours(2)).AddTicks(4567),
        Action = ProvisioningAction.StagedDelete,
        Status = ProvisioningResult.Failure,
        Error = new ProvisioningError("InvalidLookupReference", "The reference 'department' could not be resolved.",
            "Create the department in ServiceNow first.", "HTTP 400 from /api/now/table/sys_user"),
        Steps =
        [
            new(ProvisioningStepType.ReferenceResolution, "EntryReferenceResolution", ProvisioningResult.Warning,
                "Department 'Sales' was not found", [new("ReferenceAttribute", "department"), new("Value", "Sales")]),
            new(ProvisioningStepType.Matching, "EntryImportByJoiningProperty", ProvisioningResult.Skipped, "", []),
        ],
        ModifiedProperties = [new("email", "zoe@old.example", null), new("title", "Лидер", "Leiter")],
        DurationInMilliseconds = 3_236,
        InitiatedBy = "Megan Bowen",
        InitiatorId = "48d31887-5fad-4d73-a9f5-3c356e68a038",
        InitiatorType = ProvisioningInitiatorType.User,
    };

    public static async Task<LogWorld> OpenAsync(Backend backend) =>
        new(await TestStores.OpenAsync(backend, ProvisioningLogTables.All));

    /// <summary>Asserts two entries hold the same values, lists included (records compare lists by reference).</summary>
    public static void AssertSame(ProvisioningLogEntry expected, ProvisioningLogEntry actual)
    {
        Assert.Equal(Describe(expected), Describe(actual));
    }

    private static string Describe(ProvisioningLogEntry entry)
    {
        var text = new StringBuilder();
        // Times compare as instants to the tick, whatever offset they were written with.
        text.AppendLine(entry.ActivityDateTime.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        text.AppendLine((entry with { ActivityDateTime = default, Steps = [], ModifiedProperties = [] }).ToString());
        foreach (var step in entry.Steps)
            text.AppendLine((step with { Details = [] }).ToString()).AppendLine(string.Join("|", step.Details));
        foreach (var property in entry.ModifiedProperties) text.AppendLine(property.ToString());
        return text.ToString();
    }
}

/// <summary>A log store on a database of its own.</summary>
internal sealed class LogWorld(TestStore database) : IAsyncDisposable
{
    public TestStore Database { get; } = database;
    public ProvisioningLogStore Logs { get; } = new(database.Store);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
