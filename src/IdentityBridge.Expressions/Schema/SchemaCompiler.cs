using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Parsing;
using IdentityBridge.Expressions.Scoping;

namespace IdentityBridge.Expressions.Schema;

/// <summary>The outcome of compiling a schema: the compiled schema when nothing is wrong, and every problem found.</summary>
public sealed record SchemaCompilation(CompiledSchema? Schema, IReadOnlyList<SchemaProblem> Problems)
{
    public bool Succeeded => Schema is not null;
}

/// <summary>
/// Checks a synchronization schema and compiles it. Every problem is reported at once, each with its JSON path:
/// an unknown target attribute, two mappings to one target, an object mapping without a matching attribute, an
/// expression that does not parse, a bad enumeration value, a scoping clause that cannot work, and the documented
/// limits of SelectUniqueValue.
/// </summary>
public static class SchemaCompiler
{
    private static readonly string[] AttributeTypes = ["Binary", "Boolean", "DateTime", "Integer", "Reference", "String"];
    private static readonly string[] Mutabilities = ["ReadWrite", "ReadOnly", "Immutable", "WriteOnly"];

    public static IReadOnlyList<SchemaProblem> Validate(SynchronizationSchema schema) => Compile(schema).Problems;

    public static SchemaCompilation Compile(SynchronizationSchema schema)
    {
        var problems = new List<SchemaProblem>();
        var mappings = new List<CompiledObjectMapping>();
        CheckDirectories(schema, problems);
        var rules = schema.SynchronizationRules ?? [];
        if (rules.Count == 0)
            problems.Add(new SchemaProblem("$.synchronizationRules", ErrorCodes.MissingProperty, "The schema has no synchronization rules, so nothing would flow."));
        for (var r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            var path = $"$.synchronizationRules[{r}]";
            if (string.IsNullOrWhiteSpace(rule.SourceDirectoryName))
                problems.Add(new SchemaProblem($"{path}.sourceDirectoryName", ErrorCodes.MissingProperty, "A rule needs the name of its source directory."));
            if (string.IsNullOrWhiteSpace(rule.TargetDirectoryName))
                problems.Add(new SchemaProblem($"{path}.targetDirectoryName", ErrorCodes.MissingProperty, "A rule needs the name of its target directory."));
            var objectMappings = rule.ObjectMappings ?? [];
            for (var o = 0; o < objectMappings.Count; o++)
                if (CompileObjectMapping(schema, rule, objectMappings[o], $"{path}.objectMappings[{o}]", problems) is { } compiled)
                    mappings.Add(compiled);
        }
        return new SchemaCompilation(problems.Count == 0 ? new CompiledSchema(schema, mappings) : null, problems);
    }

