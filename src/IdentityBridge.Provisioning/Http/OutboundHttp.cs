using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;

namespace IdentityBridge.Provisioning.Http;

/// <summary>
/// The one place that configures outbound HTTP for the engine (Graph and ServiceNow alike): connection pooling,
/// a timeout per request, automatic decompression, no cookies, no automatic redirects (a redirect from an API is a
/// misconfiguration worth reporting, and following it could send credentials elsewhere), and optional pinning of the
/// server certificate's SHA-256 thumbprint.
/// </summary>
public static class OutboundHttp
{
    public static readonly ProductInfoHeaderValue UserAgent = new("IdentityBridge-Provisioning", "1.0");

    /// <summary>A client for one remote system. Dispose it with the component that owns it.</summary>
    public static HttpClient CreateClient(TimeSpan timeout, string? pinnedSha256 = null, int maxConnections = 32)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (NormalizeThumbprint(pinnedSha256) is { } pin)
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // A pinned certificate is trusted by its thumbprint alone, so a self-signed tenant certificate works
                // and any other certificate fails, whatever chain it has.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null &&
                    CryptographicOperations.FixedTimeEquals(Convert.FromHexString(pin), SHA256.HashData(certificate.GetRawCertData())),
            };
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
        return client;
    }

    /// <summary>A thumbprint as 64 uppercase hex digits (colons, spaces and case ignored), or null when none was given.</summary>
    public static string? NormalizeThumbprint(string? thumbprint)
    {
        if (string.IsNullOrWhiteSpace(thumbprint)) return null;
        var hex = new string(thumbprint.Where(c => c is not (':' or ' ' or '-')).ToArray()).ToUpperInvariant();
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            throw new ArgumentException("A certificate pin is the SHA-256 thumbprint of the certificate: 64 hexadecimal digits.", nameof(thumbprint));
        return hex;
    }

    /// <summary>
    /// How long to wait before trying a throttled or failed request again: the server's Retry-After (seconds or a
    /// date) when it gave one, capped at <paramref name="cap"/>; else exponential back-off from 0.5 s with jitter.
    /// </summary>
    public static TimeSpan RetryDelay(HttpResponseMessage? response, int attempt, TimeProvider time, TimeSpan cap)
    {
        if (response?.Headers.RetryAfter is { } retryAfter)
        {
            var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
            return delay > cap ? cap : delay;
        }
        var backoff = TimeSpan.FromMilliseconds(500 * Math.Pow(2, Math.Min(attempt, 8)) * (0.75 + Random.Shared.NextDouble() * 0.5));
        return backoff > cap ? cap : backoff;
    }

    /// <summary>Whether a status is worth trying again: throttling, and server errors that may pass.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}
