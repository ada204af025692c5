namespace IdentityBridge.Saml.Validation;

/// <summary>One thing wrong with a message: a stable code, the message ServiceNow shows where it has one, and what was seen.</summary>
public sealed record ValidationProblem(string Code, string Message, string? Evidence = null);

/// <summary>One step of validation as Test Connection and debug logging show it.</summary>
public sealed record ValidationStep(string Name, bool Passed, string Detail);

/// <summary>The identity a valid response vouches for, read only from the nodes whose signature verified.</summary>
public sealed record ValidatedAssertion
{
    public required string RecordId { get; init; }
    public required string Issuer { get; init; }
    public required string ResponseId { get; init; }
    public required string AssertionId { get; init; }
    public string? InResponseTo { get; init; }
    public required string NameId { get; init; }
    public string? NameIdFormat { get; init; }
    public string? SessionIndex { get; init; }
    public DateTimeOffset? AuthnInstant { get; init; }
    public string? AuthnContextClassRef { get; init; }
    public DateTimeOffset? NotOnOrAfter { get; init; }
    /// <summary>Attribute name to its values, in the order the assertion carries them.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes { get; init; }
    /// <summary>SHA-256 thumbprint of the trusted certificate whose key verified the signature.</summary>
    public required string SigningCertificateThumbprint { get; init; }
}

/// <summary>
/// The outcome of validating a response: every problem found (not only the first), the steps taken, and when
/// there is no problem, the assertion.
/// </summary>
public sealed class ValidationResult
{
    public required IReadOnlyList<ValidationProblem> Problems { get; init; }
    public required IReadOnlyList<ValidationStep> Steps { get; init; }
    /// <summary>The Issuer the response named, when it could be read.</summary>
    public string? Issuer { get; init; }
    /// <summary>The record the Issuer selected, when one did.</summary>
    public string? RecordId { get; init; }
    /// <summary>The InResponseTo the response carried, when it could be read.</summary>
    public string? InResponseTo { get; init; }
    /// <summary>The NameID, only when the signature verified (for logs such as "User: x not found").</summary>
    public string? NameId { get; init; }
    /// <summary>Set only when <see cref="Problems"/> is empty.</summary>
    public ValidatedAssertion? Assertion { get; init; }

    public bool IsValid => Problems.Count == 0 && Assertion is not null;

    public bool Has(string code) => Problems.Any(p => p.Code == code);
}
