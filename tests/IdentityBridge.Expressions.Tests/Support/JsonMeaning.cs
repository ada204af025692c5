using System.Text.Json.Nodes;

namespace IdentityBridge.Expressions.Tests.Support;

internal static class JsonMeaning
{
    /// <summary>JSON with null-valued properties removed: Graph writes some nulls and leaves others out, to the same effect.</summary>
    public static JsonNode? Of(string json)
    {
        var node = JsonNode.Parse(json);
        Strip(node);
        return node;

        static void Strip(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToArray()) obj.Remove(key);
                    foreach (var (_, value) in obj) Strip(value);
                    break;
                case JsonArray array:
                    foreach (var item in array) Strip(item);
                    break;
            }
        }
    }

    public static bool Same(string expected, string actual) => JsonNode.DeepEquals(Of(expected), Of(actual));
}
