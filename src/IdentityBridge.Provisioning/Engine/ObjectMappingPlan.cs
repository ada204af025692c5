using IdentityBridge.Expressions.Schema;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>How a target attribute takes its value.</summary>
internal enum TargetAttributeKind
{
    /// <summary>A plain value, sent as text.</summary>
    Value,

    /// <summary>A boolean; compared as a boolean, whatever spelling each side uses.</summary>
    Boolean,

    /// <summary>A reference resolved by the display value in another table (department, location, company; spec 1.8).</summary>
    Lookup,

    /// <summary>A reference to another object this job provisions (manager): the linked record's sys_id.</summary>
    Link,

    /// <summary>A group's members: written as sys_user_grmember records, not as a field.</summary>
    Members,
}

/// <summary>One attribute mapping with what the engine needs to know about its target.</summary>
internal sealed record TargetAttribute(
    CompiledAttributeMapping Mapping,
    TargetAttributeKind Kind,
    bool CaseExact,
    string? LookupTable = null,
    string? LookupField = null)
{
    public string Name => Mapping.TargetAttributeName;
}

/// <summary>
/// An object mapping (users to sys_user, groups to sys_user_group) made ready for cycles: the source attributes
/// to read, the target fields to read back, the matching attributes in precedence order and the kind of every
/// target attribute, taken from the target directory's definition in the schema when it has one.
/// </summary>
internal sealed class ObjectMappingPlan
{
    public ObjectMappingPlan(CompiledSchema schema, CompiledObjectMapping mapping, SourceObjectType type)
    {
        Mapping = mapping;
        Type = type;
        TargetTable = mapping.TargetObjectName;
        var definition = schema.Definition.Directories?
            .FirstOrDefault(d => string.Equals(d.Name, mapping.TargetDirectoryName, StringComparison.OrdinalIgnoreCase))?
            .Objects?.FirstOrDefault(o => string.Equals(o.Name, mapping.TargetObjectName, StringComparison.OrdinalIgnoreCase));
        var attributes = new List<TargetAttribute>();
        foreach (var attribute in mapping.AttributeMappings)
        {
            var target = definition?.Attributes?.FirstOrDefault(a => string.Equals(a.Name, attribute.TargetAttributeName, StringComparison.OrdinalIgnoreCase));
            attributes.Add(Classify(attribute, target, type));
        }
        Attributes = attributes;
        Matching = attributes.Where(a => a.Mapping.MatchingPriority > 0).OrderBy(a => a.Mapping.MatchingPriority).ToList();
        var source = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var attribute in mapping.AttributeMappings)
            if (attribute.Expression is { } expression)
                foreach (var name in expression.Attributes) source.Add(name);
        foreach (var name in mapping.Scope.Attributes.Concat(mapping.InputFilter.Attributes)) source.Add(name);
        source.Remove("IsSoftDeleted");
        source.Remove("appRoleAssignments");
        source.Remove("members");
        SourceAttributes = source;
        UsesAppRoleAssignments = mapping.AttributeMappings.Any(a => a.Expression?.Attributes.Contains("appRoleAssignments", StringComparer.OrdinalIgnoreCase) == true);
        var fields = new HashSet<string>(StringComparer.Ordinal) { "sys_id" };
        foreach (var attribute in attributes.Where(a => a.Kind != TargetAttributeKind.Members)) fields.Add(attribute.Name);
        if (WritesActive) fields.Add("locked_out");
        TargetFields = fields;
    }

    public CompiledObjectMapping Mapping { get; }
    public SourceObjectType Type { get; }
    public string TargetTable { get; }
    public IReadOnlyList<TargetAttribute> Attributes { get; }
    public IReadOnlyList<TargetAttribute> Matching { get; }
    public IReadOnlySet<string> SourceAttributes { get; }
    public IReadOnlySet<string> TargetFields { get; }
    public bool UsesAppRoleAssignments { get; }

    public bool CanAdd => Mapping.FlowTypes.HasFlag(ObjectFlowTypes.Add);
    public bool CanUpdate => Mapping.FlowTypes.HasFlag(ObjectFlowTypes.Update);
    public bool CanDelete => Mapping.FlowTypes.HasFlag(ObjectFlowTypes.Delete);

    /// <summary>The mapping that provisions members, when groups carry them.</summary>
    public TargetAttribute? Members => Attributes.FirstOrDefault(a => a.Kind == TargetAttributeKind.Members);

    /// <summary>
    /// Whether the mapping writes ServiceNow's <c>active</c>: the connector then keeps <c>locked_out</c> in step
    /// (spec 1.4), as Entra's does even though no mapping names it.
    /// </summary>
    public bool WritesActive => TargetTable.Equals("sys_user", StringComparison.OrdinalIgnoreCase) &&
                                Attributes.Any(a => a.Name.Equals("active", StringComparison.OrdinalIgnoreCase));

    private static TargetAttribute Classify(CompiledAttributeMapping mapping, AttributeDefinition? target, SourceObjectType type)
    {
        var caseExact = target?.CaseExact ?? false;
        var name = mapping.TargetAttributeName;
        if (type == SourceObjectType.Group && name.Equals("members", StringComparison.OrdinalIgnoreCase))
            return new TargetAttribute(mapping, TargetAttributeKind.Members, caseExact);
        if (string.Equals(target?.Type, "Reference", StringComparison.OrdinalIgnoreCase) && target!.ReferencedObjects is { Count: > 0 } referenced)
        {
            var reference = referenced[0];
            if (string.IsNullOrEmpty(reference.ReferencedProperty) ||
                reference.ReferencedProperty.Equals("None", StringComparison.OrdinalIgnoreCase) ||
                reference.ReferencedProperty.Equals("sys_id", StringComparison.OrdinalIgnoreCase))
                return new TargetAttribute(mapping, TargetAttributeKind.Link, caseExact);
            return new TargetAttribute(mapping, TargetAttributeKind.Lookup, caseExact, reference.ReferencedObjectName, reference.ReferencedProperty);
        }
        if (string.Equals(target?.Type, "Boolean", StringComparison.OrdinalIgnoreCase) ||
            (target is null && name.Equals("active", StringComparison.OrdinalIgnoreCase)))
            return new TargetAttribute(mapping, TargetAttributeKind.Boolean, caseExact);
        // Without a target definition, a mapping whose source is the manager reference still links.
        if (target is null && mapping.Expression?.Text.Trim().Equals("[manager]", StringComparison.OrdinalIgnoreCase) == true)
            return new TargetAttribute(mapping, TargetAttributeKind.Link, caseExact);
        return new TargetAttribute(mapping, TargetAttributeKind.Value, caseExact);
    }
}
