using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Graph;

/// <summary>What a request asked to see of each object: Graph's default properties, or its <c>$select</c>.</summary>
internal sealed record Selection(IReadOnlyList<GraphProperty> Properties, IReadOnlyList<string> Extensions, bool Explicit)
{
    /// <summary>The columns to read: the selected properties' columns, and the extension bag when one is selected.</summary>
    public IReadOnlyList<string> Columns(params string[] more)
    {
        var columns = new List<string> { TableDefinition.SysId };
        columns.AddRange(Properties.Select(p => p.Column).Where(c => c != TableDefinition.SysId));
        if (Extensions.Count > 0) columns.Add("extensions");
        columns.AddRange(more);
        return columns.Distinct().ToList();
    }

    public string ContextSuffix(string entitySet) =>
        Explicit ? $"{entitySet}({string.Join(",", Properties.Select(p => p.Name).Concat(Extensions))})" : entitySet;
}

/// <summary>Graph's JSON for directory objects: reading records into it and writes out of it.</summary>
internal static partial class GraphJson
{
    // Graph answers a user without $select with these properties only.
    private static readonly string[] DefaultUserProperties =
        ["id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "surname", "userPrincipalName"];

    [GeneratedRegex("^extension_[0-9a-fA-F]{32}_[A-Za-z0-9_]{1,100}$", RegexOptions.CultureInvariant)]
    public static partial Regex ExtensionName();

    [GeneratedRegex("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}(?=[^0-9a-fA-F]*$)", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingGuid();

    public static Selection Select(GraphType type, string? select, params string[] extraAllowed)
    {
        if (string.IsNullOrWhiteSpace(select))
        {
            var properties = type == GraphType.User
                ? DefaultUserProperties.Select(n => type.Find(n)!).ToList()
                : type.Properties.Where(p => p.Name != "deletedDateTime").ToList();
            return new Selection(properties, [], Explicit: false);
        }
        var selected = new List<GraphProperty> { type.Find("id")! };
        var extensions = new List<string>();
        foreach (var raw in select.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (type.Find(raw) is { } property)
            {
                if (!selected.Contains(property)) selected.Add(property);
            }
            else if (type.HasExtensions && ExtensionName().IsMatch(raw)) extensions.Add(raw);
            else if (!extraAllowed.Contains(raw, StringComparer.OrdinalIgnoreCase))
                throw GraphException.BadRequest(
                    $"Parsing OData Select and Expand failed: Could not find a property named '{raw}' on type 'microsoft.graph.{type.Name}'.");
        }
        return new Selection(selected, extensions, Explicit: true);
    }

    public static JsonObject Object(GraphType type, RecordRow row, Selection selection, bool withType = false)
    {
        var json = new JsonObject();
        if (withType) json["@odata.type"] = type.ODataType;
        foreach (var property in selection.Properties) json[property.Name] = Value(property, row[property.Column]);
        if (selection.Extensions.Count > 0)
        {
            var bag = ParseObject(row["extensions"]);
            foreach (var name in selection.Extensions)
            {
                // Extension names are case-insensitive in Graph; the bag keeps the name as first written.
                var match = bag?.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
                if (match?.Value is { } value) json[match.Value.Key] = value.DeepClone();
            }
        }
        return json;
    }

    public static JsonNode? Value(GraphProperty property, string? stored) => property.Kind switch
    {
        GraphValueKind.Id => stored is null ? null : GraphIds.FromSysId(stored),
        GraphValueKind.Boolean => stored is null ? null : stored == "true",
        GraphValueKind.DateTime => stored is not null && GlideDateTimes.TryParse(stored, out var when)
            ? when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null,
        GraphValueKind.StringCollection => ParseArray(stored),
        _ => stored,
    };

    private static JsonArray ParseArray(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return [];
        try
        {
            return JsonNode.Parse(stored) as JsonArray ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public static JsonObject? ParseObject(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return null;
        try
        {
            return JsonNode.Parse(stored) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The GUID at the end of an <c>@odata.id</c> (<c>https://graph.microsoft.com/v1.0/directoryObjects/{id}</c>).</summary>
    public static string? ReferencedId(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("@odata.id", out var reference) ||
            reference.ValueKind != JsonValueKind.String)
            throw GraphException.BadRequest("The request body needs an '@odata.id' with the object's URL.");
        var match = TrailingGuid().Match(reference.GetString()!);
        return match.Success && GraphIds.TryToSysId(match.Value, out var sysId) ? sysId : null;
    }

    /// <summary>
    /// The column values of a create or update body. Unknown and read-only properties are Graph's 400; the password
    /// of <c>passwordProfile</c> goes to the hashed password column; extension attributes go to the extension bag,
    /// merged with <paramref name="currentExtensions"/>.
    /// </summary>
    public static Dictionary<string, string?> Values(GraphType type, JsonElement body, string? currentExtensions = null)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw GraphException.BadRequest("The request body must be a JSON object.");
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        JsonObject? extensions = null;
        foreach (var member in body.EnumerateObject())
        {
            var name = member.Name;
            if (name.StartsWith('@')) continue;
            if (type == GraphType.User && name == "passwordProfile")
            {
                if (member.Value.ValueKind != JsonValueKind.Object || !member.Value.TryGetProperty("password", out var password) ||
                    password.ValueKind != JsonValueKind.String || password.GetString()!.Length == 0)
                    throw Invalid(type, name);
                values["password"] = password.GetString();
                continue;
            }
            if (type.HasExtensions && ExtensionName().IsMatch(name))
            {
                extensions ??= ParseObject(currentExtensions) ?? [];
                var existing = extensions.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Key;
                if (existing is not null) extensions.Remove(existing);
                switch (member.Value.ValueKind)
                {
                    case JsonValueKind.Null: break;
                    case JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                        extensions[name] = JsonNode.Parse(member.Value.GetRawText());
                        break;
                    default: throw Invalid(type, name);
                }
                continue;
            }
            var property = type.Find(name)
                ?? throw GraphException.BadRequest($"Property '{name}' does not exist as a declared property or extension property.");
            if (!property.Writable)
                throw GraphException.BadRequest($"Property '{property.Name}' is read-only and cannot be set.");
            values[property.Column] = property.Kind switch
            {
                _ when member.Value.ValueKind == JsonValueKind.Null => "",
                GraphValueKind.String when member.Value.ValueKind == JsonValueKind.String => member.Value.GetString(),
                GraphValueKind.Boolean when member.Value.ValueKind is JsonValueKind.True or JsonValueKind.False =>
                    member.Value.GetBoolean() ? "true" : "false",
                GraphValueKind.StringCollection when member.Value.ValueKind == JsonValueKind.Array &&
                                                     member.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                    member.Value.GetRawText(),
                _ => throw Invalid(type, property.Name),
            };
        }
        if (extensions is not null) values["extensions"] = extensions.Count == 0 ? "" : extensions.ToJsonString();
        return values;
    }

    public static GraphException Invalid(GraphType type, string property) =>
        GraphException.BadRequest(
            $"Invalid value specified for property '{property}' of resource '{char.ToUpperInvariant(type.Name[0])}{type.Name[1..]}'.");
}
