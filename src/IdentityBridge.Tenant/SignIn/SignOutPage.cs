using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// <c>GET|POST /{tenantId}/logout</c>: ends the browser's session and removes its cookie, then says so. Asking again,
/// or without a session, shows the same page: signing out is never an error.
/// </summary>
internal sealed class SignOutPage(TenantDirectory directory, TenantSessions sessions)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (await sessions.CurrentAsync(context, context.RequestAborted) is { } session)
            await sessions.EndAsync(session, CancellationToken.None);
        TenantSessions.ClearCookie(context);
        var body =
            "<h1>You signed out of your account</h1>\n" +
            "<p>It's a good idea to close all browser windows.</p>\n" +
            $"<p><a class=\"button\" href=\"/{TenantPage.Encode(directory.TenantId)}/login\">Sign in again</a></p>\n";
        await TenantPage.WriteAsync(context, StatusCodes.Status200OK, "Signed out", body);
    }
}
