using IdentityBridge.Instance.Tables;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

public enum SentRequestKind
{
    Authn,
    Logout,
}

/// <summary>A request we sent, as multisso_request_parameter remembers it.</summary>
public sealed record TrackedRequest(string RequestId, string RecordId, SentRequestKind Kind, string RelayState,
    bool TestConnection, bool Consumed, DateTimeOffset Expires)
{
    public SentRequest ToSentRequest() => new(RequestId, RecordId, Expires);
}

/// <summary>
/// The AuthnRequests and LogoutRequests we sent, in multisso_request_parameter, so that any node can match the
/// response (InResponseTo) and a response is taken at most once, even when two nodes receive it at the same time.
/// </summary>
public sealed class StoreRequestTracker(Store store, TimeProvider time) : IRequestTracker
{
    public const int MaxRequestIdLength = 100;
    public const string DefaultRelayState = "/navpage.do";

    /// <summary>
    /// Remembers a request until <paramref name="expires"/>. The relay state is kept only when it is a path on this
    /// instance (anything else becomes <see cref="DefaultRelayState"/>): it is where the user lands afterwards.
    /// </summary>
    public async Task RememberAsync(string requestId, string recordId, SentRequestKind kind, string? relayState,
        bool testConnection, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(requestId) || requestId.Length > MaxRequestIdLength)
            throw new ArgumentException($"A request id has 1 to {MaxRequestIdLength} characters.", nameof(requestId));
        var result = await store.InsertAsync(Table, new Dictionary<string, string?>
        {
            ["request_id"] = requestId,
            ["idp"] = recordId,
            ["kind"] = kind == SentRequestKind.Authn ? "authn" : "logout",
            ["relay_state"] = LocalPaths.SafeOrNull(relayState) ?? DefaultRelayState,
            ["test_connection"] = testConnection ? "true" : "false",
            ["consumed"] = "false",
            ["expires"] = GlideDateTimes.Format(expires),
        }, new WriteOptions("system"), cancellationToken);
        if (result.Error is { } error)
            throw new InvalidOperationException($"Could not remember request {requestId}: {error.Message}: {error.Detail}");
    }

    /// <summary>Remembers a request the SAML library describes.</summary>
    public Task RememberAsync(SentRequest request, SentRequestKind kind, string? relayState, bool testConnection,
        CancellationToken cancellationToken) =>
        RememberAsync(request.RequestId, request.RecordId, kind, relayState, testConnection, request.Expires, cancellationToken);

    /// <summary>The request as remembered, consumed or not, or null.</summary>
    public async Task<TrackedRequest?> FindAsync(string requestId, CancellationToken cancellationToken)
    {
        var row = await FindRowAsync(requestId, cancellationToken);
        return row is null ? null : ToRequest(row);
    }

    public async ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) =>
        (await TakeRequestAsync(requestId, cancellationToken))?.ToSentRequest();

    /// <summary>
    /// Consumes the request, so of two concurrent takes (two nodes, one response posted twice) exactly one gets it.
    /// The claim is an increment of <c>takes</c> in one UPDATE ... RETURNING: the database serialises the two on the
    /// row, and only the first sees 1. Expired and unknown requests give null.
    /// </summary>
    /// <remarks>
    /// Not <see cref="Store.UpdateIfAsync"/> on <c>consumed=false</c>: on PostgreSQL its condition is a subquery read
    /// from the statement's snapshot, which the second of two concurrent updates does not read again after waiting
    /// for the first, so both can succeed.
    /// </remarks>
    public async Task<TrackedRequest?> TakeRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        var row = await FindRowAsync(requestId, cancellationToken);
        if (row is null || row["consumed"] == "true") return null;
        var request = ToRequest(row);
        if (request.Expires <= time.GetUtcNow()) return null;
        var takes = await store.IncrementAsync(Table, row.SysId, "takes", new WriteOptions("system"), cancellationToken);
        if (takes != 1) return null;
        await store.UpdateAsync(Table, row.SysId, new Dictionary<string, string?> { ["consumed"] = "true" },
            new WriteOptions("system"), cancellationToken);
        return request with { Consumed = true };
    }

    /// <summary>Forgets requests past their expiry: a response to one is refused whether remembered or not.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Where("expires", GlideDateTimes.Format(time.GetUtcNow()), QueryOperator.LessThan),
            cancellationToken);

    private async Task<RecordRow?> FindRowAsync(string requestId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(requestId) || requestId.Length > MaxRequestIdLength || requestId.Contains('\0')) return null;
        var row = await store.FindAsync(Table, "request_id", requestId, cancellationToken);
        // Ids are compared exactly; the store's text comparison ignores case.
        return row is not null && string.Equals(row["request_id"], requestId, StringComparison.Ordinal) ? row : null;
    }

    private static TrackedRequest ToRequest(RecordRow row) => new(
        row["request_id"]!,
        row["idp"] ?? "",
        row["kind"] == "logout" ? SentRequestKind.Logout : SentRequestKind.Authn,
        row["relay_state"] ?? DefaultRelayState,
        row["test_connection"] == "true",
        row["consumed"] == "true",
        GlideDateTimes.TryParse(row["expires"], out var expires) ? expires : DateTimeOffset.MinValue);

    private TableDefinition Table => store.Tables.Find(SsoTables.Request)!;
}
