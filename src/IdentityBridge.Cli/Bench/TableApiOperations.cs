using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The workload's operations as a Table API client sends them: one shared <see cref="HttpClient"/> whose pool keeps
/// one keep-alive connection per worker, Basic authentication as admin (the instance remembers a verified password,
/// so only the first request pays the password hash), and every response read to its end and checked.
/// </summary>
internal sealed class TableApiOperations : IDisposable
{
    private readonly HttpClient _http;
    private readonly UserWorkload _workload;

    public TableApiOperations(string baseAddress, string adminPassword, int concurrency, UserWorkload workload)
    {
        _workload = workload;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + adminPassword)));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public async ValueTask<string?> LookupAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var userName = _workload.LookupUserName(worker);
        using var response = await _http.GetAsync(
            $"/api/now/table/sys_user?sysparm_query=user_name%3D{userName}&sysparm_limit=1",
            HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var length = await ReadBodyAsync(response, worker, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) return Unexpected(response, worker, length);
        var (results, matches) = ReadResults(worker.Buffer.AsSpan(0, length), "user_name"u8, userName);
        if (results != 1) return $"user_name={userName} returned {results} results instead of 1";
        return matches ? null : $"user_name={userName} returned another user";
    }

    public async ValueTask<string?> CreateAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(_workload.NewUser(worker, "http"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/now/table/sys_user")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var length = await ReadBodyAsync(response, worker, cancellationToken);
        return response.StatusCode == HttpStatusCode.Created ? null : Unexpected(response, worker, length);
    }

    public async ValueTask<string?> ListPageAsync(BenchWorker worker, CancellationToken cancellationToken)
    {
        var offset = _workload.PageOffset(worker);
        using var response = await _http.GetAsync(
            $"/api/now/table/sys_user?sysparm_query={Uri.EscapeDataString(_workload.PageQuery)}" +
            $"&sysparm_limit={UserWorkload.PageSize}&sysparm_offset={offset}",
            HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var length = await ReadBodyAsync(response, worker, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) return Unexpected(response, worker, length);
        var (results, _) = ReadResults(worker.Buffer.AsSpan(0, length), default, null);
        var expected = _workload.PageRows(offset);
        return results == expected ? null : $"the page at offset {offset} held {results} rows instead of {expected}";
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Reads the whole body into the worker's buffer, growing it when a response does not fit.</summary>
    private static async ValueTask<int> ReadBodyAsync(HttpResponseMessage response, BenchWorker worker,
        CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var length = 0;
        while (true)
        {
            if (length == worker.Buffer.Length)
            {
                var larger = new byte[worker.Buffer.Length * 2];
                worker.Buffer.AsSpan().CopyTo(larger);
                worker.Buffer = larger;
            }
            var read = await stream.ReadAsync(worker.Buffer.AsMemory(length), cancellationToken);
            if (read == 0) return length;
            length += read;
        }
    }

    /// <summary>
    /// Counts the records of <c>{"result": [...]}</c> without building a document, and whether the first one's
    /// <paramref name="field"/> is <paramref name="expected"/>.
    /// </summary>
    private static (int Results, bool FirstMatches) ReadResults(ReadOnlySpan<byte> json, ReadOnlySpan<byte> field, string? expected)
    {
        var reader = new Utf8JsonReader(json);
        var results = 0;
        var matches = false;
        var inResult = false;
        // Depth 0 is the envelope, 1 its "result" array, 2 the records, 3 their fields.
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    inResult = reader.ValueTextEquals("result"u8);
                    break;
                case JsonTokenType.StartObject when inResult && reader.CurrentDepth == 2:
                    results++;
                    break;
                case JsonTokenType.PropertyName when inResult && results == 1 && expected is not null &&
                                                     reader.CurrentDepth == 3 && reader.ValueTextEquals(field):
                    matches = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(expected);
                    break;
            }
        }
        return (results, matches);
    }

    private static string Unexpected(HttpResponseMessage response, BenchWorker worker, int length)
    {
        var body = Encoding.UTF8.GetString(worker.Buffer, 0, Math.Min(length, 300));
        return $"HTTP {(int)response.StatusCode} on {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body}";
    }
}
