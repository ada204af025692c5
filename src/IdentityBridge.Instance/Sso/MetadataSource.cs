using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using IdentityBridge.Saml.Metadata;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// What an identity provider's SAML metadata says that a saml2_update1_properties record holds: its entity id, the
/// endpoints to send requests to, and every signing certificate (several during a rollover, spec/saml.md 1.8).
/// </summary>
public sealed record IdentityProviderMetadata(string EntityId, IdentityProviderRole Role)
{
    public IReadOnlyList<X509Certificate2> SigningCertificates => Role.SigningCertificates;

    /// <summary>
    /// The single sign-on endpoint: with <paramref name="binding"/> when the record asks for one the metadata offers,
    /// else HTTP-Redirect (what ServiceNow sends), else HTTP-POST. The role was checked to have one of those.
    /// </summary>
    public Endpoint SingleSignOn(string? binding = null) =>
        (binding is null ? null : Role.FindSingleSignOnService(binding)) ?? Role.PreferredSingleSignOnService!;

    /// <summary>The single logout endpoint in the same order of preference, or null when the metadata lists none.</summary>
    public Endpoint? SingleLogout(string? binding = null)
    {
        foreach (var wanted in new[] { binding, SamlNames.HttpRedirectBinding, SamlNames.HttpPostBinding })
            if (wanted is not null && Role.SingleLogoutServices.FirstOrDefault(e => e.Binding == wanted) is { } endpoint)
                return endpoint;
        return null;
    }
}

/// <summary>Why metadata could not be used: a <see cref="MetadataCodes"/> code and a message saying what to check.</summary>
public sealed record MetadataProblem(string Code, string Message);

/// <summary>Metadata read and checked, or the problem that stopped it.</summary>
public sealed record MetadataResult(IdentityProviderMetadata? Metadata, MetadataProblem? Problem)
{
    public static MetadataResult Failed(string code, string message) => new(null, new MetadataProblem(code, message));
}

/// <summary>
/// Reads identity-provider metadata from a URL (ServiceNow's Metadata URL, Entra's App Federation Metadata Url) or
/// from XML an admin pasted, through the SAML library's <see cref="MetadataLoader"/> and <see cref="MetadataReader"/>,
/// and checks that it describes an identity provider a record can trust. Owns the one HttpClient metadata is fetched
/// with.
/// </summary>
public sealed class MetadataSource : IDisposable
{
    /// <summary>
    /// How long one fetch may take, body included. Entra answers in well under a second; a Table API write waits for
    /// the fetch, so a dead host must not hold it for minutes.
    /// </summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(20);

    private readonly HttpClient http;
    private readonly MetadataLoader loader;
    private readonly MetadataReader reader;
    private readonly Store? store;
    /// <summary>SHA-256 fingerprints (upper-case hex) of the active Trust Store certificates, read before each fetch.</summary>
    private volatile FrozenSet<string> trusted = FrozenSet<string>.Empty;
    /// <summary>The certificate each host last presented that was refused, so the error can name the one to add.</summary>
    private readonly ConcurrentDictionary<string, RefusedCertificate> refused = new(StringComparer.OrdinalIgnoreCase);

    private sealed record RefusedCertificate(string Subject, string Sha256, SslPolicyErrors Errors);

