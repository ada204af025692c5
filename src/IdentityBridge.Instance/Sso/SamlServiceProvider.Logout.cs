using System.Security.Cryptography;
using System.Text;
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
/// Single logout over HTTP-Redirect (SAML profiles 4.4): our LogoutRequest when a user signed in through an identity
/// provider logs out here, the provider's LogoutResponse to it, and the provider's own LogoutRequest when the user
/// logs out there. Every message from a provider must carry a valid query signature by one of the record's
/// certificates: an unsigned LogoutRequest would let any page log our users out, an unsigned LogoutResponse would
/// let anyone end a logout that never happened.
/// </summary>
internal sealed partial class SamlServiceProvider
{
    public async Task<bool> StartSingleLogoutAsync(HttpContext context, UserSession endedSession, IdentityProviderRecord record)
    {
        var cancellationToken = context.RequestAborted;
        if (endedSession.Sso is not { NameId: { Length: > 0 } nameId } sso ||
            !Uri.TryCreate(record.LogoutUrl, UriKind.Absolute, out var destination) || destination.Scheme is not ("https" or "http"))
            return false;
        var now = time.GetUtcNow();
        var request = new LogoutRequest
        {
            Id = "SNC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            IssueInstant = now,
            Destination = destination.AbsoluteUri,
            NotOnOrAfter = now + RequestLifetime,
            Issuer = OurEntityId(record),
            NameId = new NameIdentifier { Value = nameId, Format = sso.NameIdFormat },
            SessionIndexes = sso.SessionIndex is { Length: > 0 } index ? [index] : [],
        };
        await requests.RememberAsync(request.Id, record.SysId, SentRequestKind.Logout, null, false, now + RequestLifetime, cancellationToken);
        var signing = record.Text("require_signed_logoutrequest") == "true"
            ? new RedirectSigning { Certificate = await keys.SigningCertificateAsync(cancellationToken), Algorithm = SigningAlgorithm(record) }
            : null;
        HtmlPage.Redirect(context, _redirect.BuildUrl(destination.AbsoluteUri, SamlMessageKind.Request, request.ToXml(), request.Id, signing));
        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"Sent LogoutRequest {request.Id} to {record.Name} for {nameId}", cancellationToken);
        return true;
    }

    /// <summary>A GET to an ACS URL carrying SAMLRequest (the provider logs a user out) or SAMLResponse (the answer to ours).</summary>
    public async Task HandleRedirectMessageAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var decoded = _redirect.Decode(context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "");
        if (!decoded.Succeeded)
        {
            await RefuseLogoutAsync(context, $"[{decoded.Code}] {decoded.Error!.Message}");
            return;
        }
        var message = decoded.Value!;
        try
        {
            var xml = Encoding.UTF8.GetString(message.Xml);
            if (message.Kind == SamlMessageKind.Request) await LogoutRequestedAsync(context, message, LogoutRequest.Parse(xml), cancellationToken);
            else await LogoutAnsweredAsync(context, message, LogoutResponse.Parse(xml), cancellationToken);
        }
        catch (SamlMessageException e)
        {
            await RefuseLogoutAsync(context, $"[{e.Code}] {e.Message}");
        }
    }

    private async Task LogoutRequestedAsync(HttpContext context, RedirectMessage message, LogoutRequest request, CancellationToken cancellationToken)
    {
        var record = await VerifiedSenderAsync(context, message, request.Issuer, cancellationToken);
        if (record is null) return;
        var now = time.GetUtcNow();
        var skew = TimeSpan.FromSeconds(record.ClockSkewSeconds ?? 180);
        if (request.NotOnOrAfter is { } expires && now >= expires + skew)
        {
            await RefuseLogoutAsync(context, $"the LogoutRequest {request.Id} from {record.Name} expired at {expires:O}");
            return;
        }
        if (request.Destination is { } destination && !urls.AssertionConsumerServiceUrls.Contains(destination, StringComparer.OrdinalIgnoreCase))
        {
            await RefuseLogoutAsync(context, $"the LogoutRequest {request.Id} from {record.Name} is addressed to {destination}, not to this instance");
            return;
        }
        var ended = 0;
        if (request.SessionIndexes.Count == 0) ended = await sessions.EndForIdentityProviderAsync(record.SysId, request.NameId.Value, null, cancellationToken);
        foreach (var index in request.SessionIndexes)
            ended += await sessions.EndForIdentityProviderAsync(record.SysId, request.NameId.Value, index, cancellationToken);
        if (await sessions.CurrentAsync(context) is null) sessions.ClearCookie(context);
        await log.WriteAsync(SyslogLevel.Information, SsoLog.Source,
            $"{record.Name} logged out {request.NameId.Value}: {ended} session(s) ended (LogoutRequest {request.Id})", cancellationToken);

        if (!Uri.TryCreate(record.LogoutUrl, UriKind.Absolute, out var back) || back.Scheme is not ("https" or "http"))
        {
            HtmlPage.Redirect(context, LoginPages.ExternalLogoutTarget(record.ExternalLogoutRedirect));
            return;
        }
        var response = new LogoutResponse
        {
            Id = "SNC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            IssueInstant = now,
            Destination = back.AbsoluteUri,
            InResponseTo = request.Id,
            Issuer = OurEntityId(record),
            Status = SamlStatus.Success,
        };
        var signing = record.Text("sign_logout_response") == "true"
            ? new RedirectSigning { Certificate = await keys.SigningCertificateAsync(cancellationToken), Algorithm = SigningAlgorithm(record) }
            : null;
        HtmlPage.Redirect(context, _redirect.BuildUrl(back.AbsoluteUri, SamlMessageKind.Response, response.ToXml(), message.RelayState, signing));
    }

    private async Task LogoutAnsweredAsync(HttpContext context, RedirectMessage message, LogoutResponse response, CancellationToken cancellationToken)
    {
        var record = await VerifiedSenderAsync(context, message, response.Issuer, cancellationToken);
        if (record is null) return;
        var request = response.InResponseTo is { Length: > 0 and <= StoreRequestTracker.MaxRequestIdLength } id
            ? await requests.TakeRequestAsync(id, cancellationToken) : null;
        if (request is null || request.Kind != SentRequestKind.Logout || request.RecordId != record.SysId)
        {
            await RefuseLogoutAsync(context,
                $"the LogoutResponse from {record.Name} answers no logout this instance sent to it (InResponseTo {response.InResponseTo ?? "missing"})");
            return;
        }
        await log.WriteAsync(response.Status.IsSuccess ? SyslogLevel.Information : SyslogLevel.Warning, SsoLog.Source,
            $"{record.Name} answered LogoutRequest {request.RequestId} with {response.Status.Code}" +
            (response.Status.Message is { } text ? $": {text}" : ""), cancellationToken);
        HtmlPage.Redirect(context, LoginPages.ExternalLogoutTarget(record.ExternalLogoutRedirect));
    }

    /// <summary>The record the message's Issuer selects, when the query signature verifies with one of its certificates.</summary>
    private async Task<IdentityProviderRecord?> VerifiedSenderAsync(HttpContext context, RedirectMessage message, string issuer,
        CancellationToken cancellationToken)
    {
        var record = await directory.FindRecordByIssuerAsync(issuer, cancellationToken);
        if (record is null)
        {
            await RefuseLogoutAsync(context, $"no identity provider record has the Identity Provider URL '{issuer}'");
            return null;
        }
        var trust = await directory.BuildTrustAsync(record, cancellationToken);
        var verified = _redirect.VerifySignature(message, trust.SigningCertificates, record.AllowSha1);
        if (!verified.Succeeded)
        {
            await RefuseLogoutAsync(context, $"the logout message from {record.Name} is not signed by its certificate: [{verified.Code}] {verified.Error!.Message}");
            return null;
        }
        return record;
    }

    private async Task RefuseLogoutAsync(HttpContext context, string reason)
    {
        await log.WriteAsync(SyslogLevel.Error, SsoLog.Source, "Refused a single logout message: " + reason, context.RequestAborted);
        await HtmlPage.WriteAsync(context, StatusCodes.Status400BadRequest, "Logout message refused",
            "<h1>Logout message refused</h1>\n<p role=\"alert\" class=\"error\">The single logout message could not be verified.</p>\n" +
            "<p><a href=\"/logout.do\">Log out of this instance</a></p>");
    }
}
