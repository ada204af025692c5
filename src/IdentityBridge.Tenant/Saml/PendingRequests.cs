using System.Security.Cryptography;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Saml;

/// <summary>An AuthnRequest waiting while its user signs in.</summary>
public sealed record PendingRequest
{
    /// <summary>The random handle carried through the sign-in page (32 hex digits).</summary>
    public required string Id { get; init; }
    public required string ServicePrincipalSysId { get; init; }
    public required string RequestId { get; init; }
    public required string Issuer { get; init; }
    public required string ReplyUrl { get; init; }
    public string? RelayState { get; init; }
    public string? NameIdFormat { get; init; }
    public bool ForceAuthn { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>
/// AuthnRequests parked in saml_pending_request while the browser signs in. The handle is random and used once, so
/// a link to the continue page cannot be replayed, and a request older than <see cref="Lifetime"/> is refused.
/// </summary>
public sealed class PendingRequests(Store store, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private static TableDefinition Table => DirectoryTables.SamlPendingRequest;

    public async Task<PendingRequest> SaveAsync(string servicePrincipalSysId, string requestId, string issuer, string replyUrl,
        string? relayState, string? nameIdFormat, bool forceAuthn, CancellationToken cancellationToken)
    {
        var now = Seconds(time.GetUtcNow());
        var id = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var result = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            [TableDefinition.SysId] = id,
            ["service_principal"] = servicePrincipalSysId,
            ["request_id"] = requestId,
            ["issuer"] = issuer,
            ["reply_url"] = replyUrl,
            ["relay_state"] = relayState,
            ["name_id_format"] = nameIdFormat,
            ["force_authn"] = forceAuthn ? "true" : "false",
            ["expires_at"] = GlideDateTimes.Format(now + Lifetime),
        }, new WriteOptions("system"), cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException("Could not keep the sign-in request: " + result.Error?.Detail);
        return Describe(result.Row!);
    }

    /// <summary>Takes the request: answers it once and deletes it; null when unknown, already taken or expired.</summary>
    public async Task<PendingRequest?> TakeAsync(string id, CancellationToken cancellationToken)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower)) return null;
        var row = await store.GetAsync(Table, id, cancellationToken: cancellationToken);
        if (row is null) return null;
        // Only the caller whose delete removed the row may use it: two tabs continuing at once get one response.
        if (!(await store.DeleteAsync(Table, id, cancellationToken)).Succeeded) return null;
        var pending = Describe(row);
        return pending.ExpiresAt <= time.GetUtcNow() ? null : pending;
    }

    private static PendingRequest Describe(RecordRow row)
    {
        var expires = GlideDateTimes.TryParse(row["expires_at"], out var at) ? at : DateTimeOffset.MinValue;
        return new PendingRequest
        {
            Id = row.SysId,
            ServicePrincipalSysId = row["service_principal"] ?? "",
            RequestId = row["request_id"] ?? "",
            Issuer = row["issuer"] ?? "",
            ReplyUrl = row["reply_url"] ?? "",
            RelayState = string.IsNullOrEmpty(row["relay_state"]) ? null : row["relay_state"],
            NameIdFormat = string.IsNullOrEmpty(row["name_id_format"]) ? null : row["name_id_format"],
            ForceAuthn = row["force_authn"] == "true",
            CreatedAt = expires - Lifetime,
            ExpiresAt = expires,
        };
    }

    private static DateTimeOffset Seconds(DateTimeOffset value) => new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
