using System.Runtime.CompilerServices;
using IdentityBridge.Expressions.Functions;

namespace IdentityBridge.Expressions.Parsing;

/// <summary>
/// The rules a well-formed tree must follow beyond its syntax, checked on parsed text and on trees read from Graph
/// alike: known, case-sensitive function names, argument counts, required arguments, comparisons only where Entra
/// allows them (spec §3.2), SelectUniqueValue only at the top (spec §3.3) and a usable Replace mode. Every problem is
/// reported, in the order of the text.
/// </summary>
internal static class SyntaxValidator
{
    public static IReadOnlyList<ExpressionError> Validate(ExpressionSyntax root)
    {
        var errors = new List<ExpressionError>();
        Visit(root, parent: null, index: 0, isRoot: true, errors);
        return errors;
    }

    private static void Visit(ExpressionSyntax node, FunctionCallSyntax? parent, int index, bool isRoot, List<ExpressionError> errors)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            errors.Add(new ExpressionError(ErrorCodes.NestingTooDeep, "The expression nests too deeply to be checked here.", node.Span));
            return;
        }
        switch (node)
        {
            case ComparisonSyntax comparison:
                // Under an unknown function (iif for IIF) the unknown name is the error; the comparison is not a second one.
                var parentKnown = parent is null || FunctionCatalog.Find(parent.Name) is not null;
                if (parentKnown && (parent is null || index != 0 || parent.Name is not ("IIF" or "CBool")))
                    errors.Add(new ExpressionError(ErrorCodes.ComparisonNotAllowed,
                        $"The comparison operator '{ExpressionPrinter.Symbol(comparison.Operator)}' is allowed only in the condition of IIF " +
                        "and in CBool; wrap it, as in IIF([a] = \"x\", \"yes\", \"no\").", comparison.Span));
                Visit(comparison.Left, null, 0, false, errors);
                Visit(comparison.Right, null, 0, false, errors);
                break;
            case WordSyntax word when FunctionCatalog.Find(word.Name) is not null:
                errors.Add(new ExpressionError(ErrorCodes.FunctionWithoutParentheses,
                    $"{word.Name} is a function; call it with parentheses, as in {word.Name}(…).", word.Span));
                break;
            case FunctionCallSyntax call:
                CheckCall(call, isRoot, errors);
                for (var i = 0; i < call.Arguments.Count; i++) Visit(call.Arguments[i], call, i, false, errors);
                break;
        }
    }

    private static void CheckCall(FunctionCallSyntax call, bool isRoot, List<ExpressionError> errors)
    {
        var nameSpan = call.Span with { Length = call.Span.Length == 0 ? 0 : call.Name.Length };
        if (FunctionCatalog.Find(call.Name) is not { } signature)
        {
            var hint = FunctionCatalog.SuggestionFor(call.Name) is { } suggestion
                ? $" Did you mean {suggestion}? Function names are case-sensitive."
                : $" It is not one of the {FunctionCatalog.Functions.Count} functions of Entra's expression language.";
            errors.Add(new ExpressionError(ErrorCodes.UnknownFunction, $"Unknown function {call.Name}.{hint}", nameSpan));
            return;
        }

        var count = call.Arguments.Count;
        if (count < signature.MinimumArguments || count > signature.MaximumArguments || (signature.EvenArgumentCount && count % 2 != 0))
        {
            errors.Add(new ExpressionError(ErrorCodes.WrongArgumentCount, ArityMessage(signature, count), call.Span));
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var parameter = signature.ParameterAt(i, count);
            if (call.Arguments[i] is OmittedSyntax omitted && parameter.Required)
                errors.Add(new ExpressionError(ErrorCodes.MissingArgument,
                    $"Argument {i + 1} of {call.Name} ({parameter.Name}) is required and cannot be left empty.", omitted.Span));
        }

        if (call.Name == "SelectUniqueValue" && !isRoot)
            errors.Add(new ExpressionError(ErrorCodes.NestedSelectUniqueValue,
                "SelectUniqueValue must be the whole expression; Entra does not allow it inside another function.", nameSpan));

        if (call.Name == "Replace" && ReplaceModeProblem(call) is { } problem)
            errors.Add(new ExpressionError(ErrorCodes.InvalidArgumentCombination, problem, call.Span));
    }

    private static string ArityMessage(FunctionSignature signature, int count)
    {
        var names = string.Join(", ", signature.Parameters.Select(p => p.AllowMultipleOccurrences ? p.Name + "…" : p.Name));
        var expected = signature switch
        {
            { EvenArgumentCount: true } => $"an even number of arguments, at least {signature.MinimumArguments}, keys and values in pairs",
            { MaximumArguments: int.MaxValue } => $"at least {signature.MinimumArguments} arguments",
            { ShortForm: { } shortForm } => $"{shortForm.Count} or {signature.MaximumArguments} arguments",
            _ when signature.MinimumArguments == signature.MaximumArguments =>
                $"{signature.MaximumArguments} argument{(signature.MaximumArguments == 1 ? "" : "s")}",
            _ => $"{signature.MinimumArguments} to {signature.MaximumArguments} arguments",
        };
        return $"{signature.Name}({names}) takes {expected}; this call has {count}.";
    }

    /// <summary>
    /// Replace works in one of five modes chosen by which parameters are given (spec §3.3); a call that gives none of
    /// the combinations would silently do nothing in Entra, so it is refused here.
    /// </summary>
    internal static string? ReplaceModeProblem(FunctionCallSyntax call)
    {
        bool Given(int i) => i < call.Arguments.Count && call.Arguments[i] is not OmittedSyntax;
        bool oldValue = Given(1), regexPattern = Given(2), regexGroupName = Given(3), replacementValue = Given(4),
            replacementAttribute = Given(5), template = Given(6);
        if (regexPattern)
        {
            if (replacementValue || (regexGroupName && replacementAttribute)) return null;
            return "Replace with a regexPattern also needs a replacementValue, or a regexGroupName with a replacementAttributeName.";
        }
        if (oldValue)
        {
            if (replacementValue || template) return null;
            return "Replace with an oldValue also needs a replacementValue, or a template to put the source into.";
        }
        return "Replace needs an oldValue (literal or template replacement) or a regexPattern (regular-expression replacement).";
    }
}
