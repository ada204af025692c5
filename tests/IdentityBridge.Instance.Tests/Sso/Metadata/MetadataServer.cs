using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.Saml.Metadata;

namespace IdentityBridge.Instance.Tests.Sso.Metadata;

/// <summary>
/// An identity provider's metadata endpoint on a loopback port of its own, as Entra serves the App Federation Metadata
/// Url: a test decides what it answers (metadata, an error status, a web page) and counts the requests it got.
/// </summary>
public sealed class MetadataServer : IAsyncDisposable
{
    private readonly HttpListener listener;
    private readonly Task serving;
    private volatile Answer answer = new(HttpStatusCode.NotFound, "text/plain", "nothing served yet");
    private int requests;

    private sealed record Answer(HttpStatusCode Status, string ContentType, string Body);

    private MetadataServer(HttpListener listener, string baseUrl)
    {
        this.listener = listener;
        var tenant = Guid.NewGuid().ToString("D");
        Tenant = tenant;
        Url = $"{baseUrl}{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid={Guid.NewGuid():D}";
        serving = ServeAsync();
    }

    /// <summary>A tenant id of its own, so that entity ids never collide between tests.</summary>
    public string Tenant { get; }

    /// <summary>The metadata URL, shaped like Entra's App Federation Metadata Url.</summary>
    public string Url { get; }

    public string EntityId => $"https://sts.windows.net/{Tenant}/";
    public string SignOnUrl => $"https://login.microsoftonline.com/{Tenant}/saml2";

    /// <summary>How many requests reached the server.</summary>
    public int Requests => Volatile.Read(ref requests);

    public static MetadataServer Start()
    {
        // HttpListener needs a port named up front: take one the system just handed out, and try again on a race.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var baseUrl = $"http://127.0.0.1:{port}/";
            var listener = new HttpListener();
            listener.Prefixes.Add(baseUrl);
            try
            {
                listener.Start();
                return new MetadataServer(listener, baseUrl);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>A loopback URL nothing listens on.</summary>
    public static string UnreachableUrl() => $"http://127.0.0.1:{FreePort()}/federationmetadata.xml";

    /// <summary>Serves Entra-shaped identity provider metadata listing <paramref name="signing"/>.</summary>
    public void ServeIdentityProvider(params X509Certificate2[] signing) =>
        Serve(HttpStatusCode.OK, "application/samlmetadata+xml", IdentityProviderMetadata(signing));

    /// <summary>The metadata <see cref="ServeIdentityProvider"/> serves, as text.</summary>
    public string IdentityProviderMetadata(params X509Certificate2[] signing) =>
        MetadataWriter.WriteIdentityProvider(new IdentityProviderDescription
        {
            EntityId = EntityId,
            SigningCertificates = signing,
            SingleSignOnServiceUrl = SignOnUrl,
            SingleLogoutServiceUrl = SignOnUrl,
        });

    public void Serve(HttpStatusCode status, string contentType, string body) => answer = new Answer(status, contentType, body);

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref requests);
            var current = answer;
            var bytes = Encoding.UTF8.GetBytes(current.Body);
            try
            {
                context.Response.StatusCode = (int)current.Status;
                context.Response.ContentType = current.ContentType;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away; the next request is served as usual.
            }
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving;
    }
}
