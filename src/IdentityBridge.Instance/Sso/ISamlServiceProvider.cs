using IdentityBridge.Instance.Sessions;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The SAML protocol steps the login pages hand over to: sending an AuthnRequest, consuming a Response at the ACS,
/// and single logout. The pages, sessions, records and users are the instance's; the messages and their signatures
/// are the SAML library's; <see cref="SamlServiceProvider"/> implements them.
/// </summary>
public interface ISamlServiceProvider
{
    /// <summary>
    /// <c>/login_with_sso.do</c>: sends the user to the identity provider with an AuthnRequest. <paramref name="returnPath"/>
    /// is a path on this instance, already checked, where the user lands after signing in.
    /// </summary>
    Task StartSignInAsync(HttpContext context, IdentityProviderRecord record, string returnPath);

    /// <summary>A POST to an ACS URL (<c>/navpage.do</c>, <c>/consumer.do</c>) carrying a SAMLResponse.</summary>
    Task ConsumeResponseAsync(HttpContext context);

    /// <summary>
    /// <c>/logout.do</c> for a session an identity provider started, after the local session has ended: sends a
    /// LogoutRequest and answers true, or answers false to let the instance finish the logout locally.
    /// </summary>
    Task<bool> StartSingleLogoutAsync(HttpContext context, UserSession endedSession, IdentityProviderRecord record);

    /// <summary>A GET to an ACS URL carrying a SAMLRequest or SAMLResponse: single logout over HTTP-Redirect.</summary>
    Task HandleRedirectMessageAsync(HttpContext context);
}
