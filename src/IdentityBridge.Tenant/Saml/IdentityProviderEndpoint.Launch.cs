using IdentityBridge.Tenant.SignIn;

namespace IdentityBridge.Tenant.Saml;

internal sealed partial class IdentityProviderEndpoint
{
    /// <summary>
    /// IdP-initiated sign-on from a My Apps tile (spec/saml.md 1.9). With a Sign-on URL the browser goes there and
    /// the app starts an SP-initiated sign-on, as Entra's My Apps does; otherwise an unsolicited response (no
    /// InResponseTo) goes to the default Reply URL with the app's Relay State. Each piece of set-up that is missing
    /// gets a page that says what to configure.
    /// </summary>
    private async Task LaunchAsync(Microsoft.AspNetCore.Http.HttpContext context, string appId)
    {
        var cancellationToken = context.RequestAborted;
        var session = await sessions.CurrentAsync(context, cancellationToken);
        if (session is null)
        {
            TenantPage.Redirect(context, LoginUrl($"/{TenantId}/saml2/launch?appid={Uri.EscapeDataString(appId)}"));
            return;
        }
        var app = await applications.FindByAppIdAsync(appId, cancellationToken);
        if (app is null)
        {
            await RefuseAsync(context, SignInError.UnknownApplication(appId, TenantId), null, session, "appid: " + appId);
            return;
        }
        if (!app.AccountEnabled)
        {
            await RefuseAsync(context, SignInError.DisabledApplication(app.AppId), app, session, null);
            return;
        }
        if (app.SignOnUrl is { } signOnUrl)
        {
            TenantPage.Redirect(context, signOnUrl);
            return;
        }
        var problem = await responses.LaunchProblemAsync(app, cancellationToken);
        if (problem is not null)
        {
            await RefuseAsync(context, problem, app, session, null);
            return;
        }
        await CompleteAsync(context, app, session, app.DefaultReplyUrl!.Uri, inResponseTo: null, requestIssuer: null, nameIdFormat: null,
            string.IsNullOrEmpty(app.Settings.RelayState) ? null : app.Settings.RelayState);
    }
}
