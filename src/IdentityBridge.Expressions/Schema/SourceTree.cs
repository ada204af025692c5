using System.Globalization;
using IdentityBridge.Expressions.Functions;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Schema;

/// <summary>
/// Converts between expression trees and Graph's <c>attributeMappingSource</c> trees. Function arguments become
/// parameters keyed by the parameter names of Microsoft's reference (<see cref="FunctionCatalog"/>); an omitted
/// argument is left out, except in a repeating position (Switch's keys and values, Join's and Coalesce's sources),
/// where a parameter with a null value keeps the later arguments in place.
/// UNCONFIRMED: how Entra itself encodes comparisons in a tree; here <c>[a] = "x"</c> is a Function node named
/// after the operator with parameters <c>left</c> and <c>right</c>. Every node also carries its text in
/// <c>expression</c>, and on reading that text is preferred, so the encoding matters only for trees without text.
/// </summary>
public static class SourceTree
{
    public const string AttributeType = "Attribute";
    public const string ConstantType = "Constant";
    public const string FunctionType = "Function";

    public static AttributeMappingSource FromSyntax(ExpressionSyntax syntax) => syntax switch
    {
        AttributeSyntax attribute => Leaf(syntax, attribute.Name, AttributeType),
        StringSyntax text => Leaf(syntax, text.Value, ConstantType),
        NumberSyntax number => Leaf(syntax, number.Value.ToString(CultureInfo.InvariantCulture), ConstantType),
        WordSyntax word => Leaf(syntax, word.Name, ConstantType),
        ComparisonSyntax comparison => new AttributeMappingSource
        {
            Expression = ExpressionPrinter.Print(syntax),
            Name = ExpressionPrinter.Symbol(comparison.Operator),
            Type = FunctionType,
            Parameters =
            [
                new AttributeMappingParameter { Key = "left", Value = FromSyntax(comparison.Left) },
                new AttributeMappingParameter { Key = "right", Value = FromSyntax(comparison.Right) },
            ],
        },
        FunctionCallSyntax call => new AttributeMappingSource
        {
            Expression = ExpressionPrinter.Print(syntax),
            Name = call.Name,
            Type = FunctionType,
            Parameters = Parameters(call),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax.GetType().Name, "An omitted argument has no source of its own."),
    };

    private static AttributeMappingSource Leaf(ExpressionSyntax syntax, string name, string type) => new()
    {
        Expression = ExpressionPrinter.Print(syntax),
        Name = name,
        Type = type,
        Parameters = [],
    };

