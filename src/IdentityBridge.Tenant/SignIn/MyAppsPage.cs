using System.Globalization;
using System.Text;
using IdentityBridge.Storage;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// <c>GET /myapps</c>: the signed-in user's app launcher (Entra's My Apps). One tile per app assigned to the user,
/// directly or through a group they are a direct member of; a tile starts IdP-initiated sign-on to its app. Users
/// who administer enterprise apps also get each app's Test link. Plain links and a list: usable by keyboard and
/// screen reader, no script.
/// </summary>
internal sealed class MyAppsPage(TenantDirectory directory, TenantSessions sessions, SamlApplications applications,
    DirectoryRoles roles, Store store)
{
    public const string Path = "/myapps";

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var session = await sessions.CurrentAsync(context, cancellationToken);
        var user = session is null
            ? null
            : await store.GetAsync(DirectoryTables.User, session.UserSysId, ["sys_id", "display_name", "user_principal_name"],
                cancellationToken: cancellationToken);
        if (session is null || user is null)
        {
            TenantPage.Redirect(context, $"/{directory.TenantId}/login?continue={Path}");
            return;
        }

        var apps = await applications.AssignedToAsync(user.SysId, cancellationToken);
        var canTest = apps.Count > 0 && await roles.ManagesApplicationsAsync(user.SysId, cancellationToken);
        var name = user["display_name"] is { Length: > 0 } displayName ? displayName : user["user_principal_name"];
        var tenant = TenantPage.Encode(directory.TenantId);

        var body = new StringBuilder()
            .Append("<header class=\"bar\">\n<h1>Apps</h1>\n<nav aria-label=\"Account\"><p>Signed in as <strong>")
            .Append(TenantPage.Encode(name)).Append("</strong> <a href=\"/").Append(tenant).Append("/logout\">Sign out</a></p></nav>\n")
            .Append("</header>\n");
        if (apps.Count == 0)
            body.Append("<p>No apps have been assigned to you yet. Ask your administrator.</p>\n");
        else
        {
            body.Append("<ul class=\"tiles\">\n");
            foreach (var app in apps) AppendTile(body, tenant, app, canTest);
            body.Append("</ul>\n");
        }
        var logoOrigins = apps.Select(a => LogoOrigin(a.LogoUrl)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);
        await TenantPage.WriteAsync(context, StatusCodes.Status200OK, "My Apps", body.ToString(), imageSources: logoOrigins, wide: true);
    }

    private static void AppendTile(StringBuilder body, string tenant, SamlApplication app, bool canTest)
    {
        var appId = Uri.EscapeDataString(app.AppId);
        // An app without a display name still needs a name for its link: Entra shows the application id then.
        var name = TenantPage.Encode(string.IsNullOrWhiteSpace(app.DisplayName) ? app.AppId : app.DisplayName);
        body.Append("<li><a href=\"/").Append(tenant).Append("/saml2/launch?appid=").Append(appId).Append("\">");
        // The link's accessible name is the app's name alone: the logo is decoration, the badge hidden.
        if (LogoOrigin(app.LogoUrl) is not null)
            body.Append("<img src=\"").Append(TenantPage.Encode(app.LogoUrl)).Append("\" alt=\"\">");
        else
            body.Append("<span class=\"tile-initial\" aria-hidden=\"true\">").Append(TenantPage.Encode(Initial(app.DisplayName ?? ""))).Append("</span>");
        body.Append("<span>").Append(name).Append("</span></a>");
        if (canTest)
            body.Append("<br><a class=\"test\" href=\"/myapps/test?appid=").Append(appId).Append("\" aria-label=\"Test ")
                .Append(name).Append("\">Test</a>");
        body.Append("</li>\n");
    }

    /// <summary>The origin a logo loads from, for the page's img-src; null for no logo or one that is not http(s).</summary>
    private static string? LogoOrigin(string? logoUrl) =>
        Uri.TryCreate(logoUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;

    private static string Initial(string displayName)
    {
        var trimmed = displayName.Trim();
        return trimmed.Length == 0 ? "?" : StringInfo.GetNextTextElement(trimmed).ToUpperInvariant();
    }
}
