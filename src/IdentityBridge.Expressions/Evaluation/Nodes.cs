using System.Runtime.CompilerServices;
using IdentityBridge.Expressions.Parsing;

namespace IdentityBridge.Expressions.Evaluation;

/// <summary>
/// The state of one evaluation, passed by reference through the compiled tree so that an evaluation allocates
/// nothing of its own: the source object, the context, and the directives functions leave for the engine.
/// </summary>
internal struct EvaluationFrame(IAttributeSource source, EvaluationContext context)
{
    public readonly IAttributeSource Source = source;
    public readonly EvaluationContext Context = context;

    /// <summary>Set by Redact: provisioning logs show <c>[Redact]</c> instead of the value.</summary>
    public bool Redacted;

    /// <summary>Set by IgnoreFlowIfNullOrEmpty when its value was null or empty: the attribute leaves the flow.</summary>
    public bool IgnoreFlow;

    /// <summary>Set by AssertiveAppRoleAssignmentsComplex: the values replace the target's instead of adding to them.</summary>
    public bool ReplaceValues;
}

/// <summary>
/// A node of a compiled expression. Compiling turns the syntax tree into these once; evaluating walks them with
/// virtual calls, reading attributes straight from the source and constants from fields.
/// </summary>
internal abstract class Node(TextSpan span)
{
    public TextSpan Span { get; } = span;

    public abstract ExpressionValue Evaluate(ref EvaluationFrame frame);

    public virtual bool IsOmitted => false;

    /// <summary>The value of a constant node; only meaningful when <see cref="IsConstant"/>.</summary>
    public virtual bool IsConstant => false;

    public virtual ExpressionValue ConstantValue => ExpressionValue.Null;
}

internal sealed class ConstantNode(ExpressionValue value, TextSpan span) : Node(span)
{
    public override ExpressionValue Evaluate(ref EvaluationFrame frame) => value;

    public override bool IsConstant => true;

    public override ExpressionValue ConstantValue => value;
}

internal sealed class AttributeNode(string name, TextSpan span) : Node(span)
{
    public string Name { get; } = name;

    public override ExpressionValue Evaluate(ref EvaluationFrame frame) => frame.Source.GetValue(Name);
}

/// <summary>An omitted optional argument; functions ask <see cref="Node.IsOmitted"/> to tell it from a null value.</summary>
internal sealed class OmittedNode(TextSpan span) : Node(span)
{
    public override ExpressionValue Evaluate(ref EvaluationFrame frame) => ExpressionValue.Null;

    public override bool IsOmitted => true;
}

internal delegate ExpressionValue FunctionBody(FunctionNode call, ref EvaluationFrame frame);

/// <summary>A call of a function of spec §3.3, with its arguments compiled and any state prepared at compile time.</summary>
internal sealed class FunctionNode(string name, Node[] arguments, TextSpan span) : Node(span)
{
    public string Name { get; } = name;

    public Node[] Arguments { get; } = arguments;

    public FunctionBody Body { get; set; } = null!;

    /// <summary>What the function prepared once for all evaluations, e.g. a compiled regular expression.</summary>
    public object? State { get; set; }

    public override ExpressionValue Evaluate(ref EvaluationFrame frame)
    {
        // Compilation already checked the depth; a thread with a smaller stack must still get an error, not a crash.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            return ExpressionValue.Failure(ErrorCodes.NestingTooDeep, "The expression nests too deeply to be evaluated on this thread.", Span);
        return Body(this, ref frame);
    }

    public ExpressionValue Argument(int index, ref EvaluationFrame frame) =>
        index < Arguments.Length ? Arguments[index].Evaluate(ref frame) : ExpressionValue.Null;

    public bool Has(int index) => index < Arguments.Length && !Arguments[index].IsOmitted;

    public TextSpan SpanOf(int index) => index < Arguments.Length ? Arguments[index].Span : Span;
}
