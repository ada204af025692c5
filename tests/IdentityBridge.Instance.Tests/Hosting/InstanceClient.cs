using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// An HTTP client of the instance acting as one caller. Every call is a real request on loopback; the answer comes
/// back as a <see cref="Reply"/> whatever its status, so that tests assert on what a client would see.
/// </summary>
public sealed class InstanceClient(HttpClient http, AuthenticationHeaderValue? authorization)
{
    public Task<Reply> GetAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, path, null, configure);

    public Task<Reply> HeadAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Head, path, null, configure);

    public Task<Reply> DeleteAsync(string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Delete, path, null, configure);

    public Task<Reply> PostAsync(string path, object body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Post, path, Json(body), configure);

    public Task<Reply> PutAsync(string path, object body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Put, path, Json(body), configure);

    public Task<Reply> PatchAsync(string path, object body, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Patch, path, Json(body), configure);

    /// <summary>A request with a body sent exactly as given, for malformed bodies and odd media types.</summary>
    public Task<Reply> SendRawAsync(HttpMethod method, string path, string body, string? contentType,
        Action<HttpRequestMessage>? configure = null)
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return SendAsync(method, path, content, configure);
    }

    public async Task<Reply> SendAsync(HttpMethod method, string path, HttpContent? content,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Authorization = authorization;
        configure?.Invoke(request);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            headers[name] = string.Join(", ", values);
        return new Reply(response.StatusCode, headers, body);
    }

    private static JsonContent Json(object body) => JsonContent.Create(body, body.GetType());
}
