using System.Collections;

namespace IdentityBridge.Expressions.Parsing;

/// <summary>
/// A node of a parsed expression (spec §3.2): a function call, an <c>[attribute]</c> reference, a string or number
/// constant, an enumeration word such as <c>vbTextCompare</c>, a comparison (only inside <c>IIF</c> and <c>CBool</c>),
/// or an omitted optional argument. Two trees are equal when they say the same thing; where their text sat
/// (<see cref="Span"/>) does not take part, so that a printed and re-parsed tree equals the original.
/// </summary>
public abstract record ExpressionSyntax
{
    private protected ExpressionSyntax()
    {
    }

    /// <summary>The text this node was parsed from; empty for nodes built from a Graph source tree.</summary>
    public TextSpan Span { get; init; }

    public virtual bool Equals(ExpressionSyntax? other) => other is not null && EqualityContract == other.EqualityContract;

    public override int GetHashCode() => EqualityContract.GetHashCode();

    /// <summary>The canonical text of this node (<see cref="ExpressionPrinter"/>).</summary>
    public sealed override string ToString() => ExpressionPrinter.Print(this);
}

/// <summary><c>Name(argument, …)</c>.</summary>
public sealed record FunctionCallSyntax(string Name, SyntaxList Arguments) : ExpressionSyntax;

/// <summary><c>[name]</c>: the value of a source attribute, or null when the object does not have it.</summary>
public sealed record AttributeSyntax(string Name) : ExpressionSyntax;

/// <summary><c>"text"</c>, with <c>\"</c> and <c>\\</c> escapes in the source text.</summary>
public sealed record StringSyntax(string Value) : ExpressionSyntax;

/// <summary>An integer constant, written in decimal or as <c>&amp;H</c> hexadecimal (kept so that printing keeps the style).</summary>
public sealed record NumberSyntax(long Value, bool IsHexadecimal) : ExpressionSyntax;

/// <summary>
/// A bare word such as <c>vbTextCompare</c> or <c>True</c>, or a decimal number constant such as <c>42568.75</c>; it
/// evaluates to its own text.
/// </summary>
public sealed record WordSyntax(string Name) : ExpressionSyntax;

/// <summary><c>left op right</c>; allowed only as the condition of <c>IIF</c> and the argument of <c>CBool</c>.</summary>
public sealed record ComparisonSyntax(ExpressionSyntax Left, ComparisonOperator Operator, ExpressionSyntax Right) : ExpressionSyntax;

/// <summary>An empty argument: an optional parameter left out, as in <c>Switch([x], , "a", "b")</c>.</summary>
public sealed record OmittedSyntax : ExpressionSyntax;

public enum ComparisonOperator
{
    Equal,
    NotEqual,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

/// <summary>The arguments of a call, compared element by element.</summary>
public sealed class SyntaxList : IReadOnlyList<ExpressionSyntax>, IEquatable<SyntaxList>
{
    private readonly ExpressionSyntax[] _items;

    public SyntaxList(IEnumerable<ExpressionSyntax> items) => _items = items.ToArray();

    public static SyntaxList Empty { get; } = new([]);

    public ExpressionSyntax this[int index] => _items[index];

    public int Count => _items.Length;

    public IEnumerator<ExpressionSyntax> GetEnumerator() => ((IEnumerable<ExpressionSyntax>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(SyntaxList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => obj is SyntaxList other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }
}