    private static List<AttributeMappingParameter> Parameters(FunctionCallSyntax call)
    {
        var signature = FunctionCatalog.Find(call.Name);
        var parameters = new List<AttributeMappingParameter>();
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var parameter = signature?.ParameterAt(i, call.Arguments.Count);
            var key = parameter?.Name ?? $"argument{i + 1}";
            if (call.Arguments[i] is OmittedSyntax)
            {
                if (parameter?.AllowMultipleOccurrences == true) parameters.Add(new AttributeMappingParameter { Key = key });
                continue;
            }
            parameters.Add(new AttributeMappingParameter { Key = key, Value = FromSyntax(call.Arguments[i]) });
        }
        return parameters;
    }

    /// <summary>
    /// The expression a source stands for: its <c>expression</c> text when it has one (what Entra's portal shows and
    /// edits), else its tree. Problems are added with paths below <paramref name="path"/>.
    /// </summary>
    public static ExpressionSyntax? ToSyntax(AttributeMappingSource source, string path, ICollection<SchemaProblem> problems)
    {
        if (!string.IsNullOrWhiteSpace(source.Expression))
        {
            var parsed = ExpressionParser.Parse(source.Expression);
            foreach (var error in parsed.Errors)
                problems.Add(new SchemaProblem($"{path}.expression", ErrorCodes.ExpressionDoesNotParse,
                    $"{error.Code} at character {error.Span.Start + 1} of \"{source.Expression}\": {error.Message}"));
            return parsed.Succeeded ? parsed.Syntax : null;
        }
        var syntax = FromTree(source, path, problems);
        if (syntax is null) return null;
        var errors = SyntaxValidator.Validate(syntax);
        foreach (var error in errors)
            problems.Add(new SchemaProblem(path, ErrorCodes.ExpressionDoesNotParse, $"{error.Code} in \"{syntax}\": {error.Message}"));
        return errors.Count == 0 ? syntax : null;
    }

    private static ExpressionSyntax? FromTree(AttributeMappingSource source, string path, ICollection<SchemaProblem> problems)
    {
        switch (source.Type)
        {
            case AttributeType when !string.IsNullOrWhiteSpace(source.Name):
                return new AttributeSyntax(source.Name);
            case AttributeType:
                problems.Add(new SchemaProblem($"{path}.name", ErrorCodes.MissingProperty, "An Attribute source needs the attribute's name."));
                return null;
            case ConstantType:
                return new StringSyntax(source.Name ?? "");
            case FunctionType when string.IsNullOrWhiteSpace(source.Name):
                problems.Add(new SchemaProblem($"{path}.name", ErrorCodes.MissingProperty, "A Function source needs the function's name."));
                return null;
            case FunctionType:
                return Comparison(source.Name!) is { } op ? FromComparison(source, op, path, problems) : FromCall(source, path, problems);
            default:
                problems.Add(new SchemaProblem($"{path}.type", source.Type is null ? ErrorCodes.MissingProperty : ErrorCodes.InvalidEnumerationValue,
                    $"A source's type is Attribute, Constant or Function{(source.Type is null ? "" : $", not \"{source.Type}\"")}."));
                return null;
        }
    }

    private static ExpressionSyntax? FromComparison(AttributeMappingSource source, ComparisonOperator op, string path, ICollection<SchemaProblem> problems)
    {
        var parameters = source.Parameters ?? [];
        ExpressionSyntax? Side(string key)
        {
            var index = parameters.ToList().FindIndex(p => p.Key == key);
            if (index >= 0 && parameters[index].Value is { } value) return FromTree(value, $"{path}.parameters[{index}].value", problems);
            problems.Add(new SchemaProblem($"{path}.parameters", ErrorCodes.MissingProperty, $"The comparison {source.Name} needs a '{key}' parameter."));
            return null;
        }
        var left = Side("left");
        var right = Side("right");
        return left is null || right is null ? null : new ComparisonSyntax(left, op, right);
    }

    private static ExpressionSyntax? FromCall(AttributeMappingSource source, string path, ICollection<SchemaProblem> problems)
    {
        var parameters = source.Parameters ?? [];
        var signature = FunctionCatalog.Find(source.Name!);
        var layout = signature?.Parameters ?? [];
        var fixedCount = layout.Count(p => !p.AllowMultipleOccurrences);
        var placed = new SortedDictionary<int, ExpressionSyntax>();
        var repeating = new List<ExpressionSyntax>();
        var ok = true;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            ExpressionSyntax argument = new OmittedSyntax();
            if (parameter.Value is { } value)
            {
                if (FromTree(value, $"{path}.parameters[{i}].value", problems) is { } converted) argument = converted;
                else ok = false;
            }
            var position = -1;
            for (var p = 0; p < fixedCount; p++)
                if (string.Equals(layout[p].Name, parameter.Key, StringComparison.OrdinalIgnoreCase)) position = p;
            if (position >= 0 && !placed.ContainsKey(position)) placed[position] = argument;
            else if (signature is null || layout.Any(p => p.AllowMultipleOccurrences)) repeating.Add(argument);
            else
            {
                problems.Add(new SchemaProblem($"{path}.parameters[{i}].key", ErrorCodes.InvalidSourceTree,
                    $"{source.Name} has no parameter \"{parameter.Key}\"; its parameters are {string.Join(", ", layout.Select(p => p.Name))}."));
                ok = false;
            }
        }
        if (!ok) return null;

        var arguments = new List<ExpressionSyntax>();
        // Up to the last argument given, but never fewer than the function needs (Switch([x], ) keeps its empty default).
        var fixedEnd = repeating.Count > 0 ? fixedCount : Math.Max(placed.Count == 0 ? 0 : placed.Keys.Max() + 1, signature?.MinimumArguments ?? 0);
        for (var p = 0; p < fixedEnd; p++) arguments.Add(placed.GetValueOrDefault(p) ?? new OmittedSyntax());
        arguments.AddRange(repeating);
        return new FunctionCallSyntax(source.Name!, new SyntaxList(arguments));
    }

    private static ComparisonOperator? Comparison(string name) => name switch
    {
        "=" => ComparisonOperator.Equal,
        "<>" => ComparisonOperator.NotEqual,
        ">" => ComparisonOperator.GreaterThan,
        ">=" => ComparisonOperator.GreaterThanOrEqual,
        "<" => ComparisonOperator.LessThan,
        "<=" => ComparisonOperator.LessThanOrEqual,
        _ => null,
    };
}
