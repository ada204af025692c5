using System.Security.Cryptography.X509Certificates;

namespace IdentityBridge.Saml.Validation;

/// <summary>
/// What a service provider trusts of one identity provider, and what it expects of that provider's responses: one
/// Multi-Provider SSO record. Everything a response is checked against comes from the record its Issuer selects,
/// so a response from one provider can never be judged by another's keys or state (CVE-2023-41890).
/// </summary>
public sealed record IdentityProviderTrust
{
    /// <summary>Our id of the record (the sys_id of the identity-provider record).</summary>
    public required string RecordId { get; init; }
    /// <summary>The provider's entity id: Response and Assertion Issuer must equal it exactly.</summary>
    public required string EntityId { get; init; }
    /// <summary>
    /// The certificates whose keys may sign for this provider; several during a rollover. A KeyInfo certificate in
    /// the message is never trusted; with none here, nothing from this provider is accepted.
    /// </summary>
    public required IReadOnlyList<X509Certificate2> SigningCertificates { get; init; }
    /// <summary>Our entity id as this provider knows it: every AudienceRestriction must contain it.</summary>
    public required string Audience { get; init; }
    /// <summary>The URLs at which we accept responses from this provider: Destination and Recipient must be one.</summary>
    public required IReadOnlyList<string> AssertionConsumerServiceUrls { get; init; }
    /// <summary>RSA-SHA1 and SHA-1 digests are refused unless the record explicitly allows them.</summary>
    public bool AllowSha1 { get; init; }
    /// <summary>How far the provider's clock may be from ours (ServiceNow's clock_skew, seconds on the record).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(180);
    /// <summary>When true, a response signed only on the Response element is refused.</summary>
    public bool RequireSignedAssertion { get; init; }
    /// <summary>Accept responses sent without a request (IdP-initiated, the app tile).</summary>
    public bool AllowUnsolicited { get; init; } = true;
    /// <summary>Our key for encrypted assertions; without it an EncryptedAssertion is refused.</summary>
    public X509Certificate2? DecryptionCertificate { get; init; }
    /// <summary>The longest Conditions window accepted (NotBefore to NotOnOrAfter), against absurd lifetimes.</summary>
    public TimeSpan MaxAssertionLifetime { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>Finds the record a response's Issuer selects.</summary>
public interface IIdentityProviderResolver
{
    /// <summary>The record whose entity id equals the issuer exactly, or null.</summary>
    ValueTask<IdentityProviderTrust?> FindByIssuerAsync(string issuer, CancellationToken cancellationToken);
}

/// <summary>
/// Remembers the assertions already consumed. Must be atomic across every node that shares it: of two concurrent
/// calls with one key, exactly one returns true.
/// </summary>
public interface IReplayCache
{
    /// <summary>Records the key until <paramref name="expires"/>; false when it was already recorded.</summary>
    ValueTask<bool> TryAddAsync(string key, DateTimeOffset expires, CancellationToken cancellationToken);
}

/// <summary>A request this service provider sent (an AuthnRequest), as remembered until its response arrives.</summary>
public sealed record SentRequest(string RequestId, string RecordId, DateTimeOffset Expires);

/// <summary>The AuthnRequests this service provider sent and has not yet seen answered.</summary>
public interface IRequestTracker
{
    /// <summary>
    /// Takes the request with this id: returns it once and forgets it, so one request is answered at most once.
    /// Null when no such request was sent, it expired, or it was already answered.
    /// </summary>
    ValueTask<SentRequest?> TakeAsync(string requestId, CancellationToken cancellationToken);
}
