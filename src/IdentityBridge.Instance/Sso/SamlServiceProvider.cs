// The instance's SAML sign-in contract, which this class implements and the end-to-end tests in
// tests/IdentityBridge.Instance.Tests/Sso/SignIn check (also in docs/sso.md):
//
// ## The instance's SAML sign-in contract (being implemented now in src/IdentityBridge.Instance/Sso/SamlServiceProvider*.cs)
// - Configuration (as an admin does it, through the Table API with Basic auth as `admin`, who holds `security_admin`):
//   property `glide.authenticate.multisso.enabled` = true (PATCH the existing sys_properties row found by name); either
//   `glide.authenticate.multisso.test.connection.mandatory` = false, or run Test Connection before activating;
//   a `sys_certificate` row {name, format: pem, type: trust_store, pem_certificate}; a `saml2_update1_properties` row
//   {name, idp (IdP entity id), idp_authnrequest_url, idp_logout_url, x509_cert (certificate sys_id list), user_field
//   (email|user_name), active, auto_provision, auto_update_user, require_signed_authnrequest,
//   require_signed_logoutrequest, sign_logout_response, issuer, audience, service_url}. Defaults: issuer and audience =
//   the instance's public base URL (no trailing slash); ACS URLs = {base}/navpage.do and {base}/consumer.do.
// - SP-initiated: `GET /login_with_sso.do?glide_sso_id=<record sys_id>[&sysparm_goto_url=/local/path]` → 302 to
//   idp_authnrequest_url with `SAMLRequest` (HTTP-Redirect: deflate+base64) and `RelayState` (opaque), plus `SigAlg` and
//   `Signature` when the record has require_signed_authnrequest (signed with the instance's SP key, published in its SP
//   metadata). The AuthnRequest: ID "SNC" + 32 hex, Destination = idp_authnrequest_url, AssertionConsumerServiceURL =
//   service_url or {base}/navpage.do, Issuer = issuer, NameIDPolicy AllowCreate=true.
// - ACS: `POST /navpage.do` or `POST /consumer.do` (form fields SAMLResponse, RelayState). Success → 302 to the return
//   path (for a solicited response: the sysparm_goto_url given to login_with_sso.do, else /navpage.do; for an unsolicited
//   one: the posted RelayState when it is a same-instance path, else /navpage.do), with `Set-Cookie: JSESSIONID=...;
//   HttpOnly; SameSite=Lax` (Secure on HTTPS) and a `glide_sso_id` cookie naming the record. Failure → 401 HTML page
//   with a short reason, no session cookie, and a syslog row (source `SAML2`) carrying the validation code(s) and
//   ServiceNow's message. Inactive record → refused (except for Test Connection). User not found and no JIT → 401 and
//   syslog "User: <value> not found".
// - Home: `GET /navpage.do` with the cookie → 200 page naming the user (name and user_name).
// - SP-initiated single logout: `GET /logout.do` for a session started by a record with idp_logout_url → local session
//   ended, 302 to idp_logout_url with `SAMLRequest` (LogoutRequest: Issuer, NameID as received, SessionIndex) and
//   RelayState; signed query when require_signed_logoutrequest. The IdP answers `GET /navpage.do?SAMLResponse=...`
//   (a LogoutResponse whose InResponseTo is that request's ID, query-signed by the IdP's key: unsigned ones are refused)
//   → 302 to the record's external_logout_redirect (default /external_logout_complete.do).
// - IdP-initiated single logout: `GET /navpage.do?SAMLRequest=...` (LogoutRequest, query-signed by the IdP key; unsigned
//   refused with 400) → every session of that record with that NameID (and SessionIndex when given) ends → 302 to
//   idp_logout_url with `SAMLResponse` (LogoutResponse Success, InResponseTo = the request ID), signed when
//   sign_logout_response.
// - Test Connection: a signed-in `security_admin` opens `GET /saml_test_connection.do?glide_sso_id=<id>` → like
//   login_with_sso.do (works for an inactive record); the response at the ACS is validated but no session is created;
//   302 to `/saml_test_conn_completed.do?sysparm_test_sso_id=<id>` which shows each validation step and its result;
//   the record's last_test_result becomes passed/failed (then `active=true` is accepted).
// - SP metadata: `GET /saml_metadata.do?glide_sso_id=<id>` → the SP EntityDescriptor for that record (entityID = issuer,
//   ACS navpage.do index 0 default and consumer.do index 1, SingleLogoutService navpage.do HTTP-Redirect, signing key).

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IdentityBridge.Instance.Hosting;
using IdentityBridge.Instance.Logging;
using IdentityBridge.Instance.Pages;
using IdentityBridge.Instance.Sessions;
using IdentityBridge.Saml.Bindings;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Validation;
using IdentityBridge.Saml.Xml;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// The SAML protocol steps of Multi-Provider SSO: AuthnRequests out (HTTP-Redirect, or an auto-posting form when
/// the record's binding is HTTP-POST), responses in at the ACS through <see cref="ResponseValidator"/>, sessions
/// for the users they name, single logout both ways, and Test Connection. Every failure writes a syslog row
/// (source SAML2) with the validation codes and ServiceNow's wording; with glide.authenticate.multisso.debug on,
/// every step of a validation is logged too.
/// </summary>
internal sealed partial class SamlServiceProvider(
    IdentityProviderDirectory directory, StoreRequestTracker requests, StoreReplayCache replayCache, UserSessions sessions,
    SsoUserResolver users, ServiceProviderKeys keys, SystemProperties properties, SystemLog log, InstanceUrls urls,
    TimeProvider time) : ISamlServiceProvider
{
    public const string SsoCookie = "glide_sso_id";
    /// <summary>How long a sent request waits for its answer: a user signing in at the IdP may take a while.</summary>
    private static readonly TimeSpan RequestLifetime = TimeSpan.FromMinutes(15);

    private readonly ResponseValidator _validator = new(directory, replayCache, requests, time);
    private readonly HttpRedirectBinding _redirect = new();
    private readonly HttpPostBinding _post = new();

    public Task StartSignInAsync(HttpContext context, IdentityProviderRecord record, string returnPath) =>
        SendAuthnRequestAsync(context, record, returnPath, testConnection: false);

    /// <summary>Sends the AuthnRequest, remembering it so that only its answer, from this record, is taken.</summary>
    internal async Task SendAuthnRequestAsync(HttpContext context, IdentityProviderRecord record, string returnPath, bool testConnection)
    {
        var cancellationToken = context.RequestAborted;
        if (!Uri.TryCreate(record.AuthnRequestUrl, UriKind.Absolute, out var destination) || destination.Scheme is not ("https" or "http"))
        {
            await log.WriteAsync(SyslogLevel.Error, SsoLog.Source,
                $"Identity provider {record.Name} ({record.SysId}) has no valid Identity Provider's AuthnRequest URL; set idp_authnrequest_url", cancellationToken);
            await FailurePageAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The identity provider {record.Name} is not configured with a sign-in URL. Ask your administrator to set it.");
            return;
        }
        var now = time.GetUtcNow();
        var request = new AuthnRequest
        {
            Id = "SNC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            IssueInstant = now,
            Destination = destination.AbsoluteUri,
            AssertionConsumerServiceUrl = AssertionConsumerService(record),
            ProviderName = AssertionConsumerService(record),
            Issuer = OurEntityId(record),
            ForceAuthn = record.ForceAuthn,
            IsPassive = record.IsPassive,
            NameIdPolicy = new NameIdPolicy { Format = record.NameIdPolicy ?? SamlNames.NameIdUnspecified, AllowCreate = true },
            RequestedAuthnContext = record.Text("createrequestedauthncontext") == "true"
                ? new RequestedAuthnContext
                {
                    Comparison = AuthnContextComparison.Exact,
                    ClassRefs = [record.Text("authncontextcassref_method") ?? SamlNames.PasswordProtectedTransport],
                }
                : null,
        };
        await requests.RememberAsync(request.Id, record.SysId, SentRequestKind.Authn, returnPath, testConnection, now + RequestLifetime, cancellationToken);
        var sign = record.Text("require_signed_authnrequest") == "true";
        var algorithm = SigningAlgorithm(record);
        // The RelayState is an opaque handle: where the user lands comes from the remembered request, not from it.
        var relayState = request.Id;
        if (record.Text("idp_authnrequest_binding") == SamlNames.HttpPostBinding)
        {
            var document = request.ToXmlDocument();
            if (sign) XmlSigner.Sign(document.DocumentElement!, await keys.SigningCertificateAsync(cancellationToken), algorithm);
            await PostFormAsync(context, destination, SamlMessageKind.Request, document.OuterXml, relayState);
        }
        else
        {
            var signing = sign ? new RedirectSigning { Certificate = await keys.SigningCertificateAsync(cancellationToken), Algorithm = algorithm } : null;
            HtmlPage.Redirect(context, _redirect.BuildUrl(destination.AbsoluteUri, SamlMessageKind.Request, request.ToXml(), relayState, signing));
        }
        await DebugAsync($"Sent AuthnRequest {request.Id} to {record.Name} ({destination.AbsoluteUri}){(testConnection ? " for Test Connection" : "")}", cancellationToken);
    }

    public async Task ConsumeResponseAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        IFormCollection form;
        try
        {
            form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(cancellationToken) : FormCollection.Empty;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            await FailurePageAsync(context, StatusCodes.Status400BadRequest, "The sign-in response could not be read.");
            return;
        }
        var samlResponse = form["SAMLResponse"].ToString();
        if (samlResponse.Length == 0)
        {
            await FailurePageAsync(context, StatusCodes.Status400BadRequest,
                "This address receives SAML responses from identity providers; the request carried none.");
            return;
        }
        var receivedAt = urls.PublicBaseUrl + context.Request.Path.Value;
        var result = await _validator.ValidateAsync(samlResponse, receivedAt, cancellationToken);
        var tracked = result.InResponseTo is { Length: > 0 and <= StoreRequestTracker.MaxRequestIdLength } id
            ? await requests.FindAsync(id, cancellationToken) : null;
        var test = tracked is { TestConnection: true, Kind: SentRequestKind.Authn } && tracked.RecordId == result.RecordId;
        await DebugStepsAsync(result, cancellationToken);

        if (!result.IsValid)
        {
            await log.WriteAsync(SyslogLevel.Error, SsoLog.Source,
                $"Could not validate SAMLResponse{From(result)}: " +
                string.Join("; ", result.Problems.Select(p => $"[{p.Code}] {p.Message}")), cancellationToken);
            if (test)
            {
                await FinishTestAsync(context, tracked!.RecordId, false, result.Steps, cancellationToken);
                return;
            }
            await FailurePageAsync(context, StatusCodes.Status401Unauthorized, UserMessage(result));
            return;
        }

        var assertion = result.Assertion!;
        var record = await directory.GetAsync(assertion.RecordId, cancellationToken);
        if (record is null)
        {
            await FailurePageAsync(context, StatusCodes.Status401Unauthorized, "The identity provider is no longer configured.");
            return;
        }
        if (test)
        {
            var resolved = await users.ResolveAsync(record, assertion.NameId, assertion.Attributes, cancellationToken, dryRun: true);
            var steps = result.Steps.Append(new ValidationStep("User lookup", resolved.Succeeded,
                resolved.Succeeded ? $"{record.UserField} = {assertion.NameId}" : resolved.Message ?? "not found")).ToList();
            await FinishTestAsync(context, record.SysId, resolved.Succeeded, steps, cancellationToken);
            return;
        }
        if (!record.Active)
        {
            await log.WriteAsync(SyslogLevel.Error, SsoLog.Source,
                $"Refused a response from {record.Name} ({record.SysId}): the identity provider record is not active", cancellationToken);
            await FailurePageAsync(context, StatusCodes.Status401Unauthorized, $"Sign-in through {record.Name} is not active on this instance.");
            return;
        }

        var user = await users.ResolveAsync(record, assertion.NameId, assertion.Attributes, cancellationToken);
        if (!user.Succeeded)
        {
            await FailurePageAsync(context, StatusCodes.Status401Unauthorized, $"{user.Message}. Could not validate SAML Response.");
            return;
        }
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "";
        var (token, _) = await sessions.StartAsync(user.UserSysId!, new SsoOrigin(record.SysId, assertion.NameId, assertion.SessionIndex, assertion.NameIdFormat), client, cancellationToken);
        sessions.WriteCookie(context, token);
        context.Response.Cookies.Append(SsoCookie, record.SysId, new CookieOptions
        {
            HttpOnly = true,
            Secure = sessions.IsSecure(context),
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = TimeSpan.FromDays(365),
        });
        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"User {user.UserName} signed in through {record.Name} (assertion {assertion.AssertionId}, certificate SHA-256 {assertion.SigningCertificateThumbprint[..16]}...){(user.Created ? ", created just in time" : "")}",
            cancellationToken);
        // Solicited: back where the user was going, as remembered. Unsolicited: the RelayState when it is one of our paths.
        var target = tracked is { Kind: SentRequestKind.Authn } ? tracked.RelayState
            : LocalPaths.SafeOr(form["RelayState"].ToString(), LoginPages.HomePath);
        HtmlPage.Redirect(context, target);
    }

    private async Task FinishTestAsync(HttpContext context, string recordId, bool passed, IEnumerable<ValidationStep> steps,
        CancellationToken cancellationToken)
    {
        await directory.RecordTestResultAsync(recordId, passed, cancellationToken);
        var text = string.Join("\n", steps.Select(s => $"{(s.Passed ? "PASS" : "FAIL")}\t{s.Name}\t{s.Detail}"));
        await directory.RecordTestLogAsync(recordId, text.Length > 19_000 ? text[..19_000] : text, cancellationToken);
        HtmlPage.Redirect(context, "/saml_test_conn_completed.do?sysparm_nostack=true&sysparm_test_sso_id=" + recordId);
    }

    /// <summary>What the user is told: ServiceNow's first message, which names the check that failed and nothing secret.</summary>
    private static string UserMessage(ValidationResult result) =>
        (result.Problems.FirstOrDefault()?.Message ?? "The response was not valid") + ". Could not validate SAML Response.";

    private static string From(ValidationResult result) =>
        result.Issuer is null ? "" : $" from {result.Issuer}{(result.RecordId is null ? "" : $" (record {result.RecordId})")}";

    private async Task DebugStepsAsync(ValidationResult result, CancellationToken cancellationToken)
    {
        if (!await properties.GetBooleanAsync(SystemProperties.MultiSsoDebug, cancellationToken)) return;
        foreach (var step in result.Steps)
            await log.WriteAsync(SyslogLevel.Debug, SsoLog.Source, $"SAML2 debug: {(step.Passed ? "ok" : "FAILED")}: {step.Name}: {step.Detail}", cancellationToken);
    }

    private async Task DebugAsync(string message, CancellationToken cancellationToken)
    {
        if (await properties.GetBooleanAsync(SystemProperties.MultiSsoDebug, cancellationToken))
            await log.WriteAsync(SyslogLevel.Debug, SsoLog.Source, "SAML2 debug: " + message, cancellationToken);
    }

    private string AssertionConsumerService(IdentityProviderRecord record) =>
        record.ServiceUrl is { } service && Uri.TryCreate(service, UriKind.Absolute, out _) ? service : urls.AssertionConsumerServiceUrls[0];

    private string OurEntityId(IdentityProviderRecord record) => record.Issuer ?? urls.PublicBaseUrl;

    private static string SigningAlgorithm(IdentityProviderRecord record) =>
        record.Text("sign_algorithmuri") is SamlNames.RsaSha256 or SamlNames.RsaSha384 or SamlNames.RsaSha512 or SamlNames.RsaSha1
            ? record.Text("sign_algorithmuri")!
            : SamlNames.RsaSha256;

    private async Task PostFormAsync(HttpContext context, Uri destination, SamlMessageKind kind, string xml, string? relayState)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        // Like every page of ours: it carries a one-time request, so no cache keeps it and no site frames it.
        HtmlPage.NoStore(response);
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; form-action {destination.GetLeftPart(UriPartial.Authority)}; frame-ancestors 'none'; base-uri 'none'";
        await response.WriteAsync(_post.BuildPage(destination.AbsoluteUri, kind, xml, relayState, nonce), context.RequestAborted);
    }

    private static Task FailurePageAsync(HttpContext context, int status, string message) =>
        HtmlPage.WriteAsync(context, status, "Single sign-on failed",
            $"<h1>Single sign-on failed</h1>\n<p role=\"alert\" class=\"error\">{HtmlPage.Encode(message)}</p>\n" +
            "<p><a href=\"/login.do?sysparm_local=true\">Log in with a user name and password</a></p>");
}
