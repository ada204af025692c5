using System.Security.Cryptography;
using System.Xml;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tokens;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The tenant's SAML identity provider at <c>/{tenantId}/saml2</c>, as Entra's (spec/saml.md 1.2-1.9): SP-initiated
/// sign-on on the HTTP-Redirect and HTTP-POST bindings, resumed after the sign-in page through
/// <c>/{tenantId}/saml2/continue/{id}</c>; IdP-initiated sign-on from a My Apps tile at <c>/{tenantId}/saml2/launch</c>;
/// single logout; and the admin's Test action at <c>/myapps/test</c>. Every refusal is Entra's error page with its
/// AADSTS code and a sign-in log entry; bad input never reaches an exception.
/// </summary>
internal sealed partial class IdentityProviderEndpoint(TenantDirectory directory, SamlApplications applications,
    SamlResponseBuilder responses, PendingRequests pending, TenantSessions sessions, SignInLog log, TestPage test,
    TokenAuthority authority, TimeProvider time)
{
    private readonly HttpRedirectBinding _redirect = new();
    private readonly HttpPostBinding _post = new();

    private string TenantId => directory.TenantId;

    /// <summary>Answers the request when it is for the SAML endpoint or the Test action; false leaves it to the next handler.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.Equals("/myapps/test", StringComparison.OrdinalIgnoreCase))
        {
            if (await AllowAsync(context, "GET")) await test.HandleAsync(context);
            return true;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || !segments[1].Equals("saml2", StringComparison.OrdinalIgnoreCase)) return false;
        // The tenant is named by its id or one of its verified domains, as on every Entra endpoint.
        if (!await authority.IsThisTenantAsync(segments[0], context.RequestAborted))
        {
            await TenantPage.ErrorAsync(context, IdentityProviderErrors.UnknownTenant(segments[0]), time);
            return true;
        }
        switch (segments.Length)
        {
            case 2:
                if (await AllowAsync(context, "GET", "POST")) await ReceiveAsync(context);
                return true;
            case 3 when segments[2].Equals("launch", StringComparison.OrdinalIgnoreCase):
                if (await AllowAsync(context, "GET")) await LaunchAsync(context, context.Request.Query["appid"].ToString());
                return true;
            case 4 when segments[2].Equals("continue", StringComparison.OrdinalIgnoreCase):
                if (await AllowAsync(context, "GET")) await ContinueAsync(context, segments[3]);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A message on either binding: an AuthnRequest or a LogoutRequest from an app.</summary>
    private async Task ReceiveAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var received = await DecodeAsync(context);
        if (received.Error is { } bindingError)
        {
            await RefuseAsync(context, bindingError, null, null, null);
            return;
        }
        var (xml, relayState, redirect) = received.Message!.Value;

        XmlDocument document;
        try
        {
            document = SafeXml.Load(xml);
        }
        catch (SamlXmlException e)
        {
            await RefuseAsync(context, IdentityProviderErrors.InvalidMessage($"[{e.Code}] {e.Message}"), null, null, null);
            return;
        }
        var root = document.DocumentElement!;
        try
        {
            if (root.LocalName == "LogoutRequest")
            {
                await LogoutAsync(context, LogoutRequest.Parse(document), document, redirect, relayState, cancellationToken);
                return;
            }
            if (root.LocalName != "AuthnRequest")
            {
                await RefuseAsync(context, IdentityProviderErrors.InvalidMessage(
                    $"This endpoint takes an AuthnRequest or a LogoutRequest, not a {root.LocalName}."), null, null, null);
                return;
            }
            var request = AuthnRequest.Parse(document);
            var index = root.GetAttribute("AssertionConsumerServiceIndex");
            await SignOnAsync(context, request, document, redirect, index.Length == 0 ? null : index, relayState, cancellationToken);
        }
        catch (SamlMessageException e)
        {
            await RefuseAsync(context, IdentityProviderErrors.InvalidMessage($"[{e.Code}] {e.Message}"), null, null, null);
        }
    }

    /// <summary>
    /// A decoded message (XML and RelayState), or the error page to answer instead. <c>Redirect</c> is the message as
    /// the HTTP-Redirect binding decoded it (its query signature), null on HTTP-POST.
    /// </summary>
    private readonly record struct Decoded(byte[] Xml, string? RelayState, RedirectMessage? Redirect);

    private sealed record DecodeResult(Decoded? Message, SignInError? Error);

    private async Task<DecodeResult> DecodeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            var decoded = _redirect.Decode(context.Request.QueryString.Value);
            if (!decoded.Succeeded) return new(null, BindingError(decoded.Error));
            if (decoded.Value.Kind != SamlMessageKind.Request) return new(null, ResponsesRefused());
            return new(new Decoded(decoded.Value.Xml, decoded.Value.RelayState, decoded.Value), null);
        }

        if (!context.Request.HasFormContentType)
            return new(null, IdentityProviderErrors.MessageMissing("The POST carries no form (Content-Type application/x-www-form-urlencoded)."));
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return new(null, IdentityProviderErrors.InvalidMessage("The form cannot be read: " + e.Message));
        }
        var fields = form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? ""))).ToList();
        var posted = _post.Decode(fields);
        if (!posted.Succeeded) return new(null, BindingError(posted.Error));
        if (posted.Value.Kind != SamlMessageKind.Request) return new(null, ResponsesRefused());
        return new(new Decoded(posted.Value.Xml, posted.Value.RelayState, null), null);
    }

    private static SignInError BindingError(BindingError error) => error.Code == BindingCodes.MessageMissing
        ? IdentityProviderErrors.MessageMissing($"[{error.Code}] {error.Message}")
        : IdentityProviderErrors.InvalidMessage($"[{error.Code}] {error.Message}");

    private static SignInError ResponsesRefused() => IdentityProviderErrors.InvalidMessage(
        "This endpoint takes requests (SAMLRequest); the identity provider sends no logout requests, so it expects no SAMLResponse.");

    /// <summary>
    /// An SP-initiated sign-on. Checks in Entra's order: the Issuer names an app (AADSTS700016), the request's
    /// signature passes the app's verification certificates (AADSTS76021 or AADSTS75005, <see cref="VerificationCertificates"/>)
    /// before anything it asks for is looked at, the app is enabled (AADSTS7000112), the ACS URL is one of its Reply
    /// URLs (AADSTS50011), the requested authentication context is one a password satisfies (AADSTS75011); then the
    /// session, else the request waits for the sign-in page.
    /// </summary>
    private async Task SignOnAsync(HttpContext context, AuthnRequest request, XmlDocument document, RedirectMessage? redirect,
        string? acsIndex, string? relayState, CancellationToken cancellationToken)
    {
        // The session is read first only so that every refusal is logged against the user it would have signed in.
        var session = await sessions.CurrentAsync(context, cancellationToken);
        var app = await applications.FindByIdentifierAsync(request.Issuer, cancellationToken);
        if (app is null)
        {
            await RefuseAsync(context, SignInError.UnknownApplication(request.Issuer, TenantId), null, session, "Issuer: " + request.Issuer);
            return;
        }
        if (!await SignatureAcceptedAsync(context, app, session, document, redirect)) return;
        if (!app.AccountEnabled)
        {
            await RefuseAsync(context, SignInError.DisabledApplication(app.AppId), app, session, null);
            return;
        }
        var (replyUrl, replyProblem, replyDetail) = ReplyUrlOf(app, request.AssertionConsumerServiceUrl, acsIndex);
        if (replyUrl is null)
        {
            await RefuseAsync(context, replyProblem!, app, session, replyDetail);
            return;
        }
        // What the pending row can hold; longer values would be cut, so they are refused whole.
        if (request.Id.Length > 256 || request.Issuer.Length > 1024 || relayState is { Length: > 1024 })
        {
            await RefuseAsync(context, IdentityProviderErrors.InvalidMessage("The request ID (256), Issuer or RelayState (1024 characters) is too long."),
                app, session, null);
            return;
        }
        if (!IdentityProviderFailures.Satisfies(request.RequestedAuthnContext))
        {
            await FailAsync(context, app, session, replyUrl, request.Id, relayState, IdentityProviderFailures.NoAuthnContext,
                IdentityProviderFailures.ContextMismatch(request.RequestedAuthnContext!));
            return;
        }
        if (session is null && request.IsPassive)
        {
            await FailAsync(context, app, null, replyUrl, request.Id, relayState, IdentityProviderFailures.NoPassive, IdentityProviderFailures.NoSession());
            return;
        }
        if (session is null || request.ForceAuthn)
        {
            // ForceAuthn: the browser's session is left behind (not ended: other apps' single logout still names it),
            // so the sign-in page asks for the password again.
            if (session is not null) TenantSessions.ClearCookie(context);
            // Only a format the app may issue is kept; any other is ignored when the response is built anyway.
            var format = request.NameIdPolicy?.Format is { } asked && SamlApplications.NameIdFormats.Contains(asked, StringComparer.Ordinal) ? asked : null;
            var waiting = await pending.SaveAsync(app.ServicePrincipalSysId, request.Id, request.Issuer, replyUrl, relayState,
                format, request.ForceAuthn, cancellationToken);
            TenantPage.Redirect(context, LoginUrl($"/{TenantId}/saml2/continue/{waiting.Id}"));
            return;
        }

        await CompleteAsync(context, app, session, replyUrl, request.Id, request.Issuer, request.NameIdPolicy?.Format, relayState);
    }

    /// <summary>
    /// Where the response goes: the ACS URL when it is one of the app's Reply URLs, compared exactly as Entra does (a
    /// trailing slash or another case is another URL, AADSTS50011); the Reply URL of the ACS index; else the default.
    /// </summary>
    private static (string? Url, SignInError? Problem, string? Detail) ReplyUrlOf(SamlApplication app, string? acs, string? acsIndex)
    {
        if (acs is not null)
            return app.ReplyUrls.Any(r => string.Equals(r.Uri, acs, StringComparison.Ordinal))
                ? (acs, null, null)
                : (null, SignInError.ReplyUrlMismatch(acs, app.AppId), "AssertionConsumerServiceURL: " + acs);
        if (acsIndex is not null)
        {
            var byIndex = int.TryParse(acsIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
                ? app.ReplyUrls.FirstOrDefault(r => r.Index == i)
                : null;
            return byIndex is not null
                ? (byIndex.Uri, null, null)
                : (null, SignInError.ReplyUrlMismatch("AssertionConsumerServiceIndex=" + acsIndex, app.AppId), "AssertionConsumerServiceIndex: " + acsIndex);
        }
        return app.DefaultReplyUrl is { } fallback ? (fallback.Uri, null, null) : (null, IdentityProviderErrors.NoReplyUrl(app.AppId), null);
    }

    /// <summary>Resumes a request that waited for the sign-in page.</summary>
    private async Task ContinueAsync(HttpContext context, string id)
    {
        var cancellationToken = context.RequestAborted;
        var session = await sessions.CurrentAsync(context, cancellationToken);
        if (session is null)
        {
            TenantPage.Redirect(context, LoginUrl($"/{TenantId}/saml2/continue/{Uri.EscapeDataString(id)}"));
            return;
        }
        var waiting = await pending.TakeAsync(id, cancellationToken);
        if (waiting is null)
        {
            await RefuseAsync(context, IdentityProviderErrors.PendingRequestExpired(), null, session, null);
            return;
        }
        var app = await applications.GetAsync(waiting.ServicePrincipalSysId, cancellationToken);
        if (app is null)
        {
            await RefuseAsync(context, SignInError.UnknownApplication(waiting.Issuer, TenantId), null, session, "Issuer: " + waiting.Issuer);
            return;
        }
        if (waiting.ForceAuthn && session.AuthenticatedAt < waiting.CreatedAt)
        {
            await RefuseAsync(context, IdentityProviderErrors.SignInAgainRequired(), app, session, null);
            return;
        }
        if (!app.AccountEnabled)
        {
            await RefuseAsync(context, SignInError.DisabledApplication(app.AppId), app, session, null);
            return;
        }
        await CompleteAsync(context, app, session, waiting.ReplyUrl, waiting.RequestId, waiting.Issuer, waiting.NameIdFormat, waiting.RelayState);
    }

    /// <summary>
    /// Signs the session's user in to the app: assignment (AADSTS50105), the response built and signed, the app
    /// recorded on the session for single logout, the sign-on logged, and the response posted to the Reply URL.
    /// </summary>
    private async Task CompleteAsync(HttpContext context, SamlApplication app, TenantSession session, string replyUrl,
        string? inResponseTo, string? requestIssuer, string? nameIdFormat, string? relayState)
    {
        var cancellationToken = context.RequestAborted;
        var user = await UserAsync(session.UserSysId, cancellationToken);
        if (user is null)
        {
            await RefuseAsync(context, SignInError.Disabled(), app, session, null);
            return;
        }
        var upn = user["user_principal_name"] ?? session.UserPrincipalName;
        var assignments = await applications.AssignmentsOfAsync(app.ServicePrincipalSysId, user.SysId, cancellationToken);
        if (!SamlApplications.Admits(app, assignments))
        {
            await RefuseAsync(context, SignInError.NotAssigned(app.DisplayName, app.AppId, upn), app, session, null);
            return;
        }
        var (description, problem) = await responses.DescribeAsync(TenantId, new SignOnRequest
        {
            App = app,
            User = user,
            AuthenticatedAt = session.AuthenticatedAt,
            ReplyUrl = replyUrl,
            InResponseTo = inResponseTo,
            RequestIssuer = requestIssuer,
            RequestedNameIdFormat = nameIdFormat,
            Assignments = assignments,
        }, cancellationToken);
        if (description is null)
        {
            await RefuseAsync(context, problem!, app, session, null);
            return;
        }
        var (document, signProblem) = await responses.SignAsync(app, description, cancellationToken);
        if (document is null)
        {
            await RefuseAsync(context, signProblem!, app, session, null);
            return;
        }

        await sessions.AddParticipantAsync(session,
            new SessionParticipant(app.ServicePrincipalSysId, description.NameId, description.NameIdFormat, description.SessionIndex!), cancellationToken);
        await log.WriteAsync(new SignInEvent
        {
            UserPrincipalName = upn,
            UserSysId = user.SysId,
            AppId = app.AppId,
            AppDisplayName = app.DisplayName,
            ErrorCode = 0,
            CorrelationId = Guid.NewGuid().ToString("D"),
            IpAddress = context.Connection.RemoteIpAddress?.ToString(),
            Detail = $"SAML sign-on to {replyUrl}" + (inResponseTo is null ? " (IdP-initiated)" : $" answering {inResponseTo}"),
        }, cancellationToken);
        await PostAsync(context, replyUrl, document.OuterXml, relayState);
    }

    /// <summary>
    /// A refusal the app must hear (<see cref="IdentityProviderFailures"/>): logged like every refusal, and posted to
    /// the Reply URL as a failure Response, signed on the Response element when the app has a certificate.
    /// </summary>
    private async Task FailAsync(HttpContext context, SamlApplication app, TenantSession? session, string replyUrl, string inResponseTo,
        string? relayState, string subCode, SignInError error)
    {
        await log.WriteAsync(new SignInEvent
        {
            UserPrincipalName = session?.UserPrincipalName,
            UserSysId = session?.UserSysId,
            AppId = app.AppId,
            AppDisplayName = app.DisplayName,
            ErrorCode = error.Code,
            FailureReason = error.Message,
            CorrelationId = Guid.NewGuid().ToString("D"),
            IpAddress = context.Connection.RemoteIpAddress?.ToString(),
            Detail = $"SAML failure response to {replyUrl} answering {inResponseTo}",
        }, context.RequestAborted);
        var document = IdentityProviderFailures.Write(responses.Issuer(TenantId), replyUrl, inResponseTo, subCode, error, time.GetUtcNow());
        var (certificate, _) = await responses.LoadSignerAsync(app, context.RequestAborted);
        using (certificate)
            if (certificate is not null) XmlSigner.Sign(document.DocumentElement!, certificate, app.Settings.SignatureMethod);
        await PostAsync(context, replyUrl, document.OuterXml, relayState);
    }

    /// <summary>
    /// The auto-submitting form that carries the response to the Reply URL, with the pages' no-store headers and a
    /// CSP that lets the form post only to the Reply URL's origin and runs only the page's own nonce'd script.
    /// </summary>
    private async Task PostAsync(HttpContext context, string replyUrl, string responseXml, string? relayState)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var page = _post.BuildPage(replyUrl, SamlMessageKind.Response, responseXml, relayState, nonce);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        TenantPage.NoStore(response);
        var origin = new Uri(replyUrl).GetLeftPart(UriPartial.Authority);
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; form-action {origin}; frame-ancestors 'none'; base-uri 'none'";
        await response.WriteAsync(page, context.RequestAborted);
    }

    /// <summary>The user row with every column a response may read; null when the user is gone or disabled.</summary>
    private async Task<RecordRow?> UserAsync(string userSysId, CancellationToken cancellationToken)
    {
        var user = await directory.Store.GetAsync(DirectoryTables.User, userSysId, UserAttributeSources.UserColumns, cancellationToken: cancellationToken);
        return user is null || user["account_enabled"] == "false" || !string.IsNullOrEmpty(user["deleted_date_time"]) ? null : user;
    }

    /// <summary>
    /// Whether the request's signature passes the app's verification certificates; when not, the refusal is
    /// answered and logged with the Issuer and the certificates tried.
    /// </summary>
    private async Task<bool> SignatureAcceptedAsync(HttpContext context, SamlApplication app, TenantSession? session,
        XmlDocument document, RedirectMessage? redirect)
    {
        if (VerificationCertificates.Check(app, document, redirect, time.GetUtcNow()) is not { } refusal) return true;
        await RefuseAsync(context, refusal.Error, app, session, refusal.Detail);
        return false;
    }

    /// <summary>Entra's error page for a refusal, and the sign-in log entry that lets an admin find out why.</summary>
    private async Task RefuseAsync(HttpContext context, SignInError error, SamlApplication? app, TenantSession? session, string? detail)
    {
        var correlationId = Guid.NewGuid().ToString("D");
        await log.WriteAsync(new SignInEvent
        {
            UserPrincipalName = session?.UserPrincipalName,
            UserSysId = session?.UserSysId,
            AppId = app?.AppId,
            AppDisplayName = app?.DisplayName,
            ErrorCode = error.Code,
            FailureReason = error.Message,
            CorrelationId = correlationId,
            IpAddress = context.Connection.RemoteIpAddress?.ToString(),
            Detail = detail,
        }, context.RequestAborted);
        await TenantPage.ErrorAsync(context, error, time, correlationId);
    }

    private string LoginUrl(string continuePath) => $"/{TenantId}/login?continue={Uri.EscapeDataString(continuePath)}";

    private static async Task<bool> AllowAsync(HttpContext context, params string[] methods)
    {
        if (methods.Any(m => string.Equals(m, context.Request.Method, StringComparison.OrdinalIgnoreCase))) return true;
        context.Response.Headers.Allow = string.Join(", ", methods);
        await TenantPage.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
            $"<h1>Method not allowed</h1>\n<p>This address answers {TenantPage.Encode(string.Join(" and ", methods))} only.</p>");
        return false;
    }
}
