using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// Who is assigned (spec 2.1): with "assigned users and groups", users assigned directly and the direct members
/// of assigned groups (and, when flattening, members of groups nested in them); with "all", everyone. Also what
/// changed since the last cycle read the assignments, so an incremental cycle revisits exactly those people.
/// </summary>
internal sealed class ScopeModel
{
    private readonly JobSettings _settings;
    private readonly Dictionary<string, SourceObjectType> _current;
    private readonly Dictionary<string, SourceObjectType> _previous;
    private MembershipModel? _memberships;
    private HashSet<string>? _effectiveGroups;

    private ScopeModel(JobSettings settings, Dictionary<string, SourceObjectType> current, Dictionary<string, SourceObjectType> previous,
        IReadOnlyList<AppRoleAssignmentRef> assignments)
    {
        _settings = settings;
        _current = current;
        _previous = previous;
        _rolesByPrincipal = assignments.GroupBy(a => a.PrincipalId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(a => a.AppRoleId).ToArray(), StringComparer.Ordinal);
    }

    private readonly Dictionary<string, string[]> _rolesByPrincipal;

    /// <summary>
    /// The app roles a user holds through the app's assignments: their own and those of the groups they are a direct
    /// member of (their group memberships must be loaded).
    /// </summary>
    public IEnumerable<string> RoleIdsOf(string userId)
    {
        if (_rolesByPrincipal.TryGetValue(userId, out var own))
            foreach (var role in own) yield return role;
        foreach (var group in _memberships!.GroupsOf(userId))
            if (_rolesByPrincipal.TryGetValue(group, out var inherited))
                foreach (var role in inherited) yield return role;
    }

    public bool All => _settings.Scope == ProvisioningScope.AllUsersAndGroups;

    public bool NeedsMemberships => !All;

    public IReadOnlyDictionary<string, SourceObjectType> Assignments => _current;

    public static async Task<ScopeModel> LoadAsync(JobSettings settings, ISourceDirectory source, JobState state, CancellationToken cancellationToken)
    {
        if (settings.Scope == ProvisioningScope.AllUsersAndGroups)
            return new ScopeModel(settings, new(StringComparer.Ordinal), new(StringComparer.Ordinal), []);
        var result = await source.GetAssignmentsAsync(settings.ServicePrincipalId!, cancellationToken);
        if (result.Error is { } error) throw new CycleFailure(error.Code, error.Message, fromTarget: false);
        var current = new Dictionary<string, SourceObjectType>(StringComparer.Ordinal);
        foreach (var assignment in result.Value!) current[assignment.PrincipalId] = assignment.PrincipalType;
        return new ScopeModel(settings, current, await state.AssignmentsAsync(cancellationToken), result.Value!);
    }

    public void Bind(MembershipModel memberships) => _memberships = memberships;

    /// <summary>The assigned groups, with the groups nested in them when flattening.</summary>
    public async Task<HashSet<string>> EffectiveGroupsAsync(CancellationToken cancellationToken)
    {
        if (_effectiveGroups is not null) return _effectiveGroups;
        var assigned = _current.Where(a => a.Value == SourceObjectType.Group).Select(a => a.Key);
        _effectiveGroups = _settings.FlattenNestedGroups
            ? await _memberships!.NestedGroupsAsync(assigned, cancellationToken)
            : new HashSet<string>(assigned, StringComparer.Ordinal);
        return _effectiveGroups;
    }

    /// <summary>Whether a user is assigned (always true with "all"); its group memberships must be loaded.</summary>
    public bool IsUserAssigned(string userId, HashSet<string> effectiveGroups, out string reason)
    {
        if (All)
        {
            reason = "Scope: all users and groups";
            return true;
        }
        if (_current.TryGetValue(userId, out var type) && type == SourceObjectType.User)
        {
            reason = "Assigned to the app directly";
            return true;
        }
        foreach (var group in _memberships!.GroupsOf(userId))
            if (effectiveGroups.Contains(group))
            {
                reason = $"Member of assigned group {group}";
                return true;
            }
        reason = "Not assigned to the app, directly or through a group";
        return false;
    }

    public bool IsGroupAssigned(string groupId) =>
        All || (_current.TryGetValue(groupId, out var type) && type == SourceObjectType.Group);

    /// <summary>Principals whose assignment began or ended since the last cycle.</summary>
    public (List<(string Id, SourceObjectType Type)> Added, List<(string Id, SourceObjectType Type)> Removed) Changes()
    {
        var added = _current.Where(a => !_previous.ContainsKey(a.Key)).Select(a => (a.Key, a.Value)).ToList();
        var removed = _previous.Where(a => !_current.ContainsKey(a.Key)).Select(a => (a.Key, a.Value)).ToList();
        return (added, removed);
    }

    public void Persist(StateBatch batch)
    {
        var (added, removed) = Changes();
        foreach (var (id, type) in added) batch.SetAssignment(id, type);
        foreach (var (id, _) in removed) batch.RemoveAssignment(id);
    }
}
