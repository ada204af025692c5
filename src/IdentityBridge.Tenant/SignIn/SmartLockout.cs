using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>What a failed password did to a user's lockout state.</summary>
/// <param name="Counted">False when the same wrong password was among the last few already counted.</param>
/// <param name="LockedUntil">When this failure locked the user out, until when; else null.</param>
internal sealed record LockoutOutcome(bool Counted, DateTimeOffset? LockedUntil);

/// <summary>
/// Entra's smart lockout (https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout):
/// after <see cref="TenantOptions.LockoutThreshold"/> wrong passwords a user is held back for
/// <see cref="TenantOptions.LockoutDuration"/>, and every further wrong password after that locks again for twice as
/// long as the lockout before, up to <see cref="MaximumDuration"/>. A user who retypes the same wrong password is
/// not counted twice (Entra tracks the last three bad password hashes), so a stale password in a phone's mail app
/// does not lock its owner out. A successful sign-in starts the count again.
/// </summary>
/// <remarks>
/// One <c>sign_in_lockout</c> row per user, changed by compare-and-set on <c>sys_mod_count</c>: concurrent wrong
/// passwords (an attacker firing posts in parallel) each count, where a read-then-write would lose some and let a
/// guesser past the threshold.
/// </remarks>
internal sealed class SmartLockout(Store store, TenantOptions options, TimeProvider time)
{
    /// <summary>No lockout lasts longer than this, however often it repeats.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromHours(1);

    /// <summary>How many of the latest wrong passwords are remembered (as keyed hashes) to be not counted again.</summary>
    public const int RememberedPasswords = 3;

    // 24 bits of the HMAC: enough that two different wrong passwords almost never look the same (1 in 16 million),
    // short enough that a stolen copy of the table does not confirm a guess at a near-miss of the real password.
    private const int FingerprintHexLength = 6;
    private const int Attempts = 20;

    // Checked when the tenant starts (the sign-in endpoints are built with it), with what to change.
    private readonly int _threshold = options.LockoutThreshold >= 1
        ? options.LockoutThreshold
        : throw new ArgumentException(
            $"TenantOptions.LockoutThreshold is {options.LockoutThreshold}; give 1 or more failed sign-ins (Entra's default is 10).",
            nameof(options));
    private readonly TimeSpan _duration = options.LockoutDuration > TimeSpan.Zero && options.LockoutDuration <= MaximumDuration
        ? options.LockoutDuration
        : throw new ArgumentException(
            $"TenantOptions.LockoutDuration is {options.LockoutDuration}; give more than zero and at most an hour (Entra's default is 60 seconds).",
            nameof(options));

    private static TableDefinition Table => DirectoryTables.SignInLockout;
    private static WriteOptions System { get; } = new("system");

