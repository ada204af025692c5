using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IdentityBridge.Instance.TableApi;

/// <summary>
/// Reads the JSON body of a POST, PUT or PATCH into wire values. One record is taken (the first of an array, as
/// ServiceNow does); scalars become strings, a <c>{"value": ...}</c> object gives its value.
/// </summary>
internal static class RequestBody
{
    public static async Task<(Dictionary<string, string?>? Values, ApiError? Error)> ReadAsync(HttpContext context, long maxBytes)
    {
        var request = context.Request;
        var contentType = request.ContentType;
        if (string.IsNullOrWhiteSpace(contentType))
            return (null, ApiError.BadRequest("Content-Type header is missing",
                "Send the record as JSON with the header Content-Type: application/json"));
        if (!IsJson(contentType))
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                $"Content-Type '{Short(contentType)}' is not supported; send application/json"));
        if (request.ContentLength > maxBytes)
            return (null, TooLarge(maxBytes));

        byte[] body;
        try
        {
            body = await ReadAllAsync(request.BodyReader, maxBytes, context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return (null, TooLarge(maxBytes));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }
        if (body.Length == 0)
            return (null, ApiError.BadRequest("Exception while reading request", "The request body is empty; send one record as a JSON object"));

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                if (root.GetArrayLength() == 0)
                    return (null, ApiError.BadRequest("Exception while reading request", "The array holds no record"));
                root = root[0];
            }
            if (root.ValueKind != JsonValueKind.Object)
                return (null, ApiError.BadRequest("Exception while reading request", "The body must be a JSON object of field names and values"));
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                var (value, ok) = Scalar(property.Value);
                if (!ok)
                    return (null, ApiError.BadRequest("Exception while reading request",
                        $"Field '{Short(property.Name)}' holds a {property.Value.ValueKind.ToString().ToLowerInvariant()}; give a string, number, boolean, null or {{\"value\": ...}}"));
                values[property.Name] = value;
            }
            return (values, null);
        }
        catch (JsonException e)
        {
            return (null, ApiError.BadRequest("Exception while reading request",
                "The payload is not valid JSON" + (e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine})" : "")));
        }
    }

    private static (string? Value, bool Ok) Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => (element.GetString(), true),
        JsonValueKind.Number => (element.GetRawText(), true),
        JsonValueKind.True => ("true", true),
        JsonValueKind.False => ("false", true),
        JsonValueKind.Null => ("", true),
        JsonValueKind.Object when element.TryGetProperty("value", out var inner) && inner.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) =>
            Scalar(inner),
        _ => (null, false),
    };

    private static async Task<byte[]> ReadAllAsync(PipeReader reader, long maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > maxBytes)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw new InvalidDataException();
            }
            if (result.IsCompleted)
            {
                var bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static ApiError TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Request entity too large",
            string.Create(CultureInfo.InvariantCulture, $"The body is larger than {maxBytes} bytes; send one record per request"));

    public static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
               mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) ||
               mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }

    private static string Short(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
