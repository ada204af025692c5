using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// An error a user meets while signing in, with Entra's AADSTS number and wording
/// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). <see cref="Title"/> is the short
/// name Entra's sign-in logs give the failure.
/// </summary>
public sealed record SignInError(int Code, string Title, string Message, int Status = StatusCodes.Status400BadRequest)
{
    public string CodeText => "AADSTS" + Code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static SignInError InvalidCredentials() => new(50126, "InvalidUserNameOrPassword",
        "Error validating credentials due to invalid username or password.", StatusCodes.Status200OK);

    public static SignInError UnknownUser(string userPrincipalName, string tenant) => new(50034, "UserAccountNotFound",
        $"The user account {userPrincipalName} does not exist in the {tenant} directory. To sign into this application, " +
        "the account must be added to the directory.", StatusCodes.Status200OK);

    public static SignInError Disabled() => new(50057, "UserAccountDisabled",
        "The user account is disabled. The user object in Active Directory backing this account has been disabled. " +
        "An admin can re-enable this account through PowerShell.", StatusCodes.Status200OK);

    public static SignInError LockedOut() => new(50053, "IdsLocked",
        "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password.",
        StatusCodes.Status200OK);

    public static SignInError NotAssigned(string appDisplayName, string appId, string userPrincipalName) => new(50105,
        "EntitlementGrantsNotFound",
        $"Your administrator has configured the application {appDisplayName} ('{appId}') to block users unless they are " +
        $"specifically granted ('assigned') access to the application. The signed in user '{userPrincipalName}' is blocked " +
        "because they are not a direct member of a group with access, nor had access directly assigned by an administrator. " +
        "Please contact your administrator to assign access to this application.");

    public static SignInError UnknownApplication(string identifier, string tenant) => new(700016,
        "UnauthorizedClient_DoesNotMatchRequest",
        $"Application with identifier '{identifier}' was not found in the directory '{tenant}'. This can happen if the " +
        "application has not been installed by the administrator of the tenant or consented to by any user in the tenant. " +
        "You may have sent your authentication request to the wrong tenant.");

    public static SignInError ReplyUrlMismatch(string replyUrl, string appId) => new(50011, "InvalidReplyTo",
        $"The redirect URI '{replyUrl}' specified in the request does not match the redirect URIs configured for the " +
        $"application '{appId}'. Make sure the redirect URI sent in the request matches one added to your application in " +
        "the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.");

    public static SignInError DisabledApplication(string appId) => new(7000112, "UnauthorizedClient_AppDisabled",
        $"Application '{appId}' is disabled.");
}