    /// <summary>Until when the user is locked out, or null when they may sign in now.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string userSysId, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(Table, "user", userSysId, cancellationToken);
        return row is null ? null : ActiveLock(row);
    }

    /// <summary>Counts a wrong password for the user; answers whether it counted and whether it locked the user out.</summary>
    public async Task<LockoutOutcome> RecordFailureAsync(string userSysId, string password, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var row = await RowAsync(userSysId, cancellationToken);
            var now = time.GetUtcNow();
            var key = row["password_key"] is { Length: 64 } stored ? stored : NewKey();
            var fingerprint = Fingerprint(key, password);
            var recent = (row["recent_bad_passwords"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (recent.Contains(fingerprint, StringComparer.Ordinal)) return new LockoutOutcome(false, ActiveLock(row));

            var failed = Number(row["failed_attempts"]) + 1;
            var lockouts = Number(row["lockouts"]);
            var values = new Dictionary<string, string?>
            {
                ["failed_attempts"] = Text(failed),
                ["last_failure_at"] = GlideDateTimes.Format(now),
                ["password_key"] = key,
                ["recent_bad_passwords"] = string.Join(',', recent.Prepend(fingerprint).Take(RememberedPasswords)),
            };
            DateTimeOffset? lockedUntil = null;
            if (failed >= _threshold)
            {
                lockedUntil = now + Duration(lockouts);
                values["locked_until"] = GlideDateTimes.Format(lockedUntil.Value);
                values["lockouts"] = Text(lockouts + 1);
            }
            var result = await store.UpdateIfAsync(Table, row.SysId,
                EncodedQuery.Where(TableDefinition.ModCount, row[TableDefinition.ModCount] ?? "0"), values, System, cancellationToken);
            if (result.Succeeded) return new LockoutOutcome(true, lockedUntil);
            // Another failure changed the row first: read it again and count this one on top.
        }
        return await CountUnderContentionAsync(userSysId, cancellationToken);
    }

    /// <summary>
    /// A burst of failures kept beating this one to the row: it is still counted, by a single-statement increment,
    /// so a flood of parallel guesses cannot slip past the threshold (its password is just not remembered).
    /// </summary>
    private async Task<LockoutOutcome> CountUnderContentionAsync(string userSysId, CancellationToken cancellationToken)
    {
        var row = await RowAsync(userSysId, cancellationToken);
        var failed = await store.IncrementAsync(Table, row.SysId, "failed_attempts", System, cancellationToken) ?? 0;
        if (failed < _threshold) return new LockoutOutcome(true, null);
        var lockedUntil = time.GetUtcNow() + Duration(Number(row["lockouts"]));
        await store.UpdateAsync(Table, row.SysId, new Dictionary<string, string?>
        {
            ["locked_until"] = GlideDateTimes.Format(lockedUntil),
            ["lockouts"] = Text(Number(row["lockouts"]) + 1),
        }, System, cancellationToken);
        return new LockoutOutcome(true, lockedUntil);
    }

    /// <summary>A successful sign-in: the user starts again with no failures and no lockout history.</summary>
    public async Task ResetAsync(string userSysId, CancellationToken cancellationToken)
    {
        var row = await store.FindAsync(Table, "user", userSysId, cancellationToken);
        if (row is null || (Number(row["failed_attempts"]) == 0 && Number(row["lockouts"]) == 0 && string.IsNullOrEmpty(row["recent_bad_passwords"])))
            return;
        await store.UpdateAsync(Table, row.SysId, new Dictionary<string, string?>
        {
            ["failed_attempts"] = "0",
            ["lockouts"] = "0",
            ["locked_until"] = "",
            ["recent_bad_passwords"] = "",
        }, System, cancellationToken);
    }

    /// <summary>The first lockout lasts the configured duration; each one after it twice the one before.</summary>
    private TimeSpan Duration(long previousLockouts)
    {
        var duration = _duration;
        for (var i = 0; i < previousLockouts && duration < MaximumDuration; i++) duration += duration;
        return duration < MaximumDuration ? duration : MaximumDuration;
    }

    private DateTimeOffset? ActiveLock(RecordRow row) =>
        GlideDateTimes.TryParse(row["locked_until"], out var until) && until > time.GetUtcNow() ? until : null;

    private async Task<RecordRow> RowAsync(string userSysId, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(Table, "user", userSysId, cancellationToken) is { } row) return row;
        var created = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            ["user"] = userSysId,
            ["failed_attempts"] = "0",
            ["lockouts"] = "0",
            ["password_key"] = NewKey(),
        }, System, cancellationToken);
        if (created.Succeeded) return created.Row!;
        // A concurrent failure created the row first (the unique key on user): use that one.
        return await store.FindAsync(Table, "user", userSysId, cancellationToken)
               ?? throw new InvalidOperationException("The lockout record could not be created: " + created.Error?.Detail);
    }

    private static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string Fingerprint(string key, string password) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromHexString(key), Encoding.UTF8.GetBytes(password)))[..FingerprintHexLength];

    private static long Number(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
