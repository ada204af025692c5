using System.Collections.Concurrent;
using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>A replay cache that is atomic, as the contract asks: of two adds of one key, one wins.</summary>
internal sealed class InteropReplayCache : IReplayCache
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_seen.TryAdd(key, expires));
}

/// <summary>The AuthnRequests this service provider "sent": each can be taken once, before it expires.</summary>
internal sealed class InteropRequestTracker(TimeProvider time) : IRequestTracker
{
    private readonly ConcurrentDictionary<string, SentRequest> _sent = new(StringComparer.Ordinal);

    /// <summary>Records a request sent to <paramref name="recordId"/> and returns its id, for a peer to answer.</summary>
    public string Send(string recordId)
    {
        var id = "_" + Guid.NewGuid().ToString("N");
        _sent[id] = new SentRequest(id, recordId, time.GetUtcNow().AddMinutes(10));
        return id;
    }

    public ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_sent.TryRemove(requestId, out var request) && request.Expires > time.GetUtcNow() ? request : null);
}

/// <summary>One identity provider record, selected by its exact entity id.</summary>
internal sealed class SingleRecordResolver(IdentityProviderTrust trust) : IIdentityProviderResolver
{
    public ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(string.Equals(issuer, trust.EntityId, StringComparison.Ordinal) ? trust : null);
}