    /// <param name="time">The clock metadata validity is checked against.</param>
    /// <param name="store">
    /// The instance's store: a server certificate listed in sys_certificate as an active Trust Store Cert is trusted
    /// for the fetch even when no public CA vouches for it (a tenant's self-signed certificate), as ServiceNow trusts
    /// its trust store for outbound HTTPS. Without it only the system's CAs are trusted.
    /// </param>
    public MetadataSource(TimeProvider time, Store? store = null)
    {
        this.store = store;
        reader = new MetadataReader(time);
        // 1 MiB: a tenant's federation metadata is tens of kilobytes; a federation aggregate is not what a record needs.
        loader = new MetadataLoader(reader, MetadataLoader.DefaultMaxBytes);
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
            // Metadata URLs do move (http to https, a vanity host); HttpClient never follows https to http.
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                // The system's CAs as always, or a certificate the admin put in the trust store, matched by its
                // whole DER encoding's SHA-256 (and so by exactly that certificate, whatever its names).
                RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None) return true;
                    var fingerprint = certificate is null ? null : Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
                    if (fingerprint is not null && trusted.Contains(fingerprint)) return true;
                    if (sender is SslStream { TargetHostName: { Length: > 0 } host })
                        refused[host] = new RefusedCertificate(certificate?.Subject ?? "", fingerprint ?? "", errors);
                    return false;
                },
            },
        };
        http = new HttpClient(handler, disposeHandler: true) { Timeout = FetchTimeout };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("IdentityBridge-Instance", "1.0"));
    }

    /// <summary>Fetches and reads the metadata at <paramref name="url"/>; <paramref name="entityId"/> picks one entity of several.</summary>
    public async Task<MetadataResult> FetchAsync(string url, string? entityId, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return MetadataResult.Failed(MetadataCodes.BadUrl,
                $"The metadata URL '{url}' is not an absolute http or https URL. Give the full https:// address " +
                "(for Entra ID, the App Federation Metadata Url from the application's single sign-on page).");
        try
        {
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                // Only a certificate refused during this fetch may be named in its error.
                refused.TryRemove(uri.IdnHost, out _);
                await LoadTrustStoreAsync(cancellationToken);
            }
            return Check(await loader.LoadAsync(http, uri, entityId, cancellationToken), $"The metadata from {uri}");
        }
        // The handler's own words ("The SSL connection could not be established") do not say what to do about it.
        catch (MetadataException e) when (e.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
        {
            return MetadataResult.Failed(MetadataCodes.FetchFailed, UntrustedServer(uri));
        }
        // A sign-in or error page (<!DOCTYPE html>, <html>) is the usual reason a URL does not give metadata.
        catch (MetadataException e) when (e.Code is MetadataCodes.UnsafeXml or MetadataCodes.UnexpectedRoot)
        {
            return MetadataResult.Failed(e.Code, e.Message +
                " The URL may lead to a web page, such as a sign-in page, rather than to the metadata: check that it is the metadata URL and that it needs no sign-in.");
        }
        catch (MetadataException e)
        {
            return MetadataResult.Failed(e.Code, e.Message);
        }
        // Raised by the handler for requests it cannot even start (an unsupported host form); the URL is the client's.
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            return MetadataResult.Failed(MetadataCodes.FetchFailed, $"Could not fetch {uri}: {e.Message} Check the URL.");
        }
    }

    /// <summary>
    /// What to do when the HTTPS connection failed: almost always a server certificate no public CA vouches for
    /// (a tenant's self-signed one), which ServiceNow, too, only accepts once it is in the trust store.
    /// </summary>
    private string UntrustedServer(Uri uri)
    {
        var reason = refused.TryRemove(uri.IdnHost, out var certificate)
            ? $"because its HTTPS certificate '{certificate.Subject}' (SHA-256 {certificate.Sha256}) is not trusted: {Describe(certificate.Errors)}."
            : "most likely because its HTTPS certificate is not trusted.";
        return $"Could not fetch {uri}: the secure (TLS) connection to {uri.Authority} failed, {reason} " +
               "If this is the identity provider's server, add the server's certificate to the trust store " +
               "(sys_certificate, type trust_store, active), then import the metadata again; otherwise check the URL.";

        static string Describe(SslPolicyErrors errors)
        {
            var reasons = new List<string>();
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)) reasons.Add("no trusted certificate authority issued it");
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) reasons.Add("it is not issued for this host name");
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) reasons.Add("the server sent none");
            return string.Join("; ", reasons);
        }
    }

    /// <summary>Reads the trust store's fingerprints; a fetch is rare, so they are read afresh for each one.</summary>
    private async Task LoadTrustStoreAsync(CancellationToken cancellationToken)
    {
        if (store?.Tables.Find(SsoTables.Certificate) is not { } table) return;
        var rows = await store.QueryAsync(new RecordQuery
        {
            Table = table,
            Query = EncodedQuery.Where("type", "trust_store").And(new QueryCondition("active", QueryOperator.Equals, "true")),
            Fields = ["sha256_fingerprint"],
            Limit = 10_000,
        }, cancellationToken);
        trusted = rows.Rows.Select(r => r["sha256_fingerprint"]).OfType<string>()
            .Select(f => f.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Reads metadata an admin pasted (the "XML" choice of ServiceNow's Import Identity Provider Metadata).</summary>
    public MetadataResult Read(string xml, string? entityId)
    {
        try
        {
            return Check(reader.Read(xml, entityId), "The metadata XML");
        }
        catch (MetadataException e)
        {
            return MetadataResult.Failed(e.Code, e.Message);
        }
    }

    private static MetadataResult Check(EntityMetadata metadata, string what)
    {
        IdentityProviderRole role;
        try
        {
            role = metadata.RequireIdentityProvider();
        }
        catch (MetadataException e)
        {
            return MetadataResult.Failed(e.Code, $"{what}: {e.Message}");
        }
        // validUntil is the provider saying "do not rely on this after": keys in stale metadata may have been retired.
        if (metadata.IsExpired)
            return MetadataResult.Failed(MetadataCodes.Malformed,
                $"{what} expired on {GlideDateTimes.Format(metadata.ValidUntil!.Value)} UTC (validUntil). Get current metadata from the identity provider.");
        return new MetadataResult(new IdentityProviderMetadata(metadata.EntityId, role), null);
    }

    public void Dispose() => http.Dispose();
}
