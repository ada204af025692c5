namespace IdentityBridge.Provisioning.Source;

/// <summary>
/// What one read asks Graph for and how the answer maps back: the <c>$select</c> list, the schema attributes each
/// Graph property feeds, and which properties must be present for an object to count as complete. Built once per
/// call from the schema attribute names the engine gives.
/// </summary>
internal sealed class GraphProjection
{
    private readonly Dictionary<string, GraphAttribute[]>.AlternateLookup<ReadOnlySpan<char>> _targetsBySpan;
    private readonly Dictionary<string, int> _required;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _requiredBySpan;

    private GraphProjection(SourceObjectType type, List<string> select, Dictionary<string, GraphAttribute[]> targets,
        Dictionary<string, int> required, bool managerAsked)
    {
        Type = type;
        Select = select;
        _targetsBySpan = targets.GetAlternateLookup<ReadOnlySpan<char>>();
        _required = required;
        _requiredBySpan = required.GetAlternateLookup<ReadOnlySpan<char>>();
        ManagerAsked = managerAsked;
    }

    public SourceObjectType Type { get; }

    /// <summary>Graph properties for <c>$select</c> (never <c>manager</c> or <c>members</c>: see <see cref="SelectFor"/>).</summary>
    public IReadOnlyList<string> Select { get; }

    /// <summary>Whether the engine asked for <c>manager</c>.</summary>
    public bool ManagerAsked { get; }

    /// <summary>How many Graph properties must be present for an object to be complete.</summary>
    public int RequiredCount => _required.Count;

    /// <param name="unsupported">
    /// Graph properties the directory said it does not have (a 400 naming them): they are neither selected nor
    /// waited for, so an object without them is still complete.
    /// </param>
    public static GraphProjection Create(SourceObjectType type, IEnumerable<string> attributes, IReadOnlySet<string> unsupported)
    {
        var always = type == SourceObjectType.User ? GraphAttributeMap.AlwaysReadUser : GraphAttributeMap.AlwaysReadGroup;
        var select = new List<string>();
        var targets = new Dictionary<string, List<GraphAttribute>>(StringComparer.OrdinalIgnoreCase);
        var required = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var managerAsked = false;
        foreach (var name in always.Concat(attributes))
        {
            if (string.IsNullOrWhiteSpace(name) || GraphAttributeMap.Computed.Contains(name)) continue;
            // A group's members come as member changes, never as an attribute.
            if (type == SourceObjectType.Group && name.Equals("members", StringComparison.OrdinalIgnoreCase)) continue;
            var attribute = GraphAttributeMap.Find(type, name.Trim());
            if (attribute.Shape == GraphValueShape.Reference)
            {
                managerAsked = true;
                continue;
            }
            if (unsupported.Contains(attribute.GraphProperty)) continue;
            if (!targets.TryGetValue(attribute.GraphProperty, out var list))
            {
                targets[attribute.GraphProperty] = list = [];
                select.Add(attribute.GraphProperty);
                required[attribute.GraphProperty] = required.Count;
            }
            if (!list.Any(a => a.SchemaName.Equals(attribute.SchemaName, StringComparison.OrdinalIgnoreCase))) list.Add(attribute);
        }
        return new GraphProjection(type, select, targets.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase),
            required, managerAsked);
    }

    /// <summary>The <c>$select</c> value: for a delta round also the navigation properties Graph tracks (<c>manager</c>, <c>members</c>).</summary>
    public string SelectFor(bool delta)
    {
        var names = Select.ToList();
        if (delta && Type == SourceObjectType.User && ManagerAsked) names.Add("manager");
        if (delta && Type == SourceObjectType.Group) names.Add("members");
        return string.Join(',', names);
    }

    /// <summary>The schema attributes a Graph property feeds; null when nobody asked for it.</summary>
    public GraphAttribute[]? TargetsOf(ReadOnlySpan<char> graphProperty) =>
        _targetsBySpan.TryGetValue(graphProperty, out var targets) ? targets : null;

    /// <summary>The property's slot among the required ones, or -1.</summary>
    public int RequiredSlot(ReadOnlySpan<char> graphProperty) =>
        _requiredBySpan.TryGetValue(graphProperty, out var slot) ? slot : -1;
}
