namespace IdentityBridge.Saml.Validation;

/// <summary>
/// Validates a SAML Response posted to an assertion consumer service, in the order of spec/saml.md 2.4.
/// </summary>
public sealed class ResponseValidator(IIdentityProviderResolver resolver, IReplayCache replayCache,
    IRequestTracker requests, TimeProvider time)
{
    /// <summary>The largest SAMLResponse form value accepted, in base64 characters.</summary>
    public const int MaxEncodedLength = 512 * 1024;

    /// <summary>
    /// Validates the base64 SAMLResponse value of an HTTP-POST. Never throws for bad input: every problem is in the
    /// result. <paramref name="receivedAt"/> is the absolute URL it was posted to, as this service provider names it.
    /// </summary>
    public Task<ValidationResult> ValidateAsync(string samlResponse, string receivedAt, CancellationToken cancellationToken = default)
    {
        _ = (resolver, replayCache, requests, time, samlResponse, receivedAt, cancellationToken);
        throw new NotImplementedException("being written");
    }
}
