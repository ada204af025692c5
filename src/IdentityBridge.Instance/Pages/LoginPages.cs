using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Security;
using IdentityBridge.Instance.Sessions;
using IdentityBridge.Instance.Sso;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using Microsoft.AspNetCore.Http;
using static IdentityBridge.Instance.Pages.HtmlPage;

namespace IdentityBridge.Instance.Pages;

/// <summary>
/// The browser side of the instance (spec/servicenow.md 5.4): <c>login.do</c> (local login and the identity-provider
/// buttons), <c>login_locate_sso.do</c> ("Use external login"), <c>login_with_sso.do</c> (SP-initiated SSO),
/// <c>navpage.do</c> (home page and ACS), <c>consumer.do</c> (second ACS) and <c>logout.do</c>.
/// </summary>
internal sealed class LoginPages(SystemProperties properties, IdentityProviderDirectory directory, Authenticator authenticator,
    UserSessions sessions, LoginFormToken formToken, ISamlServiceProvider saml, Store store, SystemLog log)
{
    public const string InvalidCredentials = "User name or password invalid";
    public const string HomePath = "/navpage.do";
    public const string LoggedOutPath = "/logout_success.do";
    public const string ExternalLoggedOutPath = "/external_logout_complete.do";

    private static readonly HashSet<string> Paths =
    [
        "/login.do", "/login_locate_sso.do", "/login_with_sso.do", "/navpage.do", "/consumer.do", "/logout.do",
        LoggedOutPath, ExternalLoggedOutPath,
    ];

    public static bool Handles(PathString path) => path.HasValue && Paths.Contains(path.Value!);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var get = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var post = HttpMethods.IsPost(request.Method);
        switch (request.Path.Value)
        {
            case "/login.do" when get: await LoginFormAsync(context); return;
            case "/login.do" when post: await LoginAsync(context); return;
            case "/login_locate_sso.do" when get: await LocateFormAsync(context, null); return;
            case "/login_locate_sso.do" when post: await LocateAsync(context); return;
            case "/login_with_sso.do" when get: await LoginWithSsoAsync(context); return;
            case "/navpage.do" or "/consumer.do" when get && (request.Query.ContainsKey("SAMLRequest") || request.Query.ContainsKey("SAMLResponse")):
                await saml.HandleRedirectMessageAsync(context);
                return;
            case "/navpage.do" when get: await HomeAsync(context); return;
            case "/navpage.do" or "/consumer.do" when post: await saml.ConsumeResponseAsync(context); return;
            case "/consumer.do" when get: Redirect(context, HomePath); return;
            case "/logout.do" when get || post: await LogoutAsync(context); return;
            case LoggedOutPath or ExternalLoggedOutPath when get:
                await WriteAsync(context, StatusCodes.Status200OK, "Logged out",
                    "<h1>You are logged out</h1>\n<p><a href=\"/login.do\">Log in again</a></p>");
                return;
            default:
                context.Response.Headers.Allow = request.Path.Value switch
                {
                    "/login.do" or "/login_locate_sso.do" or "/logout.do" => "GET, HEAD, POST",
                    "/navpage.do" or "/consumer.do" => "GET, HEAD, POST",
                    _ => "GET, HEAD",
                };
                await WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                    $"<h1>Method not allowed</h1>\n<p>{Encode(request.Method)} is not supported here.</p>");
                return;
        }
    }

    // ---- login.do --------------------------------------------------------------------------------------------

    private async Task LoginFormAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var goTo = LocalPaths.SafeOrNull(query["sysparm_goto_url"].ToString());
        // sysparm_local=true keeps the local form reachable for admins while auto-redirect is on (a broken
        // identity provider must not lock everyone out).
        var local = string.Equals(query["sysparm_local"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        if (!local && await AutoRedirectAsync(context.RequestAborted) is { } primary)
        {
            Redirect(context, SsoLink(primary, goTo));
            return;
        }
        await RenderLoginAsync(context, StatusCodes.Status200OK, null, "", goTo);
    }

    private async Task LoginAsync(HttpContext context)
    {
        var form = await ReadFormAsync(context);
        if (form is null) return;
        var goTo = LocalPaths.SafeOrNull(form["sysparm_goto_url"].ToString());
        if (!formToken.Validate(context, form))
        {
            await RenderLoginAsync(context, StatusCodes.Status400BadRequest,
                "Your login form expired or did not come from this site. Enter your user name and password again.", "", goTo);
            return;
        }
        var userName = form["user_name"].ToString().Trim();
        var password = form["user_password"].ToString();
        if (userName.Length == 0 || password.Length == 0)
        {
            await RenderLoginAsync(context, StatusCodes.Status200OK, InvalidCredentials, userName, goTo);
            return;
        }
        var caller = await authenticator.SignInAsync(userName, password, ClientOf(context), context.RequestAborted);
        if (caller is null)
        {
            await RenderLoginAsync(context, StatusCodes.Status200OK, InvalidCredentials, userName, goTo);
            return;
        }
        // Integration accounts (Web service access only, Internal Integration User) use the APIs, never the pages:
        // their password, often shared with a connector, must not open an interactive session.
        var account = await store.GetAsync(store.Tables.Find(InstanceTables.User)!, caller.UserSysId,
            ["web_service_access_only", "internal_integration_user"], cancellationToken: context.RequestAborted);
        if (account?["web_service_access_only"] == "true" || account?["internal_integration_user"] == "true")
        {
            await log.WriteAsync(SyslogLevel.Warning, SystemLog.SourceAuthentication,
                $"Refused interactive login for web-service-only user '{caller.UserName}' from {ClientOf(context)}", context.RequestAborted);
            await RenderLoginAsync(context, StatusCodes.Status200OK, InvalidCredentials, userName, goTo);
            return;
        }
        if (await LocalLoginDisabledAsync(context.RequestAborted) && !caller.IsAdmin && !caller.HoldsOwnRole(Caller.SecurityAdminRole))
        {
            await RenderLoginAsync(context, StatusCodes.Status403Forbidden,
                "Local login is turned off for your account. Use external login.", userName, goTo);
            return;
        }
        await StartSessionAsync(context, caller.UserSysId, null);
        Redirect(context, goTo ?? HomePath, StatusCodes.Status303SeeOther);
    }

    /// <summary>Starts a session after a sign-in, ending the one the browser had: a session id is never reused across a login.</summary>
    public async Task StartSessionAsync(HttpContext context, string userSysId, SsoOrigin? sso)
    {
        if (await sessions.CurrentAsync(context) is { } previous) await sessions.EndAsync(previous.SysId, context.RequestAborted);
        var (token, _) = await sessions.StartAsync(userSysId, sso, ClientOf(context), context.RequestAborted);
        sessions.WriteCookie(context, token);
    }

    private async Task RenderLoginAsync(HttpContext context, int status, string? error, string userName, string? goTo)
    {
        var cancellationToken = context.RequestAborted;
        var token = formToken.Issue(context);
        var described = error is null ? "" : " aria-describedby=\"login_error\" aria-invalid=\"true\"";
        var body = new StringBuilder("<h1>Log in</h1>\n");
        if (error is not null) body.Append("<p id=\"login_error\" class=\"error\" role=\"alert\">").Append(Encode(error)).Append("</p>\n");
        if (await LocalLoginDisabledAsync(cancellationToken))
            body.Append("<p>Local login is for administrators only. Everyone else uses external login.</p>\n");
        body.Append("<form method=\"post\" action=\"/login.do\">\n")
            .Append("<input type=\"hidden\" name=\"").Append(LoginFormToken.FieldName).Append("\" value=\"").Append(Encode(token)).Append("\">\n");
        if (goTo is not null) body.Append("<input type=\"hidden\" name=\"sysparm_goto_url\" value=\"").Append(Encode(goTo)).Append("\">\n");
        body.Append("<p><label for=\"user_name\">User name</label>\n")
            .Append("<input id=\"user_name\" name=\"user_name\" type=\"text\" autocomplete=\"username\" required value=\"")
            .Append(Encode(userName)).Append('"').Append(described).Append("></p>\n")
            .Append("<p><label for=\"user_password\">Password</label>\n")
            .Append("<input id=\"user_password\" name=\"user_password\" type=\"password\" autocomplete=\"current-password\" required")
            .Append(described).Append("></p>\n")
            .Append("<p><button type=\"submit\" name=\"sys_action\" value=\"sysverb_login\">Log in</button></p>\n</form>\n");

        if (await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken))
        {
            var max = Math.Max(0, await properties.GetIntegerAsync(SystemProperties.MaxSsoLoginOptions, 5, cancellationToken));
            var options = (await directory.ActiveAsync(cancellationToken)).Where(r => r.ShowAsLoginOption).Take(max).ToList();
            body.Append("<section aria-labelledby=\"sso_heading\">\n<h2 id=\"sso_heading\">Single sign-on</h2>\n");
            if (options.Count > 0)
            {
                body.Append("<ul class=\"providers\">\n");
                foreach (var option in options)
                    body.Append("<li><a class=\"button\" href=\"").Append(Encode(SsoLink(option, goTo))).Append("\">Log in with ")
                        .Append(Encode(option.Name)).Append("</a></li>\n");
                body.Append("</ul>\n");
            }
            body.Append("<p><a class=\"button secondary\" href=\"/login_locate_sso.do")
                .Append(goTo is null ? "" : "?sysparm_goto_url=" + Encode(Uri.EscapeDataString(goTo)))
                .Append("\">Use external login</a></p>\n</section>\n");
        }
        await WriteAsync(context, status, "Log in", body.ToString());
    }

    // ---- external login --------------------------------------------------------------------------------------

    private async Task LocateFormAsync(HttpContext context, string? error, int status = StatusCodes.Status200OK)
    {
        var cancellationToken = context.RequestAborted;
        if (!await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken))
        {
            await SsoDisabledAsync(context);
            return;
        }
        var goTo = LocalPaths.SafeOrNull(context.Request.Query["sysparm_goto_url"].ToString());
        var field = await properties.GetAsync(SystemProperties.LoginLocateUserField, cancellationToken) ?? "user_name";
        var label = store.Tables.Find(InstanceTables.User)!.Column(field)?.DisplayLabel ?? "User name";
        var described = error is null ? "" : " aria-describedby=\"locate_error\" aria-invalid=\"true\"";
        var body = new StringBuilder("<h1>Use external login</h1>\n");
        if (error is not null) body.Append("<p id=\"locate_error\" class=\"error\" role=\"alert\">").Append(Encode(error)).Append("</p>\n");
        body.Append("<form method=\"post\" action=\"/login_locate_sso.do\">\n")
            .Append("<input type=\"hidden\" name=\"").Append(LoginFormToken.FieldName).Append("\" value=\"").Append(Encode(formToken.Issue(context))).Append("\">\n");
        if (goTo is not null) body.Append("<input type=\"hidden\" name=\"sysparm_goto_url\" value=\"").Append(Encode(goTo)).Append("\">\n");
        body.Append("<p><label for=\"sso_user\">").Append(Encode(label)).Append("</label>\n")
            .Append("<input id=\"sso_user\" name=\"sso_user\" type=\"text\" autocomplete=\"username\" required").Append(described).Append("></p>\n")
            .Append("<p><button type=\"submit\">Continue</button></p>\n</form>\n")
            .Append("<p><a href=\"/login.do?sysparm_local=true\">Log in with a user name and password</a></p>\n");
        await WriteAsync(context, status, "Use external login", body.ToString(), await ProviderOriginsAsync(cancellationToken));
    }

    private async Task LocateAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken))
        {
            await SsoDisabledAsync(context);
            return;
        }
        var form = await ReadFormAsync(context);
        if (form is null) return;
        if (!formToken.Validate(context, form))
        {
            await LocateFormAsync(context, "The form expired or did not come from this site. Try again.", StatusCodes.Status400BadRequest);
            return;
        }
        if (string.IsNullOrWhiteSpace(form["sso_user"].ToString()))
        {
            await LocateFormAsync(context, "Enter the value you log in with.");
            return;
        }
        // The provider is chosen without looking the user up, so this page tells nobody which users exist.
        var record = await ExternalLoginProviderAsync(cancellationToken);
        if (record is null)
        {
            await LocateFormAsync(context, "No identity provider is set up for external login. Contact your administrator.", StatusCodes.Status404NotFound);
            return;
        }
        Redirect(context, SsoLink(record, LocalPaths.SafeOrNull(form["sysparm_goto_url"].ToString())), StatusCodes.Status303SeeOther);
    }

    /// <summary>The Auto Redirect provider, else the active one marked Default, else the only active one.</summary>
    private async Task<IdentityProviderRecord?> ExternalLoginProviderAsync(CancellationToken cancellationToken)
    {
        if (await AutoRedirectRecordAsync(cancellationToken) is { } primary) return primary;
        var active = await directory.ActiveAsync(cancellationToken);
        return active.FirstOrDefault(r => r.IsDefault) ?? (active.Count == 1 ? active[0] : null);
    }

    private async Task LoginWithSsoAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken))
        {
            await SsoDisabledAsync(context);
            return;
        }
        var id = context.Request.Query["glide_sso_id"].ToString();
        var record = id.Length == 0 ? null : await directory.GetAsync(id, cancellationToken);
        if (record is null || !record.Active)
        {
            await WriteAsync(context, StatusCodes.Status404NotFound, "Identity provider not available",
                "<h1>Identity provider not available</h1>\n<p>The identity provider in this link does not exist or is not active. " +
                "Contact your administrator, or <a href=\"/login.do?sysparm_local=true\">log in with a user name and password</a>.</p>");
            return;
        }
        await saml.StartSignInAsync(context, record, LocalPaths.SafeOr(context.Request.Query["sysparm_goto_url"].ToString(), HomePath));
    }

    // ---- navpage.do and logout.do ----------------------------------------------------------------------------

    private async Task HomeAsync(HttpContext context)
    {
        var session = await sessions.CurrentAsync(context);
        var user = session is null ? null
            : await store.GetAsync(store.Tables.Find(InstanceTables.User)!, session.UserSysId, ["name", "user_name"], cancellationToken: context.RequestAborted);
        if (session is null || user is null)
        {
            Redirect(context, "/login.do");
            return;
        }
        var name = user["name"] is { Length: > 0 } full ? full : user["user_name"];
        await WriteAsync(context, StatusCodes.Status200OK, "Home",
            $"<h1>Welcome, {Encode(name)}</h1>\n<p>You are logged in as <strong>{Encode(name)}</strong> (user name <code>{Encode(user["user_name"])}</code>).</p>\n" +
            "<p><a href=\"/logout.do\">Log out</a></p>");
    }

    private async Task LogoutAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var session = await sessions.CurrentAsync(context);
        sessions.ClearCookie(context);
        if (session is null)
        {
            Redirect(context, LoggedOutPath);
            return;
        }
        await sessions.EndAsync(session.SysId, cancellationToken);
        if (session.Sso is not { } sso)
        {
            Redirect(context, LoggedOutPath);
            return;
        }
        // A session an identity provider started ends there too when single logout is available.
        var record = await directory.GetAsync(sso.IdentityProviderSysId, cancellationToken);
        if (record is not null && await saml.StartSingleLogoutAsync(context, session, record)) return;
        var configured = await properties.GetAsync(SystemProperties.ExternalLogoutRedirect, cancellationToken);
        Redirect(context, ExternalLogoutTarget(string.IsNullOrWhiteSpace(configured) ? record?.ExternalLogoutRedirect : configured));
    }

    /// <summary>
    /// Where a user signed in through an identity provider goes after logout: a page of ours (ServiceNow's default
    /// is the relative <c>external_logout_complete.do</c>) or a web address an administrator configured.
    /// </summary>
    internal static string ExternalLogoutTarget(string? configured)
    {
        var value = configured?.Trim();
        if (string.IsNullOrEmpty(value)) return ExternalLoggedOutPath;
        if (Uri.TryCreate(value, UriKind.Absolute, out var absolute) && absolute.Scheme is "https" or "http") return absolute.AbsoluteUri;
        if (!value.StartsWith('/')) value = "/" + value;
        return LocalPaths.SafeOr(value, ExternalLoggedOutPath);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private async Task<IdentityProviderRecord?> AutoRedirectAsync(CancellationToken cancellationToken) =>
        await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken)
            ? await AutoRedirectRecordAsync(cancellationToken)
            : null;

    private async Task<IdentityProviderRecord?> AutoRedirectRecordAsync(CancellationToken cancellationToken)
    {
        var id = await properties.GetAsync(SystemProperties.RedirectIdp, cancellationToken);
        if (string.IsNullOrWhiteSpace(id)) return null;
        var record = await directory.GetAsync(id, cancellationToken);
        return record is { Active: true } ? record : null;
    }

    private async Task<bool> LocalLoginDisabledAsync(CancellationToken cancellationToken) =>
        await properties.GetBooleanAsync(SystemProperties.MultiSsoEnabled, cancellationToken) &&
        await properties.GetBooleanAsync(SystemProperties.DisableLocalLogin, cancellationToken);

    /// <summary>The origins of the active providers' sign-in URLs: "Use external login" posts, then redirects there.</summary>
    private async Task<IEnumerable<string>> ProviderOriginsAsync(CancellationToken cancellationToken) =>
        (await directory.ActiveAsync(cancellationToken))
        .Select(r => Uri.TryCreate(r.AuthnRequestUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            ? url.GetLeftPart(UriPartial.Authority)
            : null)
        .OfType<string>()
        .ToList();

    private static string SsoLink(IdentityProviderRecord record, string? goTo) =>
        "/login_with_sso.do?glide_sso_id=" + record.SysId + (goTo is null ? "" : "&sysparm_goto_url=" + Uri.EscapeDataString(goTo));

    private static Task SsoDisabledAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound, "External login not enabled",
            "<h1>External login is not enabled</h1>\n<p>This instance does not use single sign-on. " +
            "<a href=\"/login.do\">Log in with a user name and password</a>.</p>");

    /// <summary>The posted form, or null after answering a request that is not a form post with a page saying so.</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (context.Request.HasFormContentType)
        {
            try
            {
                return await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                // Too many fields or a field too long: fall through to the refusal.
            }
        }
        await WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request",
            "<h1>Bad request</h1>\n<p>Send the form from the <a href=\"/login.do\">login page</a>.</p>");
        return null;
    }

    private static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
