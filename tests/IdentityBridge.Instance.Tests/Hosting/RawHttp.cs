using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// HTTP/1.1 written by hand on a TCP connection, for requests HttpClient cannot make reliably: a body the server
/// refuses before reading it all. HttpClient fails with "broken pipe" when the server answers and closes while it
/// is still sending; here write errors are ignored and the answer is read from what the server sent.
/// </summary>
public static class RawHttp
{
    public static async Task<Reply> SendAsync(string baseUrl, string requestHead, Func<Stream, Task> writeBody)
    {
        var uri = new Uri(baseUrl);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(requestHead.ReplaceLineEndings("\r\n").TrimEnd() + "\r\nConnection: close\r\n\r\n"));
            await writeBody(stream);
            await stream.FlushAsync();
        }
        catch (IOException)
        {
            // The server answered and closed before taking the whole body; its answer is still to be read.
        }

        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) received.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // A reset after the answer: keep what arrived.
        }
        return Parse(Encoding.UTF8.GetString(received.ToArray()));
    }

    private static Reply Parse(string response)
    {
        var headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, $"No complete HTTP response head in: '{response}'");
        var lines = response[..headEnd].Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = response[(headEnd + 4)..];
        if (headers.GetValueOrDefault("Transfer-Encoding") == "chunked") body = Dechunk(body);
        return new Reply(status, headers, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0) break;
            var size = int.Parse(body[at..lineEnd], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0) break;
            result.Append(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }
        return result.ToString();
    }
}
