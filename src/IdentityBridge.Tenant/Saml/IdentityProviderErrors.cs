using IdentityBridge.Tenant.SignIn;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The sign-in errors of the SAML endpoint beyond those every sign-in shares (<see cref="SignInError"/>), with
/// Entra's AADSTS numbers and wording where Entra has one
/// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes), and a message that says what to
/// configure where the fault is the app's set-up.
/// </summary>
public static class IdentityProviderErrors
{
    public static SignInError MessageMissing(string detail) => new(750054, "SamlRequestMissing",
        "SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request for SAML Redirect binding, " +
        $"or as form fields for SAML POST binding. {detail}");

    public static SignInError InvalidMessage(string detail) => new(75005, "Saml2MessageInvalid",
        $"The request is not a valid Saml2 protocol message. {detail}");

    public static SignInError UnknownTenant(string tenant) => new(90002, "InvalidTenantName",
        $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
        StatusCodes.Status404NotFound);

    public static SignInError NoReplyUrl(string appId) => new(500113, "NoReplyAddress",
        $"No reply address is registered for the application '{appId}'. Add a Reply URL (Assertion Consumer Service URL) " +
        "in the application's Basic SAML Configuration.");

    /// <summary>
    /// The user has no value for the attribute the NameID carries. Entra fails the token issuance (AADSTS50000, "an
    /// error issuing a token"); the message says which attribute to fill in or which source to choose instead.
    /// </summary>
    public static SignInError NameIdValueMissing(string source, string userPrincipalName) => new(50000, "NameIdValueMissing",
        $"There was an error issuing a token: the user '{userPrincipalName}' has no value for '{source}', which the application's " +
        "Unique User Identifier (Name ID) claim carries. Give the user a value for that attribute, or choose another source " +
        "attribute for the Name ID in Attributes & Claims.", StatusCodes.Status200OK);

    /// <summary>
    /// The tenant cannot read its pairwise NameID secret (its key was replaced). The user can do nothing about it, so
    /// the page says to tell an admin, and the log line says what the admin must restore.
    /// </summary>
    public static SignInError PairwiseSecretUnreadable(string problem) => new(50000, "PairwiseNameIdSecretUnreadable",
        "There was an error issuing a token: the tenant cannot compute this application's persistent Name ID. " +
        $"Ask your administrator to check the tenant's sign-in logs. ({problem})", StatusCodes.Status500InternalServerError);

    public static SignInError NoSigningCertificate(SamlApplication app, string? problem) => new(50000, "NoSigningCertificate",
        $"There was an error issuing a token: the application '{app.AppId}' has no usable SAML signing certificate" +
        (problem is null ? ". " : $" ({problem.TrimEnd('.')}). ") +
        "Add one in the application's SAML Certificates section (POST /v1.0/servicePrincipals/{id}/addTokenSigningCertificate) and make it active.");

    public static SignInError NotSetUpForSaml(SamlApplication app) => new(50000, "SamlNotConfigured",
        $"The application '{app.DisplayName}' ('{app.AppId}') is not set up for SAML single sign-on. Choose SAML as its " +
        "single sign-on method (preferredSingleSignOnMode 'saml') and fill in its Basic SAML Configuration.");

    public static SignInError NoIdentifier(SamlApplication app) => new(50000, "NoIdentifier",
        $"The application '{app.DisplayName}' ('{app.AppId}') has no Identifier (Entity ID), which becomes the Audience " +
        "of its responses. Add one in the application's Basic SAML Configuration.");


    /// <summary>Entra's AADSTS76021: the app requires signed requests (its "Require verification certificates").</summary>
    public static SignInError RequestNotSigned(string what, string appId, string hint) => new(76021, "ApplicationRequiresSignedRequests",
        $"The request sent by client is not signed while the application requires signed requests. The {what} for the application " +
        $"'{appId}' carries no signature: sign it with the key of one of the application's verification certificates (in the query's " +
        $"SigAlg and Signature on HTTP-Redirect, as an enveloped signature on HTTP-POST), or turn off 'Require verification certificates'.{hint}");

    // Entra publishes no AADSTS number of its own for a request whose signature fails; like any request Entra cannot
    // accept, these are AADSTS75005 (Saml2MessageInvalid), each with its own title and a message saying the fix.

    public static SignInError RequestSignatureInvalid(string what, string appId, string why) => new(75005, "Saml2RequestSignatureInvalid",
        $"The request is not a valid Saml2 protocol message: the signature of the {what} for the application '{appId}' does not verify " +
        $"with any of its verification certificates ({why.TrimEnd('.')}). The request was changed after it was signed, or signed with " +
        "another key: upload the application's current signing certificate as a verification certificate.");

    public static SignInError RequestSignatureUntrusted(string what, string appId, string why) => new(75005, "Saml2RequestSignatureUntrusted",
        $"The request is not a valid Saml2 protocol message: the {what} for the application '{appId}' is not signed with a trusted " +
        $"certificate: {why.TrimEnd('.')}. Upload the certificate the application signs with under Verification certificates.");

    public static SignInError RequestSignedWithSha1(string what, string appId) => new(75005, "Saml2RequestSignatureSha1NotAllowed",
        $"The request is not a valid Saml2 protocol message: the {what} for the application '{appId}' is signed with RSA-SHA1, which the " +
        "application does not allow. Sign with RSA-SHA256, or turn on 'Allow requests signed with RSA-SHA1'.");

    public static SignInError PendingRequestExpired() => new(50000, "PendingRequestExpired",
        "The sign-in request this page continues is unknown or has expired (requests are kept for 10 minutes). Go back to " +
        "the application and sign in again.");

    public static SignInError SignInAgainRequired() => new(50000, "ForceAuthnNotSatisfied",
        "The application asked for a fresh sign-in, and this browser's sign-in is older than the request. Go back to the " +
        "application and sign in again.");
}