    private static CompiledObjectMapping? CompileObjectMapping(
        SynchronizationSchema schema, SynchronizationRule rule, ObjectMapping mapping, string path, List<SchemaProblem> problems)
    {
        var count = problems.Count;
        if (string.IsNullOrWhiteSpace(mapping.SourceObjectName))
            problems.Add(new SchemaProblem($"{path}.sourceObjectName", ErrorCodes.MissingProperty, "An object mapping needs its source object type (User, Group)."));
        if (string.IsNullOrWhiteSpace(mapping.TargetObjectName))
            problems.Add(new SchemaProblem($"{path}.targetObjectName", ErrorCodes.MissingProperty, "An object mapping needs its target object type (sys_user, sys_user_group)."));
        var flowTypes = ParseFlowTypes(mapping.FlowTypes);
        if (flowTypes is null)
            problems.Add(new SchemaProblem($"{path}.flowTypes", ErrorCodes.InvalidEnumerationValue,
                $"\"{mapping.FlowTypes}\" is not a set of Add, Update and Delete, such as \"Add, Update, Delete\"."));

        var sourceObject = FindObject(schema, rule.SourceDirectoryName, mapping.SourceObjectName);
        var targetObject = FindObject(schema, rule.TargetDirectoryName, mapping.TargetObjectName);
        var scope = ScopingFilter.Compile(mapping.Scope?.Groups, $"{path}.scope.groups", sourceObject);
        var input = ScopingFilter.Compile(mapping.Scope?.InputFilterGroups, $"{path}.scope.inputFilterGroups", sourceObject);
        var category = ScopingFilter.Compile(mapping.Scope?.CategoryFilterGroups, $"{path}.scope.categoryFilterGroups", sourceObject);
        problems.AddRange(scope.Problems);
        problems.AddRange(input.Problems);
        problems.AddRange(category.Problems);

        var attributeMappings = mapping.AttributeMappings ?? [];
        var compiled = new List<CompiledAttributeMapping>();
        var targets = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var priorities = new Dictionary<int, int>();
        for (var a = 0; a < attributeMappings.Count; a++)
        {
            var attributeMapping = attributeMappings[a];
            var attributePath = $"{path}.attributeMappings[{a}]";
            var target = attributeMapping.TargetAttributeName;
            if (string.IsNullOrWhiteSpace(target))
                problems.Add(new SchemaProblem($"{attributePath}.targetAttributeName", ErrorCodes.MissingProperty, "A mapping needs the target attribute it writes."));
            else
            {
                if (targets.TryGetValue(target, out var first))
                    problems.Add(new SchemaProblem($"{attributePath}.targetAttributeName", ErrorCodes.DuplicateTargetAttribute,
                        $"{target} is already the target of attributeMappings[{first}]; a target attribute takes one mapping."));
                else targets[target] = a;
                if (targetObject?.Attributes is { } known && !known.Any(d => string.Equals(d.Name, target, StringComparison.OrdinalIgnoreCase)))
                    problems.Add(new SchemaProblem($"{attributePath}.targetAttributeName", ErrorCodes.UnknownTargetAttribute,
                        $"{mapping.TargetObjectName} has no attribute {target} in {rule.TargetDirectoryName}'s definition; add it to the " +
                        "directory's attribute list or map another attribute."));
            }
            if (attributeMapping.MatchingPriority is > 0 and var priority)
            {
                if (priorities.TryGetValue(priority, out var other))
                    problems.Add(new SchemaProblem($"{attributePath}.matchingPriority", ErrorCodes.DuplicateMatchingPriority,
                        $"attributeMappings[{other}] already has matching precedence {priority}; each matching attribute needs its own."));
                else priorities[priority] = a;
            }
            if (CompileAttributeMapping(attributeMapping, attributePath, problems) is { } compiledMapping) compiled.Add(compiledMapping);
        }

        if (mapping.Enabled != false && priorities.Count == 0)
            problems.Add(new SchemaProblem($"{path}.attributeMappings", ErrorCodes.NoMatchingAttribute,
                "No attribute is marked for matching (matchingPriority above 0); Entra needs one to find existing target objects."));

        if (problems.Count > count) return null;
        return new CompiledObjectMapping
        {
            Definition = mapping,
            RuleId = rule.Id ?? "",
            SourceDirectoryName = rule.SourceDirectoryName!,
            TargetDirectoryName = rule.TargetDirectoryName!,
            SourceObjectName = mapping.SourceObjectName!,
            TargetObjectName = mapping.TargetObjectName!,
            Enabled = mapping.Enabled != false,
            FlowTypes = flowTypes!.Value,
            Scope = scope.Filter!,
            InputFilter = input.Filter!,
            AttributeMappings = compiled,
        };
    }

