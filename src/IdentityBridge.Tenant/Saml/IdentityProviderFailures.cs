using System.Globalization;
using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.SignIn;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The refusals Entra answers with a SAML response rather than its error page, because the app asked for something
/// the IdP cannot give and must hear so (spec/saml.md 1.2, "Failure responses"): a passive request without a session
/// (AADSTS50058) and a RequestedAuthnContext the sign-in does not satisfy (AADSTS75011, which ServiceNow reports as
/// "Status code is ...:Requester"). The response has a nested status code, the AADSTS text as StatusMessage, and no
/// Assertion.
/// </summary>
public static class IdentityProviderFailures
{
    public const string NoPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
    public const string NoAuthnContext = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";
    public const string PasswordMethod = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password";
    private const string UnspecifiedContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";

    /// <summary>The classes a password sign-in satisfies, in the spellings apps ask for it (ServiceNow's default and its Entra value).</summary>
    private static readonly HashSet<string> PasswordClasses = new(StringComparer.Ordinal)
    {
        SamlNames.PasswordContext, SamlNames.PasswordProtectedTransport, PasswordMethod, UnspecifiedContext,
    };

    public static SignInError NoSession() => new(50058, "UserNotSignedIn",
        "A silent sign-in request was sent but no user is signed in. The application asked for a passive sign-in (IsPassive), " +
        "and this browser has no session with the tenant.");

    public static SignInError ContextMismatch(RequestedAuthnContext requested) => new(75011, "NoMatchedAuthnContextInOutputClaims",
        $"Authentication method 'Password' by which the user authenticated with the service doesn't match requested authentication " +
        $"method '{string.Join(", ", requested.ClassRefs)}'. The tenant signs users in with a password: ask for " +
        $"{SamlNames.PasswordProtectedTransport} or {PasswordMethod}, or turn off the app's requested authentication context.");

    /// <summary>
    /// Whether a password sign-in satisfies the request: one of the classes it names is a password class (for exact,
    /// minimum and maximum), or the request asks for nothing stronger than unspecified (better).
    /// </summary>
    public static bool Satisfies(RequestedAuthnContext? requested) => requested is null || (requested.Comparison == AuthnContextComparison.Better
        ? requested.ClassRefs.All(c => c == UnspecifiedContext)
        : requested.ClassRefs.Any(PasswordClasses.Contains));

    /// <summary>A failure Response: Requester with the SAML second-level code, the AADSTS text, no Assertion.</summary>
    public static XmlDocument Write(string issuer, string destination, string inResponseTo, string subCode, SignInError error, DateTimeOffset now)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        var response = document.CreateElement(SamlNames.ProtocolPrefix, "Response", SamlNames.Protocol);
        document.AppendChild(response);
        response.SetAttribute("ID", "_" + Guid.NewGuid().ToString("D"));
        response.SetAttribute("Version", "2.0");
        response.SetAttribute("IssueInstant", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        response.SetAttribute("Destination", destination);
        response.SetAttribute("InResponseTo", inResponseTo);
        var issuerElement = document.CreateElement("Issuer", SamlNames.Assertion);
        issuerElement.InnerText = issuer;
        response.AppendChild(issuerElement);
        var status = Protocol(response, "Status");
        var code = Protocol(status, "StatusCode");
        code.SetAttribute("Value", SamlNames.StatusRequester);
        Protocol(code, "StatusCode").SetAttribute("Value", subCode);
        Protocol(status, "StatusMessage").InnerText = $"{error.CodeText}: {error.Message}";
        return document;
    }

    private static XmlElement Protocol(XmlElement parent, string name)
    {
        var element = parent.OwnerDocument.CreateElement(SamlNames.ProtocolPrefix, name, SamlNames.Protocol);
        parent.AppendChild(element);
        return element;
    }
}
