using System.Runtime.CompilerServices;
using IdentityBridge.Expressions.Functions;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>Turns a validated syntax tree into the nodes evaluation walks, preparing each function's constant state once.</summary>
internal static class ExpressionCompiler
{
    private static readonly FunctionImplementation SelectUniqueValue = new("SelectUniqueValue", static (call, ref _) =>
        ExpressionValue.Failure(ErrorCodes.UniquenessCheckRequired,
            "SelectUniqueValue needs the target to say which candidates are taken; evaluate it with a uniqueness check.", call.Span));

    /// <summary>The compiled tree, or null when it nests deeper than this thread's stack allows.</summary>
    public static Node? Compile(ExpressionSyntax syntax)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) return null;
        switch (syntax)
        {
            case FunctionCallSyntax call:
                var arguments = new Node[call.Arguments.Count];
                for (var i = 0; i < arguments.Length; i++)
                    if ((arguments[i] = Compile(call.Arguments[i])!) is null) return null;
                var implementation = call.Name == "SelectUniqueValue" ? SelectUniqueValue : FunctionImplementations.All[call.Name];
                var node = new FunctionNode(call.Name, arguments, call.Span) { Body = implementation.Body };
                implementation.Prepare?.Invoke(node);
                return node;
            case AttributeSyntax attribute:
                return new AttributeNode(attribute.Name, attribute.Span);
            case StringSyntax text:
                return new ConstantNode(ExpressionValue.FromString(text.Value), text.Span);
            case NumberSyntax number:
                return new ConstantNode(ExpressionValue.FromNumber(number.Value), number.Span);
            case WordSyntax word:
                return new ConstantNode(ExpressionValue.FromString(word.Name), word.Span);
            case ComparisonSyntax comparison:
                var left = Compile(comparison.Left);
                var right = Compile(comparison.Right);
                return left is null || right is null ? null : new ComparisonNode(left, comparison.Operator, right, comparison.Span);
            case OmittedSyntax omitted:
                return new OmittedNode(omitted.Span);
            default:
                throw new ArgumentOutOfRangeException(nameof(syntax), syntax.GetType().Name, "Unknown syntax node.");
        }
    }
}