    private static CompiledAttributeMapping? CompileAttributeMapping(AttributeMapping mapping, string path, List<SchemaProblem> problems)
    {
        var count = problems.Count;
        var flowType = ParseEnum(mapping.FlowType, MappingFlowType.Always, $"{path}.flowType", problems);
        var flowBehavior = ParseEnum(mapping.FlowBehavior, MappingFlowBehavior.FlowWhenChanged, $"{path}.flowBehavior", problems);
        MappingExpression? expression = null;
        if (mapping.Source is { } source)
        {
            if (source.Type is not null and not (SourceTree.AttributeType or SourceTree.ConstantType or SourceTree.FunctionType))
                problems.Add(new SchemaProblem($"{path}.source.type", ErrorCodes.InvalidEnumerationValue,
                    $"A source's type is Attribute, Constant or Function, not \"{source.Type}\"."));
            else if (SourceTree.ToSyntax(source, $"{path}.source", problems) is { } syntax)
            {
                var result = string.IsNullOrWhiteSpace(source.Expression) ? MappingExpression.Compile(syntax) : MappingExpression.Compile(source.Expression);
                foreach (var error in result.Errors)
                    problems.Add(new SchemaProblem($"{path}.source", ErrorCodes.ExpressionDoesNotParse, error.Message));
                expression = result.Expression;
            }
        }
        if (expression?.SelectsUniqueValue == true)
        {
            // Microsoft: SelectUniqueValue cannot be on a matching attribute and is meant for creation only (spec §3.3).
            if (mapping.MatchingPriority > 0)
                problems.Add(new SchemaProblem($"{path}.matchingPriority", ErrorCodes.SelectUniqueValueMisused,
                    "SelectUniqueValue cannot be used on a matching attribute; match on another attribute."));
            if (flowType != MappingFlowType.ObjectAddOnly)
                problems.Add(new SchemaProblem($"{path}.flowType", ErrorCodes.SelectUniqueValueMisused,
                    "SelectUniqueValue applies only when the object is created; set flowType to ObjectAddOnly (\"Only during object creation\")."));
        }
        if (problems.Count > count) return null;
        return new CompiledAttributeMapping
        {
            Definition = mapping,
            TargetAttributeName = mapping.TargetAttributeName!,
            Expression = expression,
            DefaultValue = mapping.DefaultValue,
            MatchingPriority = mapping.MatchingPriority ?? 0,
            FlowType = flowType,
            FlowBehavior = flowBehavior,
        };
    }

    private static void CheckDirectories(SynchronizationSchema schema, List<SchemaProblem> problems)
    {
        var directories = schema.Directories ?? [];
        for (var d = 0; d < directories.Count; d++)
        {
            var objects = directories[d].Objects ?? [];
            for (var o = 0; o < objects.Count; o++)
            {
                var attributes = objects[o].Attributes ?? [];
                for (var a = 0; a < attributes.Count; a++)
                {
                    var attribute = attributes[a];
                    var path = $"$.directories[{d}].objects[{o}].attributes[{a}]";
                    if (string.IsNullOrWhiteSpace(attribute.Name))
                        problems.Add(new SchemaProblem($"{path}.name", ErrorCodes.MissingProperty, "An attribute definition needs a name."));
                    if (attribute.Type is { } type && !AttributeTypes.Contains(type))
                        problems.Add(new SchemaProblem($"{path}.type", ErrorCodes.InvalidEnumerationValue,
                            $"\"{type}\" is not an attribute type; use one of {string.Join(", ", AttributeTypes)}."));
                    if (attribute.Mutability is { } mutability && !Mutabilities.Contains(mutability))
                        problems.Add(new SchemaProblem($"{path}.mutability", ErrorCodes.InvalidEnumerationValue,
                            $"\"{mutability}\" is not a mutability; use one of {string.Join(", ", Mutabilities)}."));
                }
            }
        }
    }

    private static ObjectDefinition? FindObject(SynchronizationSchema schema, string? directoryName, string? objectName) =>
        schema.Directories?
            .FirstOrDefault(d => string.Equals(d.Name, directoryName, StringComparison.OrdinalIgnoreCase))?
            .Objects?.FirstOrDefault(o => string.Equals(o.Name, objectName, StringComparison.OrdinalIgnoreCase));

    private static TEnum ParseEnum<TEnum>(string? text, TEnum fallback, string path, List<SchemaProblem> problems) where TEnum : struct, Enum
    {
        if (text is null) return fallback;
        if (Enum.TryParse<TEnum>(text, ignoreCase: false, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0])) return value;
        problems.Add(new SchemaProblem(path, ErrorCodes.InvalidEnumerationValue,
            $"\"{text}\" is not a {typeof(TEnum).Name}; use one of {string.Join(", ", Enum.GetNames<TEnum>())}."));
        return fallback;
    }

    /// <summary>"Add, Update, Delete" in any order and spacing; absent means all three, Graph's default.</summary>
    internal static ObjectFlowTypes? ParseFlowTypes(string? text)
    {
        if (text is null) return ObjectFlowTypes.Add | ObjectFlowTypes.Update | ObjectFlowTypes.Delete;
        var flowTypes = ObjectFlowTypes.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part is not ("Add" or "Update" or "Delete") || !Enum.TryParse<ObjectFlowTypes>(part, out var flag)) return null;
            flowTypes |= flag;
        }
        return flowTypes;
    }
}
