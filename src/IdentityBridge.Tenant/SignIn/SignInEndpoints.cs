using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// Routes the browser pages of signing in to the tenant: <c>/{tenantId}/login</c>, <c>/{tenantId}/logout</c> and
/// <c>/myapps</c>. Paths are matched in any case, as Entra matches them; a tenant id that is not this tenant's gets a
/// plain 404 that names the right one.
/// </summary>
internal sealed class SignInEndpoints(TenantDirectory directory, SignInPage signIn, SignOutPage signOut, MyAppsPage myApps)
{
    /// <summary>Answers the request when it is for one of these pages; false leaves it to the next handler.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        if (segments.Length == 1 && segments[0].Equals(MyAppsPage.Path[1..], StringComparison.OrdinalIgnoreCase))
        {
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) await myApps.HandleAsync(context);
            else await NotAllowedAsync(context, "GET, HEAD", "My Apps is opened with GET.");
            return true;
        }
        if (segments.Length != 2) return false;
        var login = segments[1].Equals("login", StringComparison.OrdinalIgnoreCase);
        var logout = segments[1].Equals("logout", StringComparison.OrdinalIgnoreCase);
        if (!login && !logout) return false;
        if (!segments[0].Equals(directory.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            await TextAsync(context, StatusCodes.Status404NotFound,
                $"This tenant is '{directory.TenantId}'; sign in at /{directory.TenantId}/login.");
            return true;
        }

        if (login && HttpMethods.IsPost(method)) await signIn.PostAsync(context);
        else if (login && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))) await signIn.ShowAsync(context);
        else if (login) await NotAllowedAsync(context, "GET, HEAD, POST", "The sign-in page is opened with GET and posted with POST.");
        else if (HttpMethods.IsGet(method) || HttpMethods.IsPost(method) || HttpMethods.IsHead(method)) await signOut.HandleAsync(context);
        else await NotAllowedAsync(context, "GET, HEAD, POST", "Sign out with GET or POST.");
        return true;
    }

    private static Task NotAllowedAsync(HttpContext context, string allow, string message)
    {
        context.Response.Headers.Allow = allow;
        return TextAsync(context, StatusCodes.Status405MethodNotAllowed, message);
    }

    private static async Task TextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (!HttpMethods.IsHead(context.Request.Method)) await context.Response.WriteAsync(message, context.RequestAborted);
    }
}
