using System.Globalization;
using System.Text.Json;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

public enum ValueKind
{
    /// <summary>No value: an attribute the object does not have, or a function that gives nothing.</summary>
    Null,
    String,
    Number,
    Boolean,
    /// <summary>A UTC date and time; printed as Entra prints dates, <c>M/d/yyyy h:mm:ss tt</c>.</summary>
    DateTime,
    /// <summary>A reference to another directory object (<c>[manager]</c>, a group member), by its object id.</summary>
    Reference,
    MultiValued,
    /// <summary>A value made of named parts, such as one app role assignment.</summary>
    Complex,
}

/// <summary>
/// A value of the expression language (spec §3.3): a string, an integer, a boolean, a date, a reference, a
/// multi-valued list or a complex value, or null. A struct, so that evaluating a mapping that copies or picks
/// strings allocates nothing.
/// </summary>
public readonly struct ExpressionValue : IEquatable<ExpressionValue>
{
    // string, IReadOnlyList<ExpressionValue>, IReadOnlyList<KeyValuePair<string, ExpressionValue>> or, for the
    // evaluator's internal error values, ExpressionError.
    private readonly object? _object;
    private readonly long _scalar;

    private ExpressionValue(ValueKind kind, object? obj, long scalar)
    {
        Kind = kind;
        _object = obj;
        _scalar = scalar;
    }

    public ValueKind Kind { get; }

    public static ExpressionValue Null => default;

    public static ExpressionValue True { get; } = new(ValueKind.Boolean, null, 1);

    public static ExpressionValue False { get; } = new(ValueKind.Boolean, null, 0);

    public static ExpressionValue EmptyString { get; } = new(ValueKind.String, "", 0);

    /// <summary>A string; null gives <see cref="Null"/>.</summary>
    public static ExpressionValue FromString(string? value) => value is null ? Null : new(ValueKind.String, value, 0);

    public static ExpressionValue FromNumber(long value) => new(ValueKind.Number, null, value);

    public static ExpressionValue FromBoolean(bool value) => value ? True : False;

    /// <summary>A date and time; local and unspecified times are taken as UTC, the only zone Entra's service runs in.</summary>
    public static ExpressionValue FromDateTime(DateTime value) =>
        new(ValueKind.DateTime, null, (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).Ticks);

    public static ExpressionValue FromReference(string objectId) => new(ValueKind.Reference, objectId, 0);

    public static ExpressionValue FromValues(IEnumerable<ExpressionValue> values) =>
        new(ValueKind.MultiValued, values as IReadOnlyList<ExpressionValue> ?? values.ToArray(), 0);

    public static ExpressionValue FromStrings(params IEnumerable<string> values) =>
        FromValues(values.Select(FromString).ToArray());

    public static ExpressionValue FromComplex(IEnumerable<KeyValuePair<string, ExpressionValue>> parts) =>
        new(ValueKind.Complex, parts as IReadOnlyList<KeyValuePair<string, ExpressionValue>> ?? parts.ToArray(), 0);

    internal static ExpressionValue Failure(ExpressionError error) => new(ValueKind.Null, error, 0);

    internal static ExpressionValue Failure(string code, string message, TextSpan span) => Failure(new ExpressionError(code, message, span));

    public bool IsNull => Kind == ValueKind.Null;

    /// <summary>Null, an empty string or a multi-valued attribute without values: "empty" as IsNullOrEmpty means it.</summary>
    public bool IsNullOrEmpty => Kind switch
    {
        ValueKind.Null => true,
        ValueKind.String => ((string)_object!).Length == 0,
        ValueKind.MultiValued => Values.Count == 0,
        _ => false,
    };

    internal bool IsError => _object is ExpressionError;

    internal ExpressionError? Error => _object as ExpressionError;

    public bool IsSingleValued => Kind is not (ValueKind.MultiValued or ValueKind.Complex or ValueKind.Null);

    public long Number => Kind == ValueKind.Number ? _scalar : throw WrongKind(ValueKind.Number);

    public bool Boolean => Kind == ValueKind.Boolean ? _scalar != 0 : throw WrongKind(ValueKind.Boolean);

    public DateTime DateTime => Kind == ValueKind.DateTime ? new DateTime(_scalar, DateTimeKind.Utc) : throw WrongKind(ValueKind.DateTime);

    /// <summary>The values of a multi-valued attribute.</summary>
    public IReadOnlyList<ExpressionValue> Values =>
        Kind == ValueKind.MultiValued ? (IReadOnlyList<ExpressionValue>)_object! : throw WrongKind(ValueKind.MultiValued);

    /// <summary>The named parts of a complex value.</summary>
    public IReadOnlyList<KeyValuePair<string, ExpressionValue>> Parts =>
        Kind == ValueKind.Complex ? (IReadOnlyList<KeyValuePair<string, ExpressionValue>>)_object! : throw WrongKind(ValueKind.Complex);

    /// <summary>The named part of a complex value, or null.</summary>
    public ExpressionValue Part(string name)
    {
        if (Kind != ValueKind.Complex) return Null;
        foreach (var (key, value) in Parts)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
        return Null;
    }

    /// <summary>
    /// A single value as the text Entra would send: strings as they are, numbers in invariant digits, booleans as
    /// <c>True</c>/<c>False</c> (.NET's spelling, which the default <c>Switch([IsSoftDeleted], , "False", …)</c>
    /// mapping relies on), dates as <c>M/d/yyyy h:mm:ss tt</c>, references as the object id. Null for null,
    /// multi-valued and complex values.
    /// </summary>
    public string? Text => Kind switch
    {
        ValueKind.String or ValueKind.Reference => (string)_object!,
        ValueKind.Number => _scalar.ToString(CultureInfo.InvariantCulture),
        ValueKind.Boolean => _scalar != 0 ? "True" : "False",
        ValueKind.DateTime => EntraDates.Format(DateTime),
        _ => null,
    };

    private InvalidOperationException WrongKind(ValueKind wanted) => new($"The value is {Kind}, not {wanted}.");

    /// <summary>The value as JSON: a string for single values, an array for multi-valued, an object for complex, null.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case ValueKind.Null:
                writer.WriteNullValue();
                break;
            case ValueKind.MultiValued:
                writer.WriteStartArray();
                foreach (var value in Values) value.WriteTo(writer);
                writer.WriteEndArray();
                break;
            case ValueKind.Complex:
                writer.WriteStartObject();
                foreach (var (key, value) in Parts)
                {
                    writer.WritePropertyName(key);
                    value.WriteTo(writer);
                }
                writer.WriteEndObject();
                break;
            case ValueKind.Boolean:
                writer.WriteBooleanValue(Boolean);
                break;
            default:
                writer.WriteStringValue(Text);
                break;
        }
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Single values as their <see cref="Text"/>, the others as JSON.</summary>
    public override string ToString() => IsError ? $"error: {Error!.Message}" : Kind switch
    {
        ValueKind.Null => "null",
        ValueKind.MultiValued or ValueKind.Complex => ToJson(),
        _ => Text!,
    };

    public bool Equals(ExpressionValue other)
    {
        if (Kind != other.Kind) return false;
        return Kind switch
        {
            ValueKind.Null => Equals(_object, other._object),
            ValueKind.String or ValueKind.Reference => string.Equals((string)_object!, (string)other._object!, StringComparison.Ordinal),
            ValueKind.MultiValued => Values.SequenceEqual(other.Values),
            ValueKind.Complex => Parts.SequenceEqual(other.Parts),
            _ => _scalar == other._scalar,
        };
    }

    public override bool Equals(object? obj) => obj is ExpressionValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        ValueKind.String or ValueKind.Reference => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode((string)_object!)),
        ValueKind.MultiValued => HashCode.Combine(Kind, Values.Count),
        ValueKind.Complex => HashCode.Combine(Kind, Parts.Count),
        _ => HashCode.Combine(Kind, _scalar),
    };

    public static bool operator ==(ExpressionValue left, ExpressionValue right) => left.Equals(right);

    public static bool operator !=(ExpressionValue left, ExpressionValue right) => !left.Equals(right);

    public static implicit operator ExpressionValue(string? value) => FromString(value);
}
