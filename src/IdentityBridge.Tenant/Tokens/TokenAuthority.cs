using IdentityBridge.Storage;
using IdentityBridge.Tenant.Directory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdentityBridge.Tenant.Tokens;

/// <summary>
/// The tenant's security token service: its app registrations, its signing keys, and the issuer and validator of its
/// access tokens. Open one per tenant at start-up over a store opened with <see cref="TokenTables.All"/>.
/// </summary>
public sealed class TokenAuthority : IDisposable
{
    private TokenAuthority(string tenantId, Store store, SigningKeys keys, TimeProvider time,
        Func<string, CancellationToken, ValueTask<bool>>? isTenantDomain, ILogger logger)
    {
        Logger = logger;
        TenantId = tenantId;
        Store = store;
        Keys = keys;
        Time = time;
        IsTenantDomain = isTenantDomain;
        Applications = new AppRegistrations(store, time);
        Issuer = new JwtAccessTokenIssuer(tenantId, keys, time);
        Validator = new JwtAccessTokenValidator(tenantId, keys, time, logger);
    }

    /// <summary>The tenant id, a GUID in its <c>D</c> form (lowercase).</summary>
    public string TenantId { get; }
    public Store Store { get; }
    public SigningKeys Keys { get; }
    public TimeProvider Time { get; }
    public AppRegistrations Applications { get; }
    public JwtAccessTokenIssuer Issuer { get; }
    /// <summary>The <see cref="Graph.IGraphTokenValidator"/> for the tenant's Graph API.</summary>
    public JwtAccessTokenValidator Validator { get; }

    /// <summary>Whether a name in the URL's tenant segment is one of the tenant's domains (Entra accepts both).</summary>
    internal Func<string, CancellationToken, ValueTask<bool>>? IsTenantDomain { get; }

    internal ILogger Logger { get; }

    /// <param name="store">The tenant's store, opened with <see cref="TokenTables.All"/> among its tables.</param>
    /// <param name="tenantId">The tenant id (a GUID).</param>
    /// <param name="time">The clock for tokens, secret expiry and error timestamps.</param>
    /// <param name="isTenantDomain">
    /// Answers whether a domain name (<c>contoso.onmicrosoft.com</c>) belongs to the tenant, so that
    /// <c>/{domain}/oauth2/v2.0/token</c> works as in Entra. Without it, the directory's domain table
    /// (<c>graph_domain</c>) is asked when the store has one, and otherwise only the tenant id is accepted.
    /// </param>
    /// <param name="logger">The diagnostic log (event ids 4201 to 4204); none by default.</param>
    public static async Task<TokenAuthority> OpenAsync(Store store, string tenantId, TimeProvider? time = null,
        Func<string, CancellationToken, ValueTask<bool>>? isTenantDomain = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        var id = Guid.Parse(tenantId).ToString("D");
        time ??= TimeProvider.System;
        var keys = await SigningKeys.LoadOrCreateAsync(store, time, cancellationToken);
        return new TokenAuthority(id, store, keys, time, isTenantDomain, logger ?? NullLogger.Instance);
    }

    /// <summary>Whether the tenant segment of a URL names this tenant: its id, or one of its domains.</summary>
    public async ValueTask<bool> IsThisTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(tenant, out var id)) return id.ToString("D") == TenantId;
        if (tenant.Length is 0 or > 255 || !tenant.Contains('.')) return false;
        if (IsTenantDomain is not null) return await IsTenantDomain(tenant, cancellationToken);
        if (Store.Tables.Find(DirectoryTables.DomainTable) is not { } domains) return false;
        var domain = await Store.FindAsync(domains, "name", tenant, cancellationToken);
        return domain is not null && domain["is_verified"] != "false";
    }

    public void Dispose() => Keys.Dispose();
}
