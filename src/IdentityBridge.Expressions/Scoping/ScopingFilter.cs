using System.Globalization;
using System.Text.RegularExpressions;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Expressions.Scoping;

/// <summary>The outcome of compiling scoping filters: the filter, or every problem with its path.</summary>
public sealed record ScopingFilterCompilation(ScopingFilter? Filter, IReadOnlyList<SchemaProblem> Problems)
{
    public bool Succeeded => Filter is not null;
}

/// <summary>
/// An object mapping's scoping filters, compiled (spec §4): an object is in scope when any filter passes, and a
/// filter passes when all its clauses do; with no filters every object is in scope. A null or empty value fails
/// every clause except IS NULL, and multi-valued attributes fail every clause, as Entra does not support them.
/// </summary>
public sealed class ScopingFilter
{
    private readonly CompiledGroup[] _groups;

    private ScopingFilter(CompiledGroup[] groups) => _groups = groups;

    /// <summary>No filters: every object is in scope.</summary>
    public static ScopingFilter Everyone { get; } = new([]);

    public int FilterCount => _groups.Length;

    /// <summary>The source attributes the clauses read, each once: what the engine must fetch to evaluate scope.</summary>
    public IReadOnlyList<string> Attributes =>
        _groups.SelectMany(g => g.Clauses).Select(c => c.Attribute).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>
    /// Attributes Microsoft documents as unsupported in scoping filters (spec §4): group membership, app role
    /// assignments, userType and manager.
    /// </summary>
    public static readonly IReadOnlySet<string> UnsupportedAttributes =
        new HashSet<string>(["IsMemberOf", "members", "appRoleAssignments", "userType", "manager"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Compiles filter groups. <paramref name="sourceObject"/>, when given, lets multi-valued and date attributes be
    /// refused, since Entra does not support them in scoping filters.
    /// </summary>
    public static ScopingFilterCompilation Compile(IReadOnlyList<FilterGroup>? groups, string path = "$.groups", ObjectDefinition? sourceObject = null)
    {
        if (groups is null || groups.Count == 0) return new ScopingFilterCompilation(Everyone, []);
        var problems = new List<SchemaProblem>();
        var compiled = new CompiledGroup[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var groupPath = $"{path}[{g}]";
            var clauses = group.Clauses ?? [];
            if (clauses.Count == 0)
                problems.Add(new SchemaProblem($"{groupPath}.clauses", ErrorCodes.MissingProperty, "A scoping filter needs at least one clause."));
            var compiledClauses = new List<CompiledClause>();
            for (var c = 0; c < clauses.Count; c++)
                if (CompileClause(clauses[c], $"{groupPath}.clauses[{c}]", sourceObject, problems) is { } clause) compiledClauses.Add(clause);
            compiled[g] = new CompiledGroup(g, group.Name, compiledClauses.ToArray());
        }
        return problems.Count > 0 ? new ScopingFilterCompilation(null, problems) : new ScopingFilterCompilation(new ScopingFilter(compiled), []);
    }

    private static CompiledClause? CompileClause(FilterClause clause, string path, ObjectDefinition? sourceObject, List<SchemaProblem> problems)
    {
        var count = problems.Count;
        var attribute = clause.SourceOperandName;
        if (string.IsNullOrWhiteSpace(attribute))
            problems.Add(new SchemaProblem($"{path}.sourceOperandName", ErrorCodes.MissingProperty, "A clause needs the attribute it tests."));
        else if (UnsupportedAttributes.Contains(attribute))
            problems.Add(new SchemaProblem($"{path}.sourceOperandName", ErrorCodes.UnsupportedScopingAttribute,
                $"{attribute} cannot be used in a scoping filter; Entra does not support it there. Use assignment instead."));
        else if (sourceObject?.Attributes?.FirstOrDefault(a => string.Equals(a.Name, attribute, StringComparison.OrdinalIgnoreCase)) is { } definition &&
                 (definition.Multivalued == true || definition.Type == "DateTime"))
            problems.Add(new SchemaProblem($"{path}.sourceOperandName", ErrorCodes.UnsupportedScopingAttribute,
                $"{attribute} is {(definition.Multivalued == true ? "multi-valued" : "a date")}; Entra's scoping filters do not support such attributes."));

        var op = ScopingOperators.Parse(clause.OperatorName);
        if (op is null)
        {
            problems.Add(new SchemaProblem($"{path}.operatorName", clause.OperatorName is null ? ErrorCodes.MissingProperty : ErrorCodes.UnknownScopingOperator,
                $"{(clause.OperatorName is null ? "A clause needs an operator" : $"\"{clause.OperatorName}\" is not a scoping operator")}; " +
                $"use one of {string.Join(", ", ScopingOperators.All)}."));
            return null;
        }

        var values = (clause.TargetOperand?.Values ?? []).ToArray();
        long[]? integers = null;
        Regex? regex = null;
        if (!ScopingOperators.IsUnary(op.Value) && values.Length == 0)
            problems.Add(new SchemaProblem($"{path}.targetOperand.values", ErrorCodes.InvalidScopingValue,
                $"{clause.OperatorName} compares with a value; give one in targetOperand.values."));
        else if (ScopingOperators.IsInteger(op.Value))
        {
            integers = new long[values.Length];
            for (var i = 0; i < values.Length; i++)
                if (!long.TryParse(values[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integers[i]))
                    problems.Add(new SchemaProblem($"{path}.targetOperand.values[{i}]", ErrorCodes.InvalidScopingValue,
                        $"{clause.OperatorName} compares integers; \"{values[i]}\" is not one."));
        }
        else if (ScopingOperators.IsRegex(op.Value))
        {
            try
            {
                regex = new Regex(values[0], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
            }
            catch (ArgumentException e)
            {
                problems.Add(new SchemaProblem($"{path}.targetOperand.values[0]", ErrorCodes.InvalidScopingValue,
                    $"Not a valid .NET regular expression: {e.Message}"));
            }
        }
        return problems.Count > count ? null : new CompiledClause(clause, attribute!, op.Value, values, integers, regex);
    }

    public bool IsInScope(IAttributeSource source)
    {
        if (_groups.Length == 0) return true;
        foreach (var group in _groups)
        {
            var passed = true;
            foreach (var clause in group.Clauses)
                if (!clause.Passes(source.GetValue(clause.Attribute)))
                {
                    passed = false;
                    break;
                }
            if (passed) return true;
        }
        return false;
    }

    /// <summary>The decision with its reasons; every clause is evaluated, so the explanation is complete.</summary>
    public ScopeEvaluation Evaluate(IAttributeSource source)
    {
        var outcomes = new FilterGroupOutcome[_groups.Length];
        var inScope = _groups.Length == 0;
        for (var g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            var clauses = new ClauseOutcome[group.Clauses.Length];
            var passed = true;
            for (var c = 0; c < clauses.Length; c++)
            {
                var clause = group.Clauses[c];
                var value = source.GetValue(clause.Attribute);
                var ok = clause.Passes(value);
                clauses[c] = new ClauseOutcome(clause.Definition, ok, value.IsSingleValued ? value.Text : value.IsNull ? null : value.ToString(),
                    clause.Explain(value, ok));
                passed &= ok;
            }
            outcomes[g] = new FilterGroupOutcome(group.Index, group.Name, passed, clauses);
            inScope |= passed;
        }
        return new ScopeEvaluation(inScope, outcomes);
    }

    private sealed record CompiledGroup(int Index, string? Name, CompiledClause[] Clauses);

    private sealed class CompiledClause(FilterClause definition, string attribute, ScopingOperator op, string[] values, long[]? integers, Regex? regex)
    {
        public FilterClause Definition => definition;

        public string Attribute => attribute;

        public bool Passes(in ExpressionValue value)
        {
            if (op == ScopingOperator.IsNull) return value.IsNullOrEmpty;
            if (value.IsNullOrEmpty || !value.IsSingleValued) return false;
            var text = value.Text!;
            switch (op)
            {
                case ScopingOperator.IsNotNull:
                    return true;
                case ScopingOperator.IsTrue or ScopingOperator.IsFalse:
                    return Coerce.Boolean(value, numbersAllowed: false, out var flag) && flag == (op == ScopingOperator.IsTrue);
                case ScopingOperator.Equals:
                    return Any(text, static (t, v) => string.Equals(t, v, StringComparison.Ordinal));
                case ScopingOperator.NotEquals:
                    return !Any(text, static (t, v) => string.Equals(t, v, StringComparison.Ordinal));
                case ScopingOperator.IsContainedIn:
                    return Any(text, static (t, v) => v.Contains(t, StringComparison.Ordinal));
                case ScopingOperator.IsNotContainedIn:
                    return !Any(text, static (t, v) => v.Contains(t, StringComparison.Ordinal));
                case ScopingOperator.EndsWith:
                    return Any(text, static (t, v) => t.EndsWith(v, StringComparison.Ordinal));
                case ScopingOperator.StartsWith:
                    return Any(text, static (t, v) => t.StartsWith(v, StringComparison.Ordinal));
                case ScopingOperator.Includes:
                    return Any(text, static (t, v) => t.Contains(v, StringComparison.Ordinal));
                case ScopingOperator.RegexMatch or ScopingOperator.NotRegexMatch:
                    try
                    {
                        return regex!.IsMatch(text) == (op == ScopingOperator.RegexMatch);
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        return false;
                    }
                default:
                    if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)) return false;
                    foreach (var bound in integers!)
                    {
                        var holds = op switch
                        {
                            ScopingOperator.GreaterThan => number > bound,
                            ScopingOperator.GreaterThanOrEquals => number >= bound,
                            ScopingOperator.LessThan => number < bound,
                            _ => number <= bound,
                        };
                        if (holds) return true;
                    }
                    return false;
            }
        }

        private bool Any(string text, Func<string, string, bool> test)
        {
            foreach (var value in values)
                if (test(text, value)) return true;
            return false;
        }

        public string Explain(in ExpressionValue value, bool passed)
        {
            if (op == ScopingOperator.IsNull) return passed ? "the attribute has no value" : "the attribute has a value";
            if (value.IsNullOrEmpty) return "the attribute has no value, and every operator but IS NULL fails on an empty value";
            if (!value.IsSingleValued) return "the attribute is multi-valued, which scoping filters do not support";
            var text = value.Text!;
            if (ScopingOperators.IsInteger(op) && !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                return $"\"{text}\" is not an integer";
            if (op is ScopingOperator.IsTrue or ScopingOperator.IsFalse && !Coerce.Boolean(value, false, out _))
                return $"\"{text}\" is neither True nor False";
            var target = ScopingOperators.IsUnary(op) ? "" : " " + string.Join(" or ", values.Select(v => $"\"{v}\""));
            return $"\"{text}\" {(passed ? "satisfies" : "does not satisfy")} {ScopingOperators.Name(op)}{target}";
        }
    }
}
