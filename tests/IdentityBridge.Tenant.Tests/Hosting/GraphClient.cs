using System.Net.Http.Headers;
using System.Text;

namespace IdentityBridge.Tenant.Tests.Hosting;

/// <summary>An HTTP client of the tenant's Graph API that presents one bearer token.</summary>
public sealed class GraphClient(HttpClient http, string? token)
{
    public Task<GraphReply> GetAsync(string path, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, null, headers);

    public Task<GraphReply> PostAsync(string path, object? body, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Post, path, body, headers);

    public Task<GraphReply> PatchAsync(string path, object body) => SendAsync(HttpMethod.Patch, path, body, []);

    public Task<GraphReply> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, body, []);

    public Task<GraphReply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null, []);

    /// <summary>Sends a body as given, byte for byte (for malformed JSON).</summary>
    public Task<GraphReply> SendRawAsync(HttpMethod method, string path, string body) =>
        SendAsync(method, path, new RawBody(body), []);

    private sealed record RawBody(string Text);

    public async Task<GraphReply> SendAsync(HttpMethod method, string path, object? body, (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        if (body is RawBody raw) request.Content = new StringContent(raw.Text, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement? json = null;
        if (text.Length > 0)
        {
            try { json = JsonDocument.Parse(text).RootElement.Clone(); }
            catch (JsonException) { }
        }
        var responseHeaders = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new GraphReply(response.StatusCode, json, text, responseHeaders);
    }
}

public sealed record GraphReply(HttpStatusCode Status, JsonElement? Json, string Text, IReadOnlyDictionary<string, string> Headers)
{
    public GraphReply ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Text}");
        return this;
    }

    public JsonElement Body => Json ?? throw new InvalidOperationException("The reply has no JSON body: " + Text);

    public IReadOnlyList<JsonElement> Value => Body.GetProperty("value").EnumerateArray().ToList();

    public string? NextLink => Body.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;

    public string? DeltaLink => Body.TryGetProperty("@odata.deltaLink", out var link) ? link.GetString() : null;

    /// <summary>Asserts Graph's error object with this code, and answers its message.</summary>
    public string ShouldBeError(HttpStatusCode status, string code)
    {
        ShouldBe(status);
        var error = Body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        var inner = error.GetProperty("innerError");
        Assert.False(string.IsNullOrEmpty(inner.GetProperty("request-id").GetString()));
        Assert.False(string.IsNullOrEmpty(inner.GetProperty("date").GetString()));
        Assert.Equal(Headers["request-id"], inner.GetProperty("request-id").GetString());
        return error.GetProperty("message").GetString()!;
    }
}

public static class GraphJsonExtensions
{
    public static string? Text(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;
}
