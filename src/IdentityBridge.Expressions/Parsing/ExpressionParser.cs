using System.Globalization;
using System.Runtime.CompilerServices;

namespace IdentityBridge.Expressions.Parsing;

/// <summary>The outcome of parsing: a tree, or every problem found (the first syntax error, or all semantic ones).</summary>
public sealed record ParseResult(ExpressionSyntax? Syntax, IReadOnlyList<ExpressionError> Errors)
{
    public bool Succeeded => Syntax is not null && Errors.Count == 0;
}

/// <summary>
/// Reads expression text (spec §3.2) into a tree. Case-sensitive, at most 10,000 characters; never throws on bad
/// input: every problem comes back as an <see cref="ExpressionError"/> with its position.
/// </summary>
public static class ExpressionParser
{
    /// <summary>Entra's limit on the length of an expression (spec §3.2).</summary>
    public const int MaximumLength = 10_000;

    public static ParseResult Parse(string? text)
    {
        text ??= "";
        if (text.Length > MaximumLength)
            return Failed(ErrorCodes.ExpressionTooLong,
                $"The expression has {text.Length:N0} characters; Entra accepts at most {MaximumLength:N0}.", new TextSpan(MaximumLength, text.Length - MaximumLength));

        var parser = new Parser(text);
        var syntax = parser.ParseWhole();
        if (syntax is null) return new ParseResult(null, [parser.Error!]);
        var errors = SyntaxValidator.Validate(syntax);
        return new ParseResult(syntax, errors);
    }

    private static ParseResult Failed(string code, string message, TextSpan span) => new(null, [new ExpressionError(code, message, span)]);

    private sealed class Parser(string text)
    {
        private int _position;

        public ExpressionError? Error { get; private set; }

        public ExpressionSyntax? ParseWhole()
        {
            SkipWhitespace();
            if (AtEnd)
                return Fail(ErrorCodes.EmptyExpression, "The expression is empty; write a function call, an [attribute] or a \"constant\".", Here(0));
            var syntax = ParseComparable();
            if (syntax is null) return null;
            SkipWhitespace();
            if (!AtEnd)
            {
                var c = text[_position];
                return c == ')'
                    ? Fail(ErrorCodes.UnexpectedCharacter, "This ')' closes nothing; remove it or add the '(' it belongs to.", Here(1))
                    : Fail(ErrorCodes.UnexpectedCharacter, $"Unexpected {Describe(c)} after the end of the expression.", Here(1));
            }
            return syntax;
        }

        private bool AtEnd => _position >= text.Length;

        private TextSpan Here(int length) => new(_position, Math.Min(length, Math.Max(0, text.Length - _position)));

        private ExpressionSyntax? Fail(string code, string message, TextSpan span)
        {
            Error ??= new ExpressionError(code, message, span);
            return null;
        }

