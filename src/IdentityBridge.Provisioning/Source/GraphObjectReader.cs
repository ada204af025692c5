using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Provisioning.Source;

/// <summary>How much a Graph answer says about an object.</summary>
internal enum GraphReadKind
{
    /// <summary>A first delta round: the whole current state (a property never set is simply absent).</summary>
    FullRound,

    /// <summary>A round from a deltaLink: "at least the properties that have been updated".</summary>
    ChangeRound,

    /// <summary>A plain GET of the object, with <c>$expand=manager</c> for users.</summary>
    Whole,
}

/// <summary>
/// Reads Graph's JSON objects into <see cref="SourceObject"/>s, straight from a parsed page (no string round trip per
/// object). Object ids go through a pool, so that the same user id read as a user, as a manager and as a member of
/// many groups is one string.
/// </summary>
internal sealed class GraphObjectReader
{
    // Large enough for a 100,000-user directory with its groups; past it, ids are simply not shared.
    private const int PoolLimit = 1_000_000;

    private readonly HashSet<string> _pool = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _poolBySpan;
    private readonly Lock _poolLock = new();

    public GraphObjectReader() => _poolBySpan = _pool.GetAlternateLookup<ReadOnlySpan<char>>();

    public SourceObject Read(JsonElement json, GraphProjection projection, GraphReadKind kind)
    {
        var type = projection.Type;
        string? id = null;
        var removal = RemovalKind.None;
        var bag = new AttributeBag();
        List<MemberChange>? members = null;
        var managerKnown = kind != GraphReadKind.ChangeRound;
        Span<bool> seen = projection.RequiredCount <= 128 ? stackalloc bool[projection.RequiredCount] : new bool[projection.RequiredCount];
        Span<char> name = stackalloc char[128];

        foreach (var property in json.EnumerateObject())
        {
            var propertyName = Name(property, name);
            if (propertyName.Equals("id", StringComparison.OrdinalIgnoreCase))
            {
                id = Id(property.Value);
                if (id is not null) bag["objectId"] = id;
                Mark(projection, propertyName, seen);
                continue;
            }
            if (propertyName.Equals("@removed", StringComparison.Ordinal))
            {
                removal = RemovalOf(property.Value);
                continue;
            }
            if (propertyName.Equals("manager@delta", StringComparison.OrdinalIgnoreCase))
            {
                bag["manager"] = ManagerFromDelta(property.Value);
                managerKnown = true;
                continue;
            }
            if (propertyName.Equals("manager", StringComparison.OrdinalIgnoreCase) && type == SourceObjectType.User)
            {
                bag["manager"] = property.Value.ValueKind == JsonValueKind.Object && Id(property.Value, "id") is { } manager
                    ? ExpressionValue.FromReference(manager)
                    : ExpressionValue.Null;
                managerKnown = true;
                continue;
            }
            if (propertyName.Equals("members@delta", StringComparison.OrdinalIgnoreCase))
            {
                members ??= [];
                ReadMembers(property.Value, members);
                continue;
            }
            if (propertyName.StartsWith('@') || propertyName.Contains('@')) continue; // annotations

            Mark(projection, propertyName, seen);
            var targets = projection.TargetsOf(propertyName);
            if (targets is null)
            {
                // Not asked for (Graph may add properties); kept under its schema name, as it came.
                var value = Value(property.Value);
                if (!value.IsNull) bag[GraphAttributeMap.SchemaNameOf(type, property.Name)] = value;
                continue;
            }
            foreach (var target in targets) Apply(bag, target, property.Value);
        }

        if (id is null) throw new JsonException("Graph answered an object without an id.");
        var complete = removal == RemovalKind.None && (kind != GraphReadKind.ChangeRound || !seen.Contains(false));
        return new SourceObject
        {
            Id = id,
            Type = type,
            Removal = removal,
            Attributes = bag,
            Complete = complete,
            // Removed objects say nothing about their manager; the engine disables or deletes them whatever it was.
            // A change round names the manager only when it changed (manager@delta); a whole read says it or has none.
            ManagerKnown = removal == RemovalKind.None && type == SourceObjectType.User && managerKnown,
            MemberChanges = members ?? (IReadOnlyList<MemberChange>)[],
        };
    }

    /// <summary>A member entry of <c>/groups/{id}/members</c> (users and groups; other kinds of member are skipped).</summary>
    public MemberChange? ReadMember(JsonElement json, bool removed = false)
    {
        if (json.ValueKind != JsonValueKind.Object || MemberType(json) is not { } type || Id(json, "id") is not { } id) return null;
        return new MemberChange(id, type, removed || json.TryGetProperty("@removed", out _));
    }

