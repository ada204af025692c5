using System.Net;
using IdentityBridge.Saml.Xml;

namespace IdentityBridge.Saml.Metadata;

/// <summary>
/// Fetches metadata from a URL (ServiceNow's "Metadata URL", Entra's App Federation Metadata Url) and reads it.
/// The HttpClient is the caller's, so timeouts, proxies and handlers are configured in one place; this class adds the
/// limits that protect the reader: a size cap enforced while the body streams in, and an overall deadline.
/// </summary>
public sealed class MetadataLoader
{
    /// <summary>The default response-size cap: 1 MiB, many times the size of a tenant's federation metadata.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    private readonly MetadataReader reader;
    private readonly int maxBytes;

    /// <param name="reader">Reads the fetched document; by default one on the system clock.</param>
    /// <param name="maxBytes">The largest response body accepted, in bytes (after any content decoding).</param>
    public MetadataLoader(MetadataReader? reader = null, int maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        this.reader = reader ?? new MetadataReader();
        this.maxBytes = maxBytes;
    }

    /// <summary>
    /// Fetches <paramref name="url"/> with a GET and reads the entity <paramref name="entityId"/> from it (or the only
    /// entity when it is null). <see cref="HttpClient.Timeout"/> bounds the whole fetch, body included.
    /// </summary>
    /// <exception cref="MetadataException">The URL, the fetch or the document failed; the message names the URL.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<EntityMetadata> LoadAsync(HttpClient client, Uri url, string? entityId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(url);
        // Anything else (file:, ftp:, a relative path) would read from places an administrator's URL field must not reach.
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            throw new MetadataException(MetadataCodes.BadUrl, $"The metadata URL '{url}' is not an absolute http or https URL. Give the full https:// address.");

        var body = await FetchAsync(client, url, cancellationToken).ConfigureAwait(false);
        try
        {
            return reader.Read(body, entityId, maxBytes);
        }
        catch (MetadataException e) when (e.XmlCode == SafeXml.MalformedCode)
        {
            throw new MetadataException(MetadataCodes.NotXml,
                $"The response from {url} is not XML ({Preview(body)}). Check that the URL is the metadata URL and that it needs no sign-in.", e)
            { XmlCode = e.XmlCode };
        }
        catch (MetadataException e)
        {
            throw new MetadataException(e.Code, $"The metadata from {url}: {e.Message}", e) { XmlCode = e.XmlCode };
        }
    }

    private async Task<byte[]> FetchAsync(HttpClient client, Uri url, CancellationToken cancellationToken)
    {
        // HttpClient.Timeout stops at the response headers when the body is streamed; this deadline also covers a
        // server that trickles the body.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (client.Timeout != Timeout.InfiniteTimeSpan)
            deadline.CancelAfter(client.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new MetadataException(MetadataCodes.HttpStatus,
                    $"{url} answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()}). " +
                    (response.StatusCode is HttpStatusCode.NotFound
                        ? "Check the URL (for Entra ID, copy the App Federation Metadata Url from the application's single sign-on page)."
                        : "Check the URL and that the server serves it without sign-in."));
            if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
                throw TooLarge(url, $"declares {length} bytes");

            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
                return await ReadCappedAsync(stream, url, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new MetadataException(MetadataCodes.FetchTimeout,
                $"{url} did not answer within {client.Timeout.TotalSeconds:0.#} seconds. Check that the server is up and reachable from here.", e);
        }
        catch (HttpRequestException e)
        {
            throw new MetadataException(MetadataCodes.FetchFailed,
                $"Could not fetch {url}: {e.Message} Check the host name, the network path and any proxy.", e);
        }
        catch (IOException e)
        {
            throw new MetadataException(MetadataCodes.FetchFailed,
                $"The connection to {url} broke while reading the metadata: {e.Message} Try again.", e);
        }
    }

    // Counting as the bytes arrive, not after buffering, so an endless or huge body costs at most the cap.
    private async Task<byte[]> ReadCappedAsync(Stream stream, Uri url, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw TooLarge(url, $"sent more than {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private MetadataException TooLarge(Uri url, string what) =>
        new(MetadataCodes.TooLarge,
            $"The response from {url} {what}; at most {maxBytes} bytes are accepted. Check that the URL is one entity's metadata, not a federation aggregate.");

    // A glimpse of what came back (an HTML sign-in page, a JSON error) helps the administrator see what the URL is.
    private static string Preview(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 80));
        var printable = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return body.Length == 0 ? "the body is empty" : $"it starts with \"{printable}\"";
    }
}
