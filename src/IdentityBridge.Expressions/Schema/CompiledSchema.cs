using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Scoping;

namespace IdentityBridge.Expressions.Schema;

/// <summary>Graph's <c>attributeMappingFlowType</c> (spec §3.1): when a mapping applies.</summary>
public enum MappingFlowType
{
    Always,
    ObjectAddOnly,
    MultiValueAddOnly,
    ValueAddOnly,
    AttributeAddOnly,
}

/// <summary>Graph's <c>attributeFlowBehavior</c>: send only changed values (default) or always.</summary>
public enum MappingFlowBehavior
{
    FlowWhenChanged,
    FlowAlways,
}

/// <summary>Graph's <c>objectFlowTypes</c>: which target actions an object mapping may take.</summary>
[Flags]
public enum ObjectFlowTypes
{
    None = 0,
    Add = 1,
    Update = 2,
    Delete = 4,
}

/// <summary>A synchronization schema made ready for the engine: every expression and scoping filter compiled.</summary>
public sealed record CompiledSchema(SynchronizationSchema Definition, IReadOnlyList<CompiledObjectMapping> ObjectMappings)
{
    /// <summary>The enabled mapping from a source object type (User, Group), or null.</summary>
    public CompiledObjectMapping? For(string sourceObjectName) =>
        ObjectMappings.FirstOrDefault(m => m.Enabled && string.Equals(m.SourceObjectName, sourceObjectName, StringComparison.OrdinalIgnoreCase));
}

public sealed record CompiledObjectMapping
{
    public required ObjectMapping Definition { get; init; }

    public required string RuleId { get; init; }

    public required string SourceDirectoryName { get; init; }

    public required string TargetDirectoryName { get; init; }

    public required string SourceObjectName { get; init; }

    public required string TargetObjectName { get; init; }

    public required bool Enabled { get; init; }

    public required ObjectFlowTypes FlowTypes { get; init; }

    /// <summary>The scoping filters (<c>scope.groups</c>): leaving them deprovisions.</summary>
    public required ScopingFilter Scope { get; init; }

    /// <summary>The early filters (<c>scope.inputFilterGroups</c>): leaving them does not deprovision.</summary>
    public required ScopingFilter InputFilter { get; init; }

    public required IReadOnlyList<CompiledAttributeMapping> AttributeMappings { get; init; }

    /// <summary>The matching attributes in the order they are tried: lowest matchingPriority first (spec §2.4).</summary>
    public IReadOnlyList<CompiledAttributeMapping> MatchingAttributes =>
        AttributeMappings.Where(m => m.MatchingPriority > 0).OrderBy(m => m.MatchingPriority).ToArray();
}

public sealed record CompiledAttributeMapping
{
    public required AttributeMapping Definition { get; init; }

    public required string TargetAttributeName { get; init; }

    /// <summary>The compiled source; null for a mapping of type None, which only supplies a default value.</summary>
    public required MappingExpression? Expression { get; init; }

    public string? DefaultValue { get; init; }

    public int MatchingPriority { get; init; }

    public MappingFlowType FlowType { get; init; }

    public MappingFlowBehavior FlowBehavior { get; init; }
}