    /// <summary>An id as a shared string: the pool's copy when it has one.</summary>
    public string? Id(JsonElement json, string? property = null)
    {
        if (property is not null && !json.TryGetProperty(property, out json)) return null;
        if (json.ValueKind != JsonValueKind.String) return null;
        // The raw value is the JSON token, quotes included.
        var raw = JsonMarshal.GetRawUtf8Value(json);
        if (raw.Length < 2 || raw.Length > 66 || raw.Contains((byte)'\\')) return Pool(json.GetString()!);
        raw = raw[1..^1];
        Span<char> chars = stackalloc char[64];
        var length = Encoding.UTF8.GetChars(raw, chars);
        var text = chars[..length];
        lock (_poolLock)
        {
            if (_poolBySpan.TryGetValue(text, out var pooled)) return pooled;
            var created = text.ToString();
            if (_pool.Count < PoolLimit) _pool.Add(created);
            return created;
        }
    }

    private string Pool(string id)
    {
        lock (_poolLock)
        {
            if (_pool.TryGetValue(id, out var pooled)) return pooled;
            if (_pool.Count < PoolLimit) _pool.Add(id);
            return id;
        }
    }

    private static ReadOnlySpan<char> Name(JsonProperty property, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length > buffer.Length || raw.Contains((byte)'\\')) return property.Name;
        var length = Encoding.UTF8.GetChars(raw, buffer);
        return buffer[..length];
    }

    private static void Mark(GraphProjection projection, ReadOnlySpan<char> graphProperty, Span<bool> seen)
    {
        var slot = projection.RequiredSlot(graphProperty);
        if (slot >= 0) seen[slot] = true;
    }

    private static RemovalKind RemovalOf(JsonElement removed) =>
        removed.ValueKind == JsonValueKind.Object && removed.TryGetProperty("reason", out var reason) &&
        reason.ValueKind == JsonValueKind.String && reason.ValueEquals("deleted")
            ? RemovalKind.HardDeleted
            // "changed", and any reason Graph may add later: a soft delete disables, it never deletes in the target.
            : RemovalKind.SoftDeleted;

    /// <summary>
    /// <c>manager@delta</c>: a list with the manager, or with the removed manager marked <c>@removed</c>; an empty list
    /// also means no manager. The last entry that is not removed wins.
    /// </summary>
    private ExpressionValue ManagerFromDelta(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) return ExpressionValue.Null;
        string? manager = null;
        foreach (var entry in value.EnumerateArray())
            if (entry.ValueKind == JsonValueKind.Object && !entry.TryGetProperty("@removed", out _) && Id(entry, "id") is { } id)
                manager = id;
        return manager is null ? ExpressionValue.Null : ExpressionValue.FromReference(manager);
    }

    private void ReadMembers(JsonElement value, List<MemberChange> members)
    {
        if (value.ValueKind != JsonValueKind.Array) return;
        foreach (var entry in value.EnumerateArray())
            if (ReadMember(entry) is { } member)
                members.Add(member);
    }

    private static SourceObjectType? MemberType(JsonElement json)
    {
        if (!json.TryGetProperty("@odata.type", out var type) || type.ValueKind != JsonValueKind.String) return null;
        if (type.ValueEquals("#microsoft.graph.user")) return SourceObjectType.User;
        if (type.ValueEquals("#microsoft.graph.group")) return SourceObjectType.Group;
        return null; // devices, contacts, service principals: not provisioned
    }

    private static void Apply(AttributeBag bag, GraphAttribute target, JsonElement value)
    {
        switch (target.Shape)
        {
            case GraphValueShape.FirstValue:
                bag[target.SchemaName] = value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0
                    ? Value(value[0])
                    : value.ValueKind == JsonValueKind.String ? Value(value) : ExpressionValue.Null;
                break;
            case GraphValueShape.GuestStripped:
                bag[target.SchemaName] = value.ValueKind == JsonValueKind.String
                    ? ExpressionValue.FromString(GraphAttributeMap.StripGuestSuffix(value.GetString()!))
                    : Value(value);
                break;
            case GraphValueShape.OnPremisesExtension:
                bag[target.SchemaName] = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(target.SchemaName, out var part)
                    ? Value(part)
                    : ExpressionValue.Null;
                break;
            default:
                bag[target.SchemaName] = Value(value);
                break;
        }
    }

    /// <summary>Strings as strings, booleans as booleans, whole numbers as numbers, arrays as multi-valued attributes.</summary>
    private static ExpressionValue Value(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: return ExpressionValue.FromString(value.GetString());
            case JsonValueKind.True: return ExpressionValue.True;
            case JsonValueKind.False: return ExpressionValue.False;
            case JsonValueKind.Number: return value.TryGetInt64(out var number) ? ExpressionValue.FromNumber(number) : ExpressionValue.FromString(value.GetRawText());
            case JsonValueKind.Array:
                var values = new ExpressionValue[value.GetArrayLength()];
                var i = 0;
                foreach (var item in value.EnumerateArray()) values[i++] = Value(item);
                return ExpressionValue.FromValues(values);
            default: return ExpressionValue.Null; // null, and complex values no schema attribute reads as a whole
        }
    }
}
