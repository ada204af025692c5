using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IdentityBridge.Saml.Tests.Metadata;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 with a raw socket per request, so a test can answer the way broken servers do:
/// a status, a body that never ends, no answer at all.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Func<Stream, CancellationToken, Task> respond;
    private readonly Task accepting;
    private readonly TaskCompletionSource<string> firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource handled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackHttpServer(Func<Stream, CancellationToken, Task> respond)
    {
        this.respond = respond;
        listener.Start();
        accepting = AcceptAsync();
    }

    /// <summary>Starts a server that answers every request with <paramref name="respond"/>, writing raw HTTP.</summary>
    public static LoopbackHttpServer Start(Func<Stream, CancellationToken, Task> respond) => new(respond);

    /// <summary>Starts a server that answers with a status and a body.</summary>
    public static LoopbackHttpServer Answering(int status, string body, string contentType = "application/samlmetadata+xml") =>
        Start((stream, token) => WriteResponseAsync(stream, status, Encoding.UTF8.GetBytes(body), contentType, token));

    public Uri Url(string pathAndQuery) => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}{pathAndQuery}");

    /// <summary>The request line of the first request received ("GET /path?query HTTP/1.1").</summary>
    public Task<string> FirstRequest => firstRequest.Task;

    /// <summary>Completes when the first request's handler has returned or failed (the client went away).</summary>
    public Task Handled => handled.Task;

    public static async Task WriteResponseAsync(Stream stream, int status, byte[] body, string contentType, CancellationToken token)
    {
        var head = $"HTTP/1.1 {status} {ReasonFor(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), token);
        await stream.WriteAsync(body, token);
    }

    /// <summary>Answers nothing more and returns when the client closes the connection.</summary>
    public static async Task WaitForHangUpAsync(Stream stream, CancellationToken token)
    {
        var buffer = new byte[256];
        while (await stream.ReadAsync(buffer, token) > 0)
        {
        }
    }

    private static string ReasonFor(int status) => status switch
    {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var requestLine = await ReadRequestHeadAsync(stream, stopping.Token);
                firstRequest.TrySetResult(requestLine);
                await respond(stream, stopping.Token);
                handled.TrySetResult();
            }
            catch (Exception e)
            {
                handled.TrySetException(e);
            }
        }
    }

    private static async Task<string> ReadRequestHeadAsync(Stream stream, CancellationToken token)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, token) == 0) throw new IOException("The client closed the connection before sending a request.");
            head.Append((char)one[0]);
        }
        return head.ToString()[..head.ToString().IndexOf("\r\n", StringComparison.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        stopping.Dispose();
    }
}
