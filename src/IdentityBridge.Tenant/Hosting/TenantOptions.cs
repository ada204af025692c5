using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Storage.Security;
using IdentityBridge.Tenant.Graph;

namespace IdentityBridge.Tenant.Hosting;

/// <summary>How a tenant runs. Every option has a safe default.</summary>
public sealed record TenantOptions
{
    /// <summary>Addresses to listen on; loopback by default.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5100";
    /// <summary>Directory of the SQLite file (<c>tenant.db</c>) when no PostgreSQL connection string is given.</summary>
    public string DataDirectory { get; init; } = "./data/tenant";
    public string? PostgresConnectionString { get; init; }
    /// <summary>The certificate Kestrel serves on the https addresses of <see cref="Urls"/>.</summary>
    public X509Certificate2? Certificate { get; init; }
    /// <summary>The default (initial) domain created at first start, such as <c>contoso.onmicrosoft.com</c>.</summary>
    public string DefaultDomain { get; init; } = "idbridge.onmicrosoft.com";
    public string OrganizationName { get; init; } = "IdentityBridge";
    /// <summary>Checks the bearer tokens presented to Graph; without one, every Graph request is refused (401).</summary>
    public IGraphTokenValidator? TokenValidator { get; init; }
    /// <summary>Graph requests one application may make per <see cref="RequestBudgetWindow"/>; null for no limit.</summary>
    public int? RequestBudget { get; init; }
    public TimeSpan RequestBudgetWindow { get; init; } = TimeSpan.FromSeconds(10);
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;
    /// <summary>
    /// The SAML IdP entity id, <c>{tenantId}</c> replaced by the tenant id: Entra's <c>https://sts.windows.net/{tenantId}/</c>
    /// by default, whatever host serves the tenant, because service providers compare every Issuer with it.
    /// </summary>
    public string SamlIssuerTemplate { get; init; } = "https://sts.windows.net/{tenantId}/";
    /// <summary>Largest request body accepted by Graph.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;
    /// <summary>
    /// Failed sign-ins (distinct wrong passwords) before smart lockout holds a user back: Entra's default is 10.
    /// </summary>
    public int LockoutThreshold { get; init; } = 10;
    /// <summary>
    /// How long the first lockout lasts (Entra's default, 60 seconds); each further lockout lasts twice as long as the
    /// one before, up to an hour.
    /// </summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromSeconds(60);
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
