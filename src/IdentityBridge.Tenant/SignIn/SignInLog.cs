using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>One sign-in attempt as the log keeps it: who, to which app, and Entra's error code (0 for success).</summary>
public sealed record SignInEvent
{
    public string? UserPrincipalName { get; init; }
    public string? UserSysId { get; init; }
    public string? AppId { get; init; }
    public string? AppDisplayName { get; init; }
    public int ErrorCode { get; init; }
    public string? FailureReason { get; init; }
    public string? CorrelationId { get; init; }
    public string? IpAddress { get; init; }
    /// <summary>What an admin needs to act (the Reply URL asked for, the request's Issuer); never a secret.</summary>
    public string? Detail { get; init; }

    public static SignInEvent Failed(SignInError error) => new() { ErrorCode = error.Code, FailureReason = error.Message };
}

/// <summary>
/// The tenant's sign-in log (Entra's sign-in logs): every interactive sign-in and SAML sign-on, successful or not.
/// Passwords and tokens are never written.
/// </summary>
public sealed class SignInLog(Store store, TimeProvider time)
{
    /// <summary>Concurrent sign-ins share the log's commits.</summary>
    private readonly CombinedInserts _inserts = new(store, DirectoryTables.SignInLog, "system");

    public async Task WriteAsync(SignInEvent entry, CancellationToken cancellationToken)
    {
        await _inserts.InsertAsync(new Dictionary<string, string?>
        {
            ["created_date_time"] = GlideDateTimes.Format(time.GetUtcNow()),
            ["user_principal_name"] = Clip(entry.UserPrincipalName, 256),
            ["user_id"] = entry.UserSysId,
            ["app_id"] = entry.AppId,
            ["app_display_name"] = Clip(entry.AppDisplayName, 256),
            ["error_code"] = entry.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["failure_reason"] = Clip(entry.FailureReason, 1024),
            ["correlation_id"] = entry.CorrelationId,
            ["ip_address"] = Clip(entry.IpAddress, 64),
            ["detail"] = Clip(entry.Detail, 4000),
        }, cancellationToken);
    }

    private static string? Clip(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
