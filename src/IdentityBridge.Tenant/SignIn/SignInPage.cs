using System.Text;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.SignIn;

/// <summary>
/// <c>GET|POST /{tenantId}/login</c>: the tenant's sign-in form. A post checks the password, then starts the
/// ESTSAUTH session and sends the browser on (303) to its <c>continue</c> path. A refusal shows the form again
/// with what went wrong in Entra's words and its AADSTS code, which is also written to the sign-in log with the
/// user name and address; the password never is.
/// </summary>
internal sealed class SignInPage(TenantDirectory directory, TenantSessions sessions, SmartLockout lockout, PasswordCheck passwords,
    SignInLog log)
{
    public const string LoginField = "login";
    public const string PasswordField = "passwd";
    public const string ContinueField = "continue";

    // Entra's sign-in page accepts user names up to this long (a UPN is at most 113 characters; an email 256).
    private const int MaximumLoginLength = 256;

    /// <summary>What the form says when it comes back refused, and which field it is about.</summary>
    private sealed record FormProblem(string Message, SignInError? Error = null, string Field = LoginField);

    public Task ShowAsync(HttpContext context) =>
        WriteFormAsync(context, StatusCodes.Status200OK, ContinuePath.Sanitize(context.Request.Query[ContinueField].ToString()), "", null);

    public async Task PostAsync(HttpContext context)
    {
        var form = await ReadFormAsync(context);
        var continuePath = ContinuePath.Sanitize(form?[ContinueField].ToString() ?? context.Request.Query[ContinueField].ToString());
        if (form is null || !SignInFormToken.Validate(context, form))
        {
            // No session is started, whatever the form held: the post did not come from our own page.
            await WriteFormAsync(context, StatusCodes.Status400BadRequest, continuePath, form?[LoginField].ToString().Trim() ?? "",
                new FormProblem("This sign-in page expired or was not opened from this site. Enter your details and sign in again."));
            return;
        }

        var login = form[LoginField].ToString().Trim();
        var password = form[PasswordField].ToString();
        if (login.Length == 0)
        {
            await WriteFormAsync(context, StatusCodes.Status200OK, continuePath, login,
                new FormProblem("Enter your email address or username."));
            return;
        }
        if (password.Length == 0)
        {
            await WriteFormAsync(context, StatusCodes.Status200OK, continuePath, login,
                new FormProblem("Enter your password.", Field: PasswordField));
            return;
        }

        var cancellationToken = context.RequestAborted;
        var user = login.Length <= MaximumLoginLength ? await directory.FindUserByPrincipalNameAsync(login, cancellationToken) : null;
        if (user is not null && !string.IsNullOrEmpty(user["deleted_date_time"])) user = null;
        // Always one full hash verification, whichever way the answer goes (see PasswordCheck).
        var passwordMatches = await passwords.VerifyAsync(user, password, cancellationToken);

        var problem = await CheckAsync(user, login, password, passwordMatches, cancellationToken);
        var entry = new SignInEvent
        {
            UserPrincipalName = user?["user_principal_name"] ?? login,
            UserSysId = user?.SysId,
            ErrorCode = problem?.Error?.Code ?? 0,
            FailureReason = problem?.Error?.Message,
            CorrelationId = Guid.NewGuid().ToString("D"),
            IpAddress = context.Connection.RemoteIpAddress?.ToString(),
        };
        await log.WriteAsync(entry, CancellationToken.None);
        if (problem is not null)
        {
            await WriteFormAsync(context, StatusCodes.Status200OK, continuePath, login, problem);
            return;
        }

        await lockout.ResetAsync(user!.SysId, cancellationToken);
        await sessions.StartAsync(context, user, cancellationToken);
        TenantPage.Redirect(context, continuePath, StatusCodes.Status303SeeOther);
    }

    /// <summary>Entra's order: an unknown account, then a disabled one, then a lockout, then the password.</summary>
    private async Task<FormProblem?> CheckAsync(RecordRow? user, string login, string password, bool passwordMatches,
        CancellationToken cancellationToken)
    {
        if (user is null)
            return new FormProblem("We couldn't find an account with that username. Check it and try again, or ask your administrator.",
                SignInError.UnknownUser(login, directory.TenantId));
        if (user["account_enabled"] != "true")
            return new FormProblem("Your account has been disabled. Contact your administrator to enable it, then try again.",
                SignInError.Disabled());
        if (await lockout.LockedUntilAsync(user.SysId, cancellationToken) is not null)
            return Locked();
        if (passwordMatches) return null;

        var outcome = await lockout.RecordFailureAsync(user.SysId, password, cancellationToken);
        return outcome.LockedUntil is not null
            ? Locked()
            : new FormProblem("Your account or password is incorrect. If you don't remember your password, ask your administrator to reset it.",
                SignInError.InvalidCredentials(), PasswordField);
    }

    private static FormProblem Locked() => new(
        "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your administrator.",
        SignInError.LockedOut(), PasswordField);

    /// <summary>The posted form, or null when the body is not one (a wrong content type, a malformed or oversized body).</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType) return null;
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    private Task WriteFormAsync(HttpContext context, int status, string continuePath, string login, FormProblem? problem)
    {
        var token = SignInFormToken.Issue(context);
        var action = $"/{directory.TenantId}/login";
        var body = new StringBuilder().Append("<h1>Sign in</h1>\n");
        if (problem is not null)
        {
            body.Append("<div id=\"signin-error\" role=\"alert\" class=\"error\">\n<p>").Append(TenantPage.Encode(problem.Message)).Append("</p>\n");
            if (problem.Error is { } error)
                body.Append("<p class=\"details\">Error code: ").Append(error.CodeText).Append("</p>\n");
            body.Append("</div>\n");
        }
        body.Append("<form method=\"post\" action=\"").Append(TenantPage.Encode(action)).Append("\">\n")
            .Append("<input type=\"hidden\" name=\"").Append(SignInFormToken.FieldName).Append("\" value=\"").Append(TenantPage.Encode(token)).Append("\">\n")
            .Append("<input type=\"hidden\" name=\"").Append(ContinueField).Append("\" value=\"").Append(TenantPage.Encode(continuePath)).Append("\">\n")
            .Append("<label for=\"login\">Email address or username</label>\n")
            .Append("<input type=\"text\" id=\"login\" name=\"").Append(LoginField).Append("\" value=\"").Append(TenantPage.Encode(login))
            .Append("\" autocomplete=\"username\" inputmode=\"email\" autocapitalize=\"none\" spellcheck=\"false\" required")
            .Append(Invalid(problem, LoginField)).Append(login.Length == 0 ? " autofocus" : "").Append(">\n")
            .Append("<label for=\"passwd\">Password</label>\n")
            .Append("<input type=\"password\" id=\"passwd\" name=\"").Append(PasswordField)
            .Append("\" autocomplete=\"current-password\" required")
            .Append(Invalid(problem, PasswordField)).Append(login.Length > 0 ? " autofocus" : "").Append(">\n")
            .Append("<button type=\"submit\">Sign in</button>\n")
            .Append("</form>\n");
        return TenantPage.WriteAsync(context, status, "Sign in to your account", body.ToString());
    }

    /// <summary>Ties the error to the field it is about, for screen readers.</summary>
    private static string Invalid(FormProblem? problem, string field) =>
        problem?.Field == field ? " aria-invalid=\"true\" aria-describedby=\"signin-error\"" : "";
}
