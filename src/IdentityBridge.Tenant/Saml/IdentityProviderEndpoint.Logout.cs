using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.SignIn;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Saml;

internal sealed partial class IdentityProviderEndpoint
{
    /// <summary>
    /// Single logout started by an app. The request's Issuer names the app; the session ended is the one whose
    /// sign-on to that app issued the NameID named (the browser's own, or the one a SessionIndex names), so an app
    /// can end only sessions it took part in. The answer, a LogoutResponse signed with the app's certificate, goes to
    /// the app's Logout URL on HTTP-Redirect; without a Logout URL the browser sees the signed-out page. As in Entra,
    /// the other apps of the session are not told. A request whose signature the app's verification certificates
    /// refuse ends nothing: a forged logout must not sign anyone out.
    /// </summary>
    private async Task LogoutAsync(HttpContext context, LogoutRequest request, System.Xml.XmlDocument document, RedirectMessage? redirect,
        string? relayState, CancellationToken cancellationToken)
    {
        var app = await applications.FindByIdentifierAsync(request.Issuer, cancellationToken);
        if (app is null)
        {
            await RefuseAsync(context, SignInError.UnknownApplication(request.Issuer, TenantId), null, null, "LogoutRequest Issuer: " + request.Issuer);
            return;
        }
        if (!await SignatureAcceptedAsync(context, app, await sessions.CurrentAsync(context, cancellationToken), document, redirect)) return;

        SamlStatus status;
        if (request.NotOnOrAfter is { } notOnOrAfter && notOnOrAfter <= time.GetUtcNow())
            status = Requester("The LogoutRequest expired at its NotOnOrAfter.");
        else
        {
            var browserSession = await sessions.CurrentAsync(context, cancellationToken);
            var candidates = new List<TenantSession>();
            if (browserSession is not null) candidates.Add(browserSession);
            foreach (var index in request.SessionIndexes.Take(20))
                if (await sessions.FindBySessionIndexAsync(index, cancellationToken) is { } named && candidates.All(c => c.SysId != named.SysId))
                    candidates.Add(named);

            var ended = 0;
            foreach (var session in candidates)
            {
                var participants = await sessions.ParticipantsAsync(session, cancellationToken);
                var matches = participants.Any(p => p.ServicePrincipalSysId == app.ServicePrincipalSysId &&
                                                    string.Equals(p.NameId, request.NameId.Value, StringComparison.Ordinal) &&
                                                    (request.SessionIndexes.Count == 0 || request.SessionIndexes.Contains(p.SessionIndex, StringComparer.Ordinal)));
                if (!matches) continue;
                await sessions.EndAsync(session, cancellationToken);
                if (session.SysId == browserSession?.SysId) TenantSessions.ClearCookie(context);
                ended++;
            }
            // No session left to end is success (the user is signed out); a live session that never signed this
            // NameID in to the app is not the app's to end.
            status = ended > 0 || candidates.Count == 0
                ? SamlStatus.Success
                : Requester("The NameID and SessionIndex name no sign-in of this application in this session.");
        }

        if (app.LogoutUrl is not { } logoutUrl)
        {
            await SignedOutPageAsync(context, status);
            return;
        }
        var response = new LogoutResponse
        {
            Id = "_" + Guid.NewGuid().ToString("D"),
            IssueInstant = time.GetUtcNow(),
            Destination = logoutUrl,
            InResponseTo = request.Id,
            Issuer = responses.Issuer(TenantId),
            Status = status,
        };
        var (certificate, _) = await responses.LoadSignerAsync(app, cancellationToken);
        using (certificate)
        {
            var signing = certificate is null ? null : new RedirectSigning { Certificate = certificate, Algorithm = app.Settings.SignatureMethod };
            TenantPage.Redirect(context, _redirect.BuildUrl(logoutUrl, SamlMessageKind.Response, response.ToXml(), relayState, signing));
        }
    }

    private static SamlStatus Requester(string message) => new() { Code = SamlNames.StatusRequester, Message = message };

    private static Task SignedOutPageAsync(HttpContext context, SamlStatus status) =>
        TenantPage.WriteAsync(context, StatusCodes.Status200OK, "Signed out", status.IsSuccess
            ? "<h1>You signed out of your account</h1>\n<p>It’s a good idea to close all browser windows.</p>"
            : "<h1>Sign out</h1>\n<p role=\"alert\" class=\"error\">" + TenantPage.Encode(status.Message) + "</p>");
}
