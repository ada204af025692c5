using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Tenant.Tests.Tokens;
using IdentityBridge.Testing.Web;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>A web browser's view of the tenant (<see cref="CookieBrowser"/>), with the tenant's certificate pinned.</summary>
/// <param name="certificate">The tenant's https certificate, pinned; null for a tenant on plain http.</param>
public sealed class TenantBrowser(string baseUrl, X509Certificate2? certificate) : CookieBrowser(baseUrl, Handler(certificate))
{
    private static HttpClientHandler Handler(X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        if (certificate is not null) handler.ServerCertificateCustomValidationCallback = TokenWorld.Pin(certificate);
        return handler;
    }
}
