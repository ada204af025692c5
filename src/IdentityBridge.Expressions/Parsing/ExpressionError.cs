namespace IdentityBridge.Expressions.Parsing;

/// <summary>Where a problem sits in the expression text: the offset of its first character and how many follow.</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// A problem with an expression, while parsing it or while evaluating it: a stable code (<see cref="ErrorCodes"/>),
/// a message that says what to change, and the span of the text at fault (empty when the expression came from a
/// Graph source tree that has no text).
/// </summary>
public sealed record ExpressionError(string Code, string Message, TextSpan Span)
{
    public override string ToString() => $"{Code} at {Span.Start}: {Message}";
}
