using System.Text.Encodings.Web;
using System.Text.Json;

namespace IdentityBridge.Expressions.Schema;

/// <summary>The outcome of reading a schema document: the schema, or the reason it could not be read.</summary>
public sealed record SchemaReadResult(SynchronizationSchema? Schema, IReadOnlyList<SchemaProblem> Problems)
{
    public bool Succeeded => Schema is not null;
}

/// <summary>
/// Reads and writes Graph's synchronizationSchema JSON. Property names are Graph's camelCase; properties this model
/// does not know (<c>@odata.context</c>, <c>containerFilter</c>, <c>apiExpressions</c> …) are kept and written back.
/// </summary>
public static class SynchronizationSchemaJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        // Expressions are full of quotes and angle brackets; keep them readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static SchemaReadResult Read(string json)
    {
        try
        {
            var schema = JsonSerializer.Deserialize<SynchronizationSchema>(json, Options);
            return schema is null
                ? new SchemaReadResult(null, [new SchemaProblem("$", ErrorCodes.InvalidJson, "The document is null; a synchronizationSchema is a JSON object.")])
                : new SchemaReadResult(schema, []);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, character {e.BytePositionInLine + 1})" : "";
            return new SchemaReadResult(null, [new SchemaProblem(e.Path ?? "$", ErrorCodes.InvalidJson,
                $"Not a synchronizationSchema document{where}: {FirstSentence(e.Message)}")]);
        }
    }

    public static string Write(SynchronizationSchema schema) => JsonSerializer.Serialize(schema, Options);

    public static string Write(AttributeMappingSource source) => JsonSerializer.Serialize(source, Options);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
