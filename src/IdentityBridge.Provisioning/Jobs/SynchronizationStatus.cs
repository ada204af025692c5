using System.Text.Json.Serialization;

namespace IdentityBridge.Provisioning.Jobs;

/// <summary>Graph's <c>synchronizationStatusCode</c>.</summary>
public static class StatusCodes
{
    public const string NotConfigured = "NotConfigured";
    public const string NotRun = "NotRun";
    public const string Active = "Active";
    public const string Paused = "Paused";
    public const string Quarantine = "Quarantine";
}

/// <summary>Graph's <c>synchronizationError</c>.</summary>
public sealed record SynchronizationError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("tenantActionable")] bool TenantActionable);

/// <summary>Graph's <c>synchronizationTaskExecution</c>: the counters of one cycle.</summary>
public sealed record TaskExecution
{
    [JsonPropertyName("activityIdentifier")] public string ActivityIdentifier { get; init; } = "";
    [JsonPropertyName("countEntitled")] public long CountEntitled { get; init; }
    [JsonPropertyName("countEntitledForProvisioning")] public long CountEntitledForProvisioning { get; init; }
    [JsonPropertyName("countEscrowed")] public long CountEscrowed { get; init; }
    [JsonPropertyName("countEscrowedRaw")] public long CountEscrowedRaw { get; init; }
    [JsonPropertyName("countExported")] public long CountExported { get; init; }
    [JsonPropertyName("countExports")] public long CountExports { get; init; }
    [JsonPropertyName("countImported")] public long CountImported { get; init; }
    [JsonPropertyName("countImportedDeltas")] public long CountImportedDeltas { get; init; }
    [JsonPropertyName("countImportedReferenceDeltas")] public long CountImportedReferenceDeltas { get; init; }
    [JsonPropertyName("error")] public SynchronizationError? Error { get; init; }
    /// <summary><c>Succeeded</c>, <c>Failed</c> or <c>EntryLevelErrors</c>.</summary>
    [JsonPropertyName("state")] public string State { get; init; } = "Succeeded";
    [JsonPropertyName("timeBegan")] public DateTimeOffset TimeBegan { get; init; }
    [JsonPropertyName("timeEnded")] public DateTimeOffset TimeEnded { get; init; }
}

/// <summary>Graph's <c>synchronizationQuarantine</c> (spec 2.7).</summary>
public sealed record Quarantine
{
    [JsonPropertyName("currentBegan")] public DateTimeOffset CurrentBegan { get; init; }
    [JsonPropertyName("nextAttempt")] public DateTimeOffset NextAttempt { get; init; }
    /// <summary>Graph's quarantineReason: EncounteredBaseEscrowThreshold, EncounteredTotalEscrowThreshold,
    /// EncounteredEscrowProportionThreshold, EncounteredQuarantineException, TooManyDeletes, Unknown.</summary>
    [JsonPropertyName("reason")] public string Reason { get; init; } = "Unknown";
    [JsonPropertyName("seriesBegan")] public DateTimeOffset SeriesBegan { get; init; }
    [JsonPropertyName("seriesCount")] public long SeriesCount { get; init; }
    [JsonPropertyName("error")] public SynchronizationError? Error { get; init; }
}

/// <summary>Graph's <c>synchronizationProgress</c>.</summary>
public sealed record SynchronizationProgress(
    [property: JsonPropertyName("completedUnits")] long CompletedUnits,
    [property: JsonPropertyName("totalUnits")] long TotalUnits,
    [property: JsonPropertyName("units")] string Units,
    [property: JsonPropertyName("progressObservationDateTime")] DateTimeOffset ProgressObservationDateTime);

/// <summary>Graph's <c>synchronizationStatus</c> for a job.</summary>
public sealed record SynchronizationStatus
{
    [JsonPropertyName("code")] public string Code { get; init; } = StatusCodes.NotRun;
    [JsonPropertyName("countSuccessiveCompleteFailures")] public long CountSuccessiveCompleteFailures { get; init; }
    [JsonPropertyName("escrowsPruned")] public bool EscrowsPruned { get; init; }
    [JsonPropertyName("lastExecution")] public TaskExecution? LastExecution { get; init; }
    [JsonPropertyName("lastSuccessfulExecution")] public TaskExecution? LastSuccessfulExecution { get; init; }
    [JsonPropertyName("lastSuccessfulExecutionWithExports")] public TaskExecution? LastSuccessfulExecutionWithExports { get; init; }
    [JsonPropertyName("progress")] public IReadOnlyList<SynchronizationProgress> Progress { get; init; } = [];
    [JsonPropertyName("quarantine")] public Quarantine? Quarantine { get; init; }
    [JsonPropertyName("steadyStateFirstAchievedTime")] public DateTimeOffset? SteadyStateFirstAchievedTime { get; init; }
    [JsonPropertyName("steadyStateLastAchievedTime")] public DateTimeOffset? SteadyStateLastAchievedTime { get; init; }
    [JsonPropertyName("synchronizedEntryCountByType")] public IReadOnlyList<EntryCount> SynchronizedEntryCountByType { get; init; } = [];
    [JsonPropertyName("troubleshootingUrl")] public string? TroubleshootingUrl { get; init; }
}

/// <summary>Graph's <c>stringKeyLongValuePair</c>.</summary>
public sealed record EntryCount([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] long Value);
