using System.Collections.Frozen;
using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// How a function evaluates, and what it can prepare once at compile time (a constant regular expression, a
/// constant culture, the keys of a Switch).
/// </summary>
internal sealed record FunctionImplementation(string Name, FunctionBody Body, Action<FunctionNode>? Prepare = null);

internal static class FunctionImplementations
{
    public static FrozenDictionary<string, FunctionImplementation> All { get; } =
        TextFunctions.All
            .Concat(LogicFunctions.All)
            .Concat(DateFunctions.All)
            .Concat(MultiValueFunctions.All)
            .Concat(ReplaceFunction.All)
            .Concat(GeneratorFunctions.All)
            .Concat(AppRoleFunctions.All)
            .ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
}
