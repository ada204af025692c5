namespace IdentityBridge.Expressions.Evaluation;

/// <summary>
/// What an evaluation may draw on besides the source object: the clock (Now, DateDiff against Now), a source of
/// randomness (Guid, RandomString) and the tenant's default verified domain (DefaultDomain). Tests pin all three.
/// </summary>
public sealed record EvaluationContext
{
    public static EvaluationContext Default { get; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Random numbers for Guid and RandomString; <see cref="System.Random.Shared"/> is safe across threads.</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>The tenant's default verified domain, for DefaultDomain(); without one that function fails.</summary>
    public string? DefaultDomain { get; init; }
}

/// <summary>
/// Asks the target whether a candidate value is still free (SelectUniqueValue, spec §3.3). Asynchronous because
/// the answer is a query against the target; evaluation itself never blocks.
/// </summary>
public delegate ValueTask<bool> UniquenessCheck(string candidate, CancellationToken cancellationToken);
