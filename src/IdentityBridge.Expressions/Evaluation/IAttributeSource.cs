using System.Collections;
using System.Text.Json;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>The source object an expression reads its <c>[attribute]</c> references from.</summary>
public interface IAttributeSource
{
    /// <summary>The attribute's value, or <see cref="ExpressionValue.Null"/> when the object does not have it.</summary>
    ExpressionValue GetValue(string attributeName);
}

/// <summary>
/// A source object held as a dictionary. Attribute names match case-insensitively, as directory attribute names do
/// in Entra (<c>[UserPrincipalName]</c> and <c>[userPrincipalName]</c> read the same attribute); function names, by
/// contrast, are case-sensitive.
/// </summary>
public sealed class AttributeBag : IAttributeSource, IEnumerable<KeyValuePair<string, ExpressionValue>>
{
    private readonly Dictionary<string, ExpressionValue> _values = new(StringComparer.OrdinalIgnoreCase);

    public ExpressionValue this[string attributeName]
    {
        get => GetValue(attributeName);
        set => _values[attributeName] = value;
    }

    public int Count => _values.Count;

    public ExpressionValue GetValue(string attributeName) => _values.GetValueOrDefault(attributeName);

    public void Add(string attributeName, ExpressionValue value) => _values[attributeName] = value;

    public bool Remove(string attributeName) => _values.Remove(attributeName);

    public void Clear() => _values.Clear();

    public IEnumerator<KeyValuePair<string, ExpressionValue>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// A source object from JSON, such as a Graph user: strings, whole numbers and booleans become values of their
    /// kind, arrays multi-valued attributes and objects complex values. The attributes named in
    /// <paramref name="referenceAttributes"/> (by default <c>manager</c> and <c>members</c>) hold references: an
    /// object id, or an object whose <c>id</c> is taken. Other numbers are kept as their text.
    /// </summary>
    public static AttributeBag FromJson(JsonElement json, IReadOnlySet<string>? referenceAttributes = null)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("A source object must be a JSON object of attributes.", nameof(json));
        referenceAttributes ??= DefaultReferenceAttributes;
        var bag = new AttributeBag();
        foreach (var property in json.EnumerateObject())
            bag[property.Name] = referenceAttributes.Contains(property.Name) ? ReadReference(property.Value) : Read(property.Value);
        return bag;
    }

    private static readonly IReadOnlySet<string> DefaultReferenceAttributes =
        new HashSet<string>(["manager", "members"], StringComparer.OrdinalIgnoreCase);

    private static ExpressionValue ReadReference(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.String => ExpressionValue.FromReference(json.GetString()!),
        JsonValueKind.Object when json.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String =>
            ExpressionValue.FromReference(id.GetString()!),
        JsonValueKind.Array => ExpressionValue.FromValues(json.EnumerateArray().Select(ReadReference).ToArray()),
        _ => Read(json),
    };

    private static ExpressionValue Read(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.String => ExpressionValue.FromString(json.GetString()),
        JsonValueKind.True => ExpressionValue.True,
        JsonValueKind.False => ExpressionValue.False,
        JsonValueKind.Number when json.TryGetInt64(out var number) => ExpressionValue.FromNumber(number),
        JsonValueKind.Number => ExpressionValue.FromString(json.GetRawText()),
        JsonValueKind.Array => ExpressionValue.FromValues(json.EnumerateArray().Select(Read).ToArray()),
        JsonValueKind.Object => ExpressionValue.FromComplex(json.EnumerateObject()
            .Select(p => new KeyValuePair<string, ExpressionValue>(p.Name, Read(p.Value))).ToArray()),
        _ => ExpressionValue.Null,
    };
}
