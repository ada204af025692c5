using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Tokens;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Tenant.Saml;

/// <summary>How the tenant names itself in SAML federation metadata.</summary>
public sealed record FederationMetadataOptions
{
    /// <summary>
    /// The IdP entity id, with <c>{tenantId}</c> replaced by the tenant id. Entra's is
    /// <c>https://sts.windows.net/{tenantId}/</c> whatever host serves the metadata (spec/saml.md 1.8), and
    /// ServiceNow checks the Issuer of every response against it, so the default matches Entra's.
    /// </summary>
    public string IssuerTemplate { get; init; } = "https://sts.windows.net/{tenantId}/";

    public string Issuer(string tenantId) => IssuerTemplate.Replace("{tenantId}", tenantId, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// <c>GET /{tenantId}/FederationMetadata/2007-06/FederationMetadata.xml[?appid=...]</c>, public as Entra's is: the
/// app's IdP metadata signed with its active certificate, or without <c>appid</c> the tenant's, signed with the
/// tenant-wide token-signing key (spec/saml.md 1.8).
/// </summary>
internal sealed class FederationMetadataEndpoint(TenantDirectory directory, TokenSigningCertificates certificates,
    SigningKeys tenantKeys, FederationMetadataOptions options, TimeProvider time)
{
    /// <summary>Answers the request when it is for federation metadata; false leaves it to the next handler.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Entra serves the path in any case; ServiceNow and people type it both ways.
        if (segments.Length != 4 ||
            !segments[1].Equals("federationmetadata", StringComparison.OrdinalIgnoreCase) ||
            !segments[2].Equals("2007-06", StringComparison.OrdinalIgnoreCase) ||
            !segments[3].Equals("federationmetadata.xml", StringComparison.OrdinalIgnoreCase))
            return false;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await TextAsync(context, StatusCodes.Status405MethodNotAllowed, "Federation metadata is read with GET.");
            return true;
        }
        var tenantId = directory.TenantId;
        if (!segments[0].Equals(tenantId, StringComparison.OrdinalIgnoreCase))
        {
            await TextAsync(context, StatusCodes.Status404NotFound,
                $"This tenant is '{tenantId}'; ask for /{tenantId}/FederationMetadata/2007-06/FederationMetadata.xml.");
            return true;
        }

        var appIdText = context.Request.Query["appid"].ToString();
        var (certificatesToList, signer, problem) = string.IsNullOrEmpty(appIdText)
            ? TenantCertificates()
            : await AppCertificatesAsync(appIdText, context.RequestAborted);
        if (problem is not null)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, problem);
            return true;
        }

        using (signer)
        {
            var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
            var endpoint = $"{baseUrl}/{tenantId}/saml2";
            var xml = MetadataWriter.WriteIdentityProvider(new IdentityProviderDescription
            {
                EntityId = options.Issuer(tenantId),
                SigningCertificates = certificatesToList,
                SingleSignOnServiceUrl = endpoint,
                SingleLogoutServiceUrl = endpoint,
            }, entity => XmlSigner.Sign(entity, signer!));
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/xml; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            if (HttpMethods.IsGet(context.Request.Method)) await context.Response.WriteAsync(xml, context.RequestAborted);
        }
        return true;
    }

    private (IReadOnlyList<X509Certificate2>, X509Certificate2?, string?) TenantCertificates()
    {
        var current = tenantKeys.Current;
        if (current.PrivateKey is null)
            return ([], null, "This tenant has no tenant-wide signing certificate with a private key; give an app's metadata with ?appid=<application id>.");
        // The signer is disposed after the answer; the tenant's own key object must stay usable for tokens.
        var signer = X509CertificateLoader.LoadPkcs12(current.Certificate.Export(X509ContentType.Pkcs12), null);
        return ([current.Certificate, .. tenantKeys.All.Where(k => k != current).Select(k => k.Certificate)], signer, null);
    }

    private async Task<(IReadOnlyList<X509Certificate2>, X509Certificate2?, string?)> AppCertificatesAsync(string appIdText,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(appIdText, out var appId))
            return ([], null, $"The appid '{appIdText}' is not an application id; give the app's Application ID (a GUID).");
        var servicePrincipal = (await directory.Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.ServicePrincipal,
            Query = EncodedQuery.Where("app_id", appId.ToString("D")),
            Fields = ["app_id"],
            Limit = 1,
        }, cancellationToken)).Rows.FirstOrDefault();
        if (servicePrincipal is null)
            return ([], null, $"No enterprise application with application id '{appId:D}' exists in this tenant.");

        var all = await certificates.ListAsync(servicePrincipal.SysId, cancellationToken);
        var signing = certificates.Signer(all);
        var (signer, problem) = await certificates.LoadSignerAsync(signing, cancellationToken);
        if (signer is null)
            return ([], null, problem ?? $"The application '{appId:D}' has no SAML signing certificate; add one with " +
                              "POST /v1.0/servicePrincipals/{id}/addTokenSigningCertificate, then read its metadata again.");
        var now = time.GetUtcNow();
        // The signing one first, then every other one still valid: a relying party that imports the metadata before
        // a rollover then already trusts the certificate that will sign after it.
        List<X509Certificate2> listed = [signing!.Certificate, .. all.Where(c => c.SysId != signing.SysId && c.EndDateTime > now).Select(c => c.Certificate)];
        return (listed, signer, null);
    }

    private static async Task TextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted);
    }
}
