using System.Collections.Concurrent;
using IdentityBridge.Saml.Validation;

namespace IdentityBridge.Saml.Tests.Validation.World;

/// <summary>A replay cache with the atomicity the contract demands: of two concurrent adds of one key, one wins.</summary>
public sealed class InMemoryReplayCache : IReplayCache
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>What was recorded, and until when.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Entries => new Dictionary<string, DateTimeOffset>(_seen);

    public ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_seen.TryAdd(key, expires));
}

/// <summary>The AuthnRequests "sent"; each can be taken once, and not after it expired.</summary>
public sealed class InMemoryRequestTracker(TimeProvider time) : IRequestTracker
{
    private readonly ConcurrentDictionary<string, SentRequest> _sent = new(StringComparer.Ordinal);

    public void Sent(SentRequest request) => _sent[request.RequestId] = request;

    public ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_sent.TryRemove(requestId, out var request) && request.Expires > time.GetUtcNow() ? request : null);
}

/// <summary>Selects a record by exact, case-sensitive issuer, as the contract says.</summary>
public sealed class InMemoryIdentityProviderResolver(IEnumerable<IdentityProviderTrust> records) : IIdentityProviderResolver
{
    private readonly IdentityProviderTrust[] _records = records.ToArray();

    public ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_records.FirstOrDefault(r => string.Equals(r.EntityId, issuer, StringComparison.Ordinal)));
}
