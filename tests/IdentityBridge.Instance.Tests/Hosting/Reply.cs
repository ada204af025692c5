namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>What came back from the instance: status, headers and body, with helpers to read ServiceNow's JSON.</summary>
public sealed class Reply(HttpStatusCode status, IReadOnlyDictionary<string, string> headers, string body)
{
    private JsonElement? _json;

    public HttpStatusCode Status { get; } = status;
    public IReadOnlyDictionary<string, string> Headers { get; } = headers;
    public string Body { get; } = body;

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public JsonElement Json => _json ??= Parse();

    /// <summary>The <c>result</c> member of the envelope.</summary>
    public JsonElement Result => Json.GetProperty("result");

    /// <summary>The records of a list response.</summary>
    public IReadOnlyList<JsonElement> Rows => Result.EnumerateArray().ToList();

    /// <summary>One field of every record of a list response, in order.</summary>
    public IReadOnlyList<string?> Column(string field) => Rows.Select(r => r.Text(field)).ToList();

    public Reply ShouldBe(HttpStatusCode expected)
    {
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Body}");
        return this;
    }

    private JsonElement Parse()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"The body of a {(int)Status} reply is not JSON ({e.Message}): '{Body}'");
        }
    }

    public override string ToString() => $"{(int)Status} {Body}";
}

public static class ReplyAssertions
{
    /// <summary>
    /// Asserts ServiceNow's error envelope, exactly: <c>{"error":{"message","detail"},"status":"failure"}</c>,
    /// and returns the detail (null when it is JSON null).
    /// </summary>
    public static string? ShouldFailWith(this Reply reply, HttpStatusCode status, string message)
    {
        reply.ShouldBe(status);
        Assert.StartsWith("application/json", reply.Header("Content-Type"));
        var json = reply.Json;
        Assert.Equal(["error", "status"], json.Names());
        Assert.Equal("failure", json.Text("status"));
        var error = json.GetProperty("error");
        Assert.Equal(["message", "detail"], error.Names());
        Assert.Equal(message, error.Text("message"));
        var detail = error.GetProperty("detail");
        Assert.True(detail.ValueKind is JsonValueKind.String or JsonValueKind.Null, $"detail is a {detail.ValueKind}");
        return detail.ValueKind == JsonValueKind.Null ? null : detail.GetString();
    }

    public static void ShouldFailWith(this Reply reply, HttpStatusCode status, string message, string? detail) =>
        Assert.Equal(detail, reply.ShouldFailWith(status, message));
}

public static class JsonElementExtensions
{
    /// <summary>A string member, or null when the member is missing or JSON null.</summary>
    public static string? Text(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    /// <summary>The sys_id of a record.</summary>
    public static string SysId(this JsonElement record) =>
        record.Text("sys_id") ?? throw new Xunit.Sdk.XunitException($"The record has no sys_id: {record}");

    /// <summary>The member names of an object, in the order they were written.</summary>
    public static IReadOnlyList<string> Names(this JsonElement element) =>
        element.EnumerateObject().Select(p => p.Name).ToList();
}
