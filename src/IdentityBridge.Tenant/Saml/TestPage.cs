using System.Globalization;
using System.Text;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.SignIn;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The admin's Test action of an enterprise app (<c>GET /myapps/test?appid=..[&amp;user=upn]</c>): the app's single
/// sign-on set-up and, for any user the admin names, what the app would receive (assignment verdict, NameID, every
/// claim, Reply URL, signing certificate). Nothing is signed for that user: a response for someone else would be
/// impersonation. "Sign in as current user" does the real sign-on, as the admin. Only admins who manage
/// applications may use it. Plain HTML with headings, labels and a table, and no script.
/// </summary>
internal sealed class TestPage(TenantDirectory directory, SamlApplications applications, SamlResponseBuilder responses,
    TenantSessions sessions, DirectoryRoles roles, TimeProvider time)
{
    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var appId = context.Request.Query["appid"].ToString();
        var userName = context.Request.Query["user"].ToString().Trim();
        var session = await sessions.CurrentAsync(context, cancellationToken);
        if (session is null)
        {
            var back = "/myapps/test?appid=" + Uri.EscapeDataString(appId) + (userName.Length > 0 ? "&user=" + Uri.EscapeDataString(userName) : "");
            TenantPage.Redirect(context, $"/{directory.TenantId}/login?continue={Uri.EscapeDataString(back)}");
            return;
        }
        if (!await roles.ManagesApplicationsAsync(session.UserSysId, cancellationToken))
        {
            await TenantPage.WriteAsync(context, StatusCodes.Status403Forbidden, "Access denied",
                "<h1>You don't have access to this</h1>\n<p role=\"alert\" class=\"error\">Testing single sign-on is for " +
                "Global, Application and Cloud Application Administrators. Ask an administrator to give you one of these roles, " +
                $"or sign in as one.</p>\n<p>Signed in as {TenantPage.Encode(session.UserPrincipalName)}.</p>");
            return;
        }
        var app = await applications.FindByAppIdAsync(appId, cancellationToken);
        if (app is null)
        {
            await TenantPage.ErrorAsync(context, SignInError.UnknownApplication(appId, directory.TenantId), time);
            return;
        }

        var body = new StringBuilder()
            .Append("<h1>Test single sign-on with ").Append(E(app.DisplayName)).Append("</h1>\n");
        await SetupAsync(body, app, cancellationToken);
        body.Append("<section aria-labelledby=\"as-user\">\n<h2 id=\"as-user\">What the application receives</h2>\n")
            .Append("<form method=\"get\" action=\"/myapps/test\">\n")
            .Append("<input type=\"hidden\" name=\"appid\" value=\"").Append(E(app.AppId)).Append("\">\n")
            .Append("<label for=\"user\">User (user principal name)</label>\n")
            .Append("<input type=\"text\" id=\"user\" name=\"user\" autocomplete=\"off\" aria-describedby=\"user-hint\" value=\"")
            .Append(E(userName.Length > 0 ? userName : session.UserPrincipalName)).Append("\">\n")
            .Append("<p id=\"user-hint\">Shows what this user would receive. Nothing is sent to the application.</p>\n")
            .Append("<button type=\"submit\">Show the claims</button>\n</form>\n");
        var user = userName.Length == 0
            ? await directory.Store.GetAsync(DirectoryTables.User, session.UserSysId, UserAttributeSources.UserColumns, cancellationToken: cancellationToken)
            : await FindUserAsync(userName, cancellationToken);
        await ResultAsync(body, app, user, userName.Length > 0 ? userName : session.UserPrincipalName, session, cancellationToken);
        body.Append("</section>\n")
            .Append("<section aria-labelledby=\"sign-in\">\n<h2 id=\"sign-in\">Sign in as current user</h2>\n")
            .Append("<p>Signs you (").Append(E(session.UserPrincipalName)).Append(") in to the application, as its tile in My Apps does.</p>\n")
            .Append("<form method=\"get\" action=\"/").Append(E(directory.TenantId)).Append("/saml2/launch\">\n")
            .Append("<input type=\"hidden\" name=\"appid\" value=\"").Append(E(app.AppId)).Append("\">\n")
            .Append("<button type=\"submit\">Sign in as current user</button>\n</form>\n</section>");
        await TenantPage.WriteAsync(context, StatusCodes.Status200OK, "Test single sign-on with " + app.DisplayName, body.ToString(), wide: true);
    }

    private async Task SetupAsync(StringBuilder body, SamlApplication app, CancellationToken cancellationToken)
    {
        var certificate = await responses.SigningCertificateAsync(app, cancellationToken);
        body.Append("<section aria-labelledby=\"setup\">\n<h2 id=\"setup\">Single sign-on set-up</h2>\n<dl>\n");
        Item(body, "Application ID", app.AppId);
        Item(body, "Single sign-on mode", app.PreferredSingleSignOnMode ?? "not set");
        Item(body, "Identifier (Entity ID)", app.Identifiers.Count == 0 ? "none" : string.Join(", ", app.Identifiers));
        Item(body, "Reply URL (Assertion Consumer Service URL)", app.ReplyUrls.Count == 0
            ? "none"
            : string.Join(", ", app.ReplyUrls.Select(r => r.Uri + (r == app.DefaultReplyUrl ? " (default)" : ""))));
        Item(body, "Sign on URL", app.SignOnUrl ?? "none (the tile posts a response to the default Reply URL)");
        Item(body, "Relay State", app.Settings.RelayState ?? "none");
        Item(body, "Logout URL", app.LogoutUrl ?? "none");
        Item(body, "Unique User Identifier (Name ID)", $"{app.Settings.NameIdSource} [{app.Settings.NameIdFormat ?? "Default"}]");
        Item(body, "Signing option", app.Settings.SigningOption switch
        {
            SigningOption.Response => "Sign SAML response",
            SigningOption.ResponseAndAssertion => "Sign SAML response and assertion",
            _ => "Sign SAML assertion",
        });
        Item(body, "Signing algorithm", app.Settings.SigningAlgorithm == "sha1" ? "SHA-1" : "SHA-256");
        Item(body, "Signing certificate", certificate is null
            ? "none: add one in SAML Certificates"
            : $"thumbprint {certificate.Thumbprint}, expires {certificate.EndDateTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}" +
              (certificate.EndDateTime <= time.GetUtcNow() ? " (expired)" : ""));
        body.Append("</dl>\n");
        if (await responses.LaunchProblemAsync(app, cancellationToken) is { } problem && app.SignOnUrl is null)
            body.Append("<p role=\"alert\" class=\"error\">").Append(E(problem.CodeText)).Append(": ").Append(E(problem.Message)).Append("</p>\n");
        body.Append("</section>\n");
    }

    private async Task ResultAsync(StringBuilder body, SamlApplication app, RecordRow? user, string userName, TenantSession session,
        CancellationToken cancellationToken)
    {
        body.Append("<h3>Result for ").Append(E(userName)).Append("</h3>\n");
        if (user is null)
        {
            Alert(body, SignInError.UnknownUser(userName, directory.TenantId));
            return;
        }
        if (user["account_enabled"] == "false")
        {
            Alert(body, SignInError.Disabled());
            return;
        }
        var upn = user["user_principal_name"] ?? userName;
        body.Append("<p><strong>Assignment:</strong> ");
        var assignments = await applications.AssignmentsOfAsync(app.ServicePrincipalSysId, user.SysId, cancellationToken);
        if (SamlApplications.Admits(app, assignments))
            body.Append(app.AssignmentRequired ? "assigned to the application." : "allowed: the application does not require assignment.").Append("</p>\n");
        else
        {
            body.Append("not assigned.</p>\n");
            Alert(body, SignInError.NotAssigned(app.DisplayName, app.AppId, upn));
        }
        var replyUrl = app.DefaultReplyUrl?.Uri;
        if (replyUrl is null)
        {
            Alert(body, IdentityProviderErrors.NoReplyUrl(app.AppId));
            return;
        }
        var (description, problem) = await responses.DescribeAsync(directory.TenantId, new SignOnRequest
        {
            App = app,
            User = user,
            AuthenticatedAt = user.SysId == session.UserSysId ? session.AuthenticatedAt : time.GetUtcNow(),
            ReplyUrl = replyUrl,
            Assignments = assignments,
        }, cancellationToken);
        if (description is null)
        {
            Alert(body, problem!);
            return;
        }
        body.Append("<dl>\n");
        Item(body, "Name ID", description.NameId + (description.NameIdFormat == SamlNames.NameIdTransient ? " (random, new at each sign-in)" : ""));
        Item(body, "Name ID format", description.NameIdFormat);
        Item(body, "Audience", description.Audience);
        Item(body, "Reply URL (Destination, Recipient)", description.Destination);
        Item(body, "Issuer", description.Issuer);
        body.Append("</dl>\n<table>\n<caption>Claims, in the order they are sent</caption>\n")
            .Append("<thead><tr><th scope=\"col\">Claim</th><th scope=\"col\">Value</th></tr></thead>\n<tbody>\n");
        foreach (var (name, values) in description.Attributes)
            body.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(string.Join("<br>", values.Select(E))).Append("</td></tr>\n");
        body.Append("</tbody>\n</table>\n");
    }

    private async Task<RecordRow?> FindUserAsync(string userPrincipalName, CancellationToken cancellationToken)
    {
        var found = await directory.FindUserByPrincipalNameAsync(userPrincipalName, cancellationToken);
        return found is null || !string.IsNullOrEmpty(found["deleted_date_time"])
            ? null
            : await directory.Store.GetAsync(DirectoryTables.User, found.SysId, UserAttributeSources.UserColumns, cancellationToken: cancellationToken);
    }

    private static void Item(StringBuilder body, string term, string value) =>
        body.Append("<dt>").Append(E(term)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");

    private static void Alert(StringBuilder body, SignInError error) =>
        body.Append("<p role=\"alert\" class=\"error\"><strong>").Append(E(error.CodeText)).Append(":</strong> ").Append(E(error.Message)).Append("</p>\n");

    private static string E(string? value) => TenantPage.Encode(value);
}
