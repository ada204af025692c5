using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Target;

/// <summary>How the connector signs in to the instance.</summary>
public abstract record TargetCredentials
{
    private TargetCredentials() { }

    /// <summary>HTTP Basic with a ServiceNow account (what Entra's gallery connector uses).</summary>
    public sealed record Basic(string UserName, string Password) : TargetCredentials
    {
        public override string ToString() => $"Basic {UserName} (password hidden)";
    }

    /// <summary>
    /// OAuth at <c>/oauth_token.do</c>: client credentials (<see cref="UserName"/> null) or the password grant with
    /// the account, refreshed before expiry.
    /// </summary>
    public sealed record OAuth(string ClientId, string ClientSecret, string? UserName = null, string? Password = null) : TargetCredentials
    {
        public override string ToString() => $"OAuth {ClientId}{(UserName is null ? "" : " as " + UserName)} (secrets hidden)";
    }
}

/// <summary>Where and how to write: a ServiceNow instance and the limits to keep to.</summary>
public sealed record TargetSettings
{
    /// <summary>The instance's base URL, such as <c>https://dev12345.service-now.com</c>.</summary>
    public required Uri InstanceUrl { get; init; }

    public required TargetCredentials Credentials { get; init; }

    /// <summary>The most requests in flight at once; the connector adapts below this to what the instance answers.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>The most requests per second, never exceeded; null for no cap.</summary>
    public double? MaxRequestsPerSecond { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a throttled (429), failed (5xx) or timed-out request is tried again before it is reported.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>
    /// The longest wait before a retry, whatever Retry-After asks: an hourly rate limit may ask for most of an hour,
    /// and the job should rather report TooManyRequests and come back at its next cycle.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>A record as the Table API returned it: its sys_id and the fields asked for, as their values (not display values).</summary>
public sealed record TargetRecord(string SysId, IReadOnlyDictionary<string, string?> Values)
{
    public string? this[string field] => Values.GetValueOrDefault(field);
}

/// <summary>
/// A failure the instance reported or the connector met, named with Entra's provisioning error codes (spec 5.2):
/// <c>ServiceNowInstanceInvalid</c> (401, or no instance at the address), <c>InsufficientRights</c> (403),
/// <c>InvalidAnchor</c> (404 for a linked record), <c>InternalServerError</c> (5xx), <c>Timeout</c>,
/// <c>TooManyRequests</c> (429 after the retries), <c>UnprocessableEntity</c> (a 400 the instance explained).
/// </summary>
/// <param name="JobLevel">The failure concerns the whole job (credentials, rights, the instance itself), not one record.</param>
/// <param name="Transient">Trying again later may succeed (5xx, timeouts, throttling).</param>
public sealed record TargetError(string Code, string Message, int? HttpStatus = null, bool JobLevel = false, bool Transient = false);

public readonly record struct TargetResult<T>(T? Value, TargetError? Error)
{
    public bool Succeeded => Error is null;

    public static TargetResult<T> Ok(T value) => new(value, null);

    public static TargetResult<T> Fail(TargetError error) => new(default, error);
}

/// <summary>
/// The target application as the engine writes it. <c>ServiceNowConnector</c> speaks the ServiceNow Table API as a
/// careful client does: batched lookups, only the fields it needs, PATCH of changed fields only, adaptive
/// concurrency that honours Retry-After, and Entra's error codes for what it sees.
/// </summary>
public interface ITargetConnector : IAsyncDisposable
{
    /// <summary>
    /// Records of <paramref name="table"/> whose <paramref name="field"/> equals one of <paramref name="values"/>
    /// (case-insensitively, as ServiceNow compares), each narrowed by <paramref name="filter"/> (an encoded query
    /// such as <c>active=true</c>) when given. Batched into <c>fieldIN a,b,c</c> queries; values that cannot go into
    /// an IN list are looked up one by one. Every matching record is answered (duplicates included).
    /// </summary>
    Task<TargetResult<IReadOnlyList<TargetRecord>>> FindAsync(string table, string field, IReadOnlyCollection<string> values,
        IReadOnlyCollection<string> fields, string? filter, CancellationToken cancellationToken);

    /// <summary>Records by sys_id (batched <c>sys_idIN</c>); records that do not exist are left out.</summary>
    Task<TargetResult<IReadOnlyList<TargetRecord>>> GetManyAsync(string table, IReadOnlyCollection<string> sysIds,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken);

    /// <summary>Every record an encoded query matches, all pages.</summary>
    Task<TargetResult<IReadOnlyList<TargetRecord>>> QueryAsync(string table, string encodedQuery, IReadOnlyCollection<string> fields,
        CancellationToken cancellationToken);

    /// <summary>Creates a record (POST) and answers it with <paramref name="fields"/> read back.</summary>
    Task<TargetResult<TargetRecord>> CreateAsync(string table, IReadOnlyDictionary<string, string?> values,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken);

    /// <summary>Changes the given fields of a record (PATCH); 404 is <c>InvalidAnchor</c>.</summary>
    Task<TargetResult<TargetRecord>> UpdateAsync(string table, string sysId, IReadOnlyDictionary<string, string?> values,
        IReadOnlyCollection<string> fields, CancellationToken cancellationToken);

    /// <summary>Deletes a record; one that is already gone counts as deleted (answers false).</summary>
    Task<TargetResult<bool>> DeleteAsync(string table, string sysId, CancellationToken cancellationToken);

    /// <summary>
    /// Graph's validateCredentials for ServiceNow: the instance answers, the credentials work, the account can read
    /// and write <c>sys_user</c> (and <c>sys_user_group</c>, <c>sys_user_grmember</c> when <paramref name="groups"/>).
    /// Writes nothing that stays: a write check creates and deletes a marked record, or reads the account's roles.
    /// </summary>
    Task<IReadOnlyList<ConnectionCheck>> TestAsync(bool groups, CancellationToken cancellationToken);

    /// <summary>Counters for progress and benchmarks.</summary>
    TargetStatistics Statistics { get; }
}

/// <summary>What the connector has done so far.</summary>
public sealed class TargetStatistics
{
    private long _requests, _throttled, _retries, _failures;

    public long Requests => Interlocked.Read(ref _requests);
    public long Throttled => Interlocked.Read(ref _throttled);
    public long Retries => Interlocked.Read(ref _retries);
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The concurrency the connector is using now (it adapts between 1 and the configured maximum).</summary>
    public int CurrentConcurrency { get; set; }

    public void CountRequest() => Interlocked.Increment(ref _requests);
    public void CountThrottled() => Interlocked.Increment(ref _throttled);
    public void CountRetry() => Interlocked.Increment(ref _retries);
    public void CountFailure() => Interlocked.Increment(ref _failures);
}
