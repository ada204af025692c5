namespace IdentityBridge.Expressions.Schema;

/// <summary>
/// One problem in a synchronization schema: where it is (a JSON path such as
/// <c>$.synchronizationRules[0].objectMappings[0].attributeMappings[3].source.expression</c>), a stable code and what
/// to do about it.
/// </summary>
public sealed record SchemaProblem(string Path, string Code, string Message)
{
    public override string ToString() => $"{Path}: {Code} {Message}";
}
