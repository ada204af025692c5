using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdentityBridge.Expressions.Schema;

// Microsoft Graph's synchronization schema (spec §5.4), as GET /servicePrincipals/{id}/synchronization/jobs/{id}/schema
// returns it. Every type keeps the properties it does not model in AdditionalProperties, so that a schema exported
// from a real tenant is written back with nothing lost; enumerations stay strings for the same reason and are
// checked by SchemaCompiler, which can then report every bad value at once.

/// <summary><c>synchronizationSchema</c>: the rules (what flows where) and the directories (what the objects look like).</summary>
public sealed record SynchronizationSchema
{
    public string? Id { get; init; }

    public string? Version { get; init; }

    public IReadOnlyList<SynchronizationRule>? SynchronizationRules { get; init; }

    public IReadOnlyList<DirectoryDefinition>? Directories { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>synchronizationRule</c>: one direction of sync between two directories.</summary>
public sealed record SynchronizationRule
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public bool? Editable { get; init; }

    public int? Priority { get; init; }

    public string? SourceDirectoryName { get; init; }

    public string? TargetDirectoryName { get; init; }

    public IReadOnlyList<MetadataEntry>? Metadata { get; init; }

    public IReadOnlyList<ObjectMapping>? ObjectMappings { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>objectMapping</c>: how objects of one type (User, Group) become objects of a target type (sys_user).</summary>
public sealed record ObjectMapping
{
    public string? Name { get; init; }

    public bool? Enabled { get; init; }

    /// <summary>A comma-separated set of Add, Update and Delete (Graph's <c>objectFlowTypes</c>); absent means all three.</summary>
    public string? FlowTypes { get; init; }

    public string? SourceObjectName { get; init; }

    public string? TargetObjectName { get; init; }

    public Filter? Scope { get; init; }

    public IReadOnlyList<AttributeMapping>? AttributeMappings { get; init; }

    public IReadOnlyList<MetadataEntry>? Metadata { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>attributeMapping</c>: one target attribute and where its value comes from (spec §3.1).</summary>
public sealed record AttributeMapping
{
    public string? TargetAttributeName { get; init; }

    /// <summary>The expression tree; absent for a mapping of type None (only a default value).</summary>
    public AttributeMappingSource? Source { get; init; }

    /// <summary>Applied only when the object is created and the source gives no value (spec §3.1).</summary>
    public string? DefaultValue { get; init; }

    /// <summary>Above 0 makes this a matching attribute; the lowest number is tried first (spec §2.4).</summary>
    public int? MatchingPriority { get; init; }

    /// <summary>Always (default), ObjectAddOnly, MultiValueAddOnly, ValueAddOnly or AttributeAddOnly.</summary>
    public string? FlowType { get; init; }

    /// <summary>FlowWhenChanged (default) or FlowAlways.</summary>
    public string? FlowBehavior { get; init; }

    public bool? ExportMissingReferences { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary>
/// <c>attributeMappingSource</c>: an expression as a tree. <c>type</c> is Attribute (<c>name</c> is the attribute),
/// Constant (<c>name</c> is the value) or Function (<c>name</c> is the function, <c>parameters</c> its arguments
/// keyed by parameter name); <c>expression</c> is the same node as text.
/// </summary>
public sealed record AttributeMappingSource
{
    public string? Expression { get; init; }

    public string? Name { get; init; }

    public string? Type { get; init; }

    public IReadOnlyList<AttributeMappingParameter>? Parameters { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary>Graph's <c>stringKeyAttributeMappingSourceValuePair</c>: one argument of a function node.</summary>
public sealed record AttributeMappingParameter
{
    public string? Key { get; init; }

    public AttributeMappingSource? Value { get; init; }
}

/// <summary>
/// <c>filter</c>: an object mapping's scope (spec §4). <c>groups</c> are the scoping filters (leaving them
/// deprovisions); <c>inputFilterGroups</c> filter early and never deprovision; <c>categoryFilterGroups</c> are
/// experimental.
/// </summary>
public sealed record Filter
{
    public IReadOnlyList<FilterGroup>? Groups { get; init; }

    public IReadOnlyList<FilterGroup>? InputFilterGroups { get; init; }

    public IReadOnlyList<FilterGroup>? CategoryFilterGroups { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>filterGroup</c>: one scoping filter, whose clauses must all hold.</summary>
public sealed record FilterGroup
{
    public string? Name { get; init; }

    public IReadOnlyList<FilterClause>? Clauses { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>filterClause</c>: <c>sourceOperandName operatorName targetOperand.values</c>.</summary>
public sealed record FilterClause
{
    public string? OperatorName { get; init; }

    public string? SourceOperandName { get; init; }

    public FilterOperand? TargetOperand { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

public sealed record FilterOperand
{
    public IReadOnlyList<string>? Values { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>directoryDefinition</c>: a directory (Azure Active Directory, ServiceNow) and its object types.</summary>
public sealed record DirectoryDefinition
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Version { get; init; }

    public bool? ReadOnly { get; init; }

    public IReadOnlyList<ObjectDefinition>? Objects { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>objectDefinition</c>: an object type (User, sys_user) and its attributes.</summary>
public sealed record ObjectDefinition
{
    public string? Name { get; init; }

    public IReadOnlyList<AttributeDefinition>? Attributes { get; init; }

    public IReadOnlyList<MetadataEntry>? Metadata { get; init; }

    public IReadOnlyList<string>? SupportedApis { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>attributeDefinition</c> (spec §3.1): an attribute's type and rules.</summary>
public sealed record AttributeDefinition
{
    public string? Name { get; init; }

    /// <summary>Binary, Boolean, DateTime, Integer, Reference or String.</summary>
    public string? Type { get; init; }

    public bool? Anchor { get; init; }

    public bool? CaseExact { get; init; }

    public string? DefaultValue { get; init; }

    public bool? FlowNullValues { get; init; }

    public bool? Multivalued { get; init; }

    /// <summary>ReadWrite, ReadOnly, Immutable or WriteOnly.</summary>
    public string? Mutability { get; init; }

    public bool? Required { get; init; }

    public IReadOnlyList<ReferencedObject>? ReferencedObjects { get; init; }

    public IReadOnlyList<MetadataEntry>? Metadata { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary><c>referencedObject</c>: what a reference attribute points at, e.g. <c>cmn_department</c> by <c>name</c>.</summary>
public sealed record ReferencedObject
{
    public string? ReferencedObjectName { get; init; }

    public string? ReferencedProperty { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}

/// <summary>Graph's key/value metadata entries (<c>metadataEntry</c>, <c>stringKeyStringValuePair</c>).</summary>
public sealed record MetadataEntry
{
    public string? Key { get; init; }

    public string? Value { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; init; }
}
