namespace IdentityBridge.Cli.Bench;

/// <summary>What <c>idbridge bench instance</c> measures, and where.</summary>
internal sealed record InstanceBenchOptions
{
    /// <summary>Users in the store the figures are about.</summary>
    public required int Users { get; init; }
    /// <summary>Users in the store the lookup latency is compared with, to show how lookups scale.</summary>
    public required int SmallUsers { get; init; }
    public required TimeSpan Duration { get; init; }
    public required int Concurrency { get; init; }
    /// <summary>Work directory of the SQLite stores; a new temporary directory when null.</summary>
    public string? DataDirectory { get; init; }
    public bool Keep { get; init; }
    public string? PostgresConnectionString { get; init; }
    public string? JsonPath { get; init; }
    /// <summary>Unmeasured load before each phase: JIT, connection pools and caches settle.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(2);
}
