using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Validation;

/// <summary>The reason codes a validation reports. Stable: logs, tests and users filter on them.</summary>
public static class ValidationCodes
{
    // The message as received.
    public const string TooLarge = SafeXml.TooLargeCode;
    public const string InvalidBase64 = "INVALID_BASE64";
    public const string Doctype = SafeXml.DoctypeCode;
    public const string Malformed = SafeXml.MalformedCode;
    public const string ProcessingInstruction = SafeXml.ProcessingInstructionCode;
    public const string NestingTooDeep = SafeXml.NestingCode;

    // Structure.
    public const string NotAResponse = "NOT_A_RESPONSE";
    public const string UnsupportedVersion = "UNSUPPORTED_VERSION";
    public const string MissingId = "MISSING_ID";
    public const string AssertionCount = "ASSERTION_COUNT";
    public const string AssertionMisplaced = "ASSERTION_MISPLACED";
    public const string SignatureMisplaced = "SIGNATURE_MISPLACED";
    public const string DuplicateId = "DUPLICATE_ID";
    public const string IdentityFieldStructure = "IDENTITY_FIELD_STRUCTURE";

    // Issuer and record.
    public const string IssuerMissing = "ISSUER_MISSING";
    public const string IssuerMismatch = "ISSUER_MISMATCH";
    public const string UnknownIssuer = "UNKNOWN_ISSUER";
    public const string NoCertificate = "NO_CERTIFICATE";

    // Signatures.
    public const string SignatureMissing = "SIGNATURE_MISSING";
    public const string AssertionNotSigned = "ASSERTION_NOT_SIGNED";
    public const string SignatureProfile = "SIGNATURE_PROFILE";
    public const string ReferenceUri = "REFERENCE_URI";
    public const string TransformForbidden = "TRANSFORM_FORBIDDEN";
    public const string AlgorithmForbidden = "ALGORITHM_FORBIDDEN";
    public const string CertificateMismatch = "CERTIFICATE_MISMATCH";
    public const string SignatureInvalid = "SIGNATURE_INVALID";

    // Encryption.
    public const string DecryptionFailed = "DECRYPTION_FAILED";

    // Semantics.
    public const string StatusNotSuccess = "STATUS_NOT_SUCCESS";
    public const string DestinationMismatch = "DESTINATION_MISMATCH";
    public const string RecipientMismatch = "RECIPIENT_MISMATCH";
    public const string AudienceMismatch = "AUDIENCE_MISMATCH";
    public const string NoBearerConfirmation = "NO_BEARER_CONFIRMATION";
    public const string Expired = "EXPIRED";
    public const string NotYetValid = "NOT_YET_VALID";
    public const string SubjectExpired = "SUBJECT_EXPIRED";
    public const string SubjectNotYetValid = "SUBJECT_NOT_YET_VALID";
    public const string LifetimeTooLong = "LIFETIME_TOO_LONG";
    public const string InResponseToMismatch = "IN_RESPONSE_TO_MISMATCH";
    public const string UnsolicitedNotAllowed = "UNSOLICITED_NOT_ALLOWED";
    public const string NameIdMissing = "NAMEID_MISSING";
    public const string AuthnStatementMissing = "AUTHN_STATEMENT_MISSING";
    public const string Replayed = "REPLAYED";
}