        private void SkipWhitespace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position])) _position++;
        }

        /// <summary>An operand, optionally compared with a second one; the validator decides where comparisons may stand.</summary>
        private ExpressionSyntax? ParseComparable()
        {
            var left = ParseOperand();
            if (left is null) return null;
            SkipWhitespace();
            if (ReadOperator() is not { } op) return left;
            SkipWhitespace();
            if (AtEnd) return Fail(ErrorCodes.UnexpectedCharacter, $"The comparison needs a value after '{ExpressionPrinter.Symbol(op)}'.", Here(0));
            var right = ParseOperand();
            if (right is null) return null;
            SkipWhitespace();
            var start = _position;
            if (ReadOperator() is not null)
            {
                _position = start;
                return Fail(ErrorCodes.UnexpectedCharacter,
                    "A condition compares two values once; Entra's expressions have no AND or OR (nest IIF or use Switch).", Here(1));
            }
            return new ComparisonSyntax(left, op, right) { Span = new TextSpan(left.Span.Start, right.Span.End - left.Span.Start) };
        }

        private ComparisonOperator? ReadOperator()
        {
            if (AtEnd) return null;
            var c = text[_position];
            var next = _position + 1 < text.Length ? text[_position + 1] : '\0';
            (ComparisonOperator? op, int length) = (c, next) switch
            {
                ('<', '>') => (ComparisonOperator.NotEqual, 2),
                ('<', '=') => (ComparisonOperator.LessThanOrEqual, 2),
                ('>', '=') => (ComparisonOperator.GreaterThanOrEqual, 2),
                ('<', _) => (ComparisonOperator.LessThan, 1),
                ('>', _) => (ComparisonOperator.GreaterThan, 1),
                ('=', _) => (ComparisonOperator.Equal, 1),
                _ => ((ComparisonOperator?)null, 0),
            };
            _position += length;
            return op;
        }

        private ExpressionSyntax? ParseOperand()
        {
            // A deeply nested expression must end in an error, not in a crashed process.
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
                return Fail(ErrorCodes.NestingTooDeep, "The expression nests too deeply to be parsed here.", Here(1));
            if (AtEnd) return Fail(ErrorCodes.UnexpectedCharacter, "The expression ends where a value was expected.", Here(0));

            var c = text[_position];
            if (c == '"') return ParseString();
            if (c == '[') return ParseAttribute();
            if (c == '&') return ParseHexadecimal();
            if (char.IsAsciiDigit(c) || (c == '-' && _position + 1 < text.Length && char.IsAsciiDigit(text[_position + 1])))
                return ParseNumber();
            if (char.IsAsciiLetter(c) || c == '_') return ParseNameOrCall();
            if (c is ',' or ')')
                return Fail(ErrorCodes.UnexpectedCharacter, $"Expected a value before {Describe(c)}.", Here(1));
            return Fail(ErrorCodes.UnexpectedCharacter,
                $"Unexpected {Describe(c)}; a value is a function call, an [attribute], a \"string\" or a number.", Here(1));
        }

        private ExpressionSyntax? ParseString()
        {
            var start = _position++;
            var builder = new System.Text.StringBuilder();
            while (_position < text.Length)
            {
                var c = text[_position++];
                if (c == '"')
                    return new StringSyntax(builder.ToString()) { Span = new TextSpan(start, _position - start) };
                // Entra knows two escapes, \" and \\ (spec §3.2); any other backslash is an ordinary character, which
                // is what regular expressions such as "\d" need.
                if (c == '\\' && _position < text.Length && text[_position] is '"' or '\\')
                    c = text[_position++];
                builder.Append(c);
            }
            return Fail(ErrorCodes.UnterminatedString, "This string constant has no closing '\"'; escape a quote inside it as \\\".",
                new TextSpan(start, 1));
        }

        private ExpressionSyntax? ParseAttribute()
        {
            var start = _position;
            var close = text.IndexOf(']', start + 1);
            if (close < 0)
                return Fail(ErrorCodes.UnterminatedAttribute, "This attribute reference has no closing ']'.", new TextSpan(start, 1));
            var name = text[(start + 1)..close];
            _position = close + 1;
            if (string.IsNullOrWhiteSpace(name))
                return Fail(ErrorCodes.EmptyAttributeName, "An attribute reference needs a name between the brackets, as in [mail].",
                    new TextSpan(start, _position - start));
            return new AttributeSyntax(name) { Span = new TextSpan(start, _position - start) };
        }

        private ExpressionSyntax? ParseHexadecimal()
        {
            var start = _position;
            if (_position + 1 >= text.Length || text[_position + 1] is not ('H' or 'h'))
                return Fail(ErrorCodes.UnexpectedCharacter, "'&' starts a hexadecimal constant such as &HF7; Entra has no & operator.", Here(1));
            _position += 2;
            var digits = _position;
            while (_position < text.Length && char.IsAsciiHexDigit(text[_position])) _position++;
            var span = new TextSpan(start, _position - start);
            if (_position == digits)
                return Fail(ErrorCodes.UnexpectedCharacter, "&H must be followed by hexadecimal digits, as in &HF7.", span);
            var hex = text.AsSpan(digits, _position - digits).TrimStart('0');
            if (hex.Length > 16)
                return Fail(ErrorCodes.NumberOutOfRange, "This hexadecimal constant does not fit in 64 bits.", span);
            var value = hex.Length == 0 ? 0UL : ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return new NumberSyntax(unchecked((long)value), IsHexadecimal: true) { Span = span };
        }

        private ExpressionSyntax? ParseNumber()
        {
            var start = _position;
            if (text[_position] == '-') _position++;
            while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
            var span = new TextSpan(start, _position - start);
            if (_position < text.Length && text[_position] == '.')
            {
                // A decimal constant, as in Microsoft's Len(42568.75). Values have no decimal kind, so it stands for its
                // own text, as a bare word does; functions that need a whole number refuse it when they evaluate.
                var point = _position++;
                while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
                if (_position == point + 1)
                {
                    _position = point;
                    return Fail(ErrorCodes.UnexpectedCharacter, "A decimal number needs digits after its '.', as in 1.5.", Here(1));
                }
                return new WordSyntax(text[start.._position]) { Span = new TextSpan(start, _position - start) };
            }
            if (!long.TryParse(text.AsSpan(start, _position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return Fail(ErrorCodes.NumberOutOfRange, "This number does not fit in 64 bits; write it as a string.", span);
            return new NumberSyntax(value, IsHexadecimal: false) { Span = span };
        }

        private ExpressionSyntax? ParseNameOrCall()
        {
            var start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_')) _position++;
            var name = text[start.._position];
            var afterName = _position;
            SkipWhitespace();
            if (AtEnd || text[_position] != '(')
            {
                _position = afterName;
                return new WordSyntax(name) { Span = new TextSpan(start, name.Length) };
            }

            var open = _position++;
            var arguments = new List<ExpressionSyntax>();
            SkipWhitespace();
            if (!AtEnd && text[_position] == ')')
            {
                _position++;
                return new FunctionCallSyntax(name, SyntaxList.Empty) { Span = new TextSpan(start, _position - start) };
            }
            while (true)
            {
                SkipWhitespace();
                if (AtEnd) return Unclosed(name, open);
                ExpressionSyntax? argument;
                if (text[_position] is ',' or ')')
                    argument = new OmittedSyntax { Span = new TextSpan(_position, 0) };
                else if ((argument = ParseComparable()) is null)
                    return null;
                arguments.Add(argument);
                SkipWhitespace();
                if (AtEnd) return Unclosed(name, open);
                var c = text[_position];
                if (c == ',')
                {
                    _position++;
                    continue;
                }
                if (c == ')')
                {
                    _position++;
                    return new FunctionCallSyntax(name, new SyntaxList(arguments)) { Span = new TextSpan(start, _position - start) };
                }
                return Fail(ErrorCodes.UnexpectedCharacter,
                    $"Expected ',' or ')' after argument {arguments.Count} of {name}, found {Describe(c)}.", Here(1));
            }
        }

        private ExpressionSyntax? Unclosed(string name, int open) =>
            Fail(ErrorCodes.MissingParenthesis,
                $"The '(' of {name} at character {open + 1} is never closed; add ')'.", new TextSpan(text.Length, 0));

        private static string Describe(char c) => c switch
        {
            '\n' => "a line break",
            '\t' => "a tab",
            _ when char.IsControl(c) => $"the control character U+{(int)c:X4}",
            _ => $"'{c}'",
        };
    }
}
