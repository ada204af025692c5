using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// The directory's direct group memberships as the job knows them (the connector data store's part that Entra
/// uses for group scope and member export), with this cycle's changes applied. Groups and members are loaded from
/// the store as a cycle needs them, so an incremental cycle reads only what its changes touch.
/// </summary>
internal sealed class MembershipModel
{
    private readonly JobState _state;
    private readonly Dictionary<string, Dictionary<string, Membership>> _byGroup = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byMember = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loadedGroups = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loadedMembers = new(StringComparer.Ordinal);
    private bool _everything;

    private MembershipModel(JobState state) => _state = state;

    /// <summary>Memberships that began in this cycle.</summary>
    public List<Membership> Added { get; } = [];

    /// <summary>Memberships that ended in this cycle (with the grmember record to delete, if the job made one).</summary>
    public List<Membership> Removed { get; } = [];

    /// <summary>Groups whose membership changed in this cycle.</summary>
    public HashSet<string> ChangedGroups { get; } = new(StringComparer.Ordinal);

    public static async Task<MembershipModel> ApplyAsync(JobState state, StateBatch batch, bool initial,
        IReadOnlyDictionary<string, SourceObject> groups, Dictionary<string, List<MemberChange>> changes, bool dryRun,
        CancellationToken cancellationToken)
    {
        var model = new MembershipModel(state);
        if (initial)
        {
            model._everything = true;
            foreach (var membership in await state.AllMembershipsAsync(cancellationToken)) model.Put(membership);
            // A full round lists every membership: what it does not list has ended.
            var listed = new HashSet<(string, string)>();
            foreach (var (groupId, list) in changes)
                foreach (var change in list.Where(c => !c.Removed))
                {
                    listed.Add((groupId, change.MemberId));
                    if (model.Get(groupId, change.MemberId) is null)
                    {
                        var added = new Membership(groupId, change.MemberId, change.MemberType, null);
                        model.Put(added);
                        model.Added.Add(added);
                        model.ChangedGroups.Add(groupId);
                        if (!dryRun) batch.SetMembership(added);
                    }
                }
            foreach (var membership in model._byGroup.Values.SelectMany(m => m.Values).ToList())
                if (!listed.Contains((membership.GroupId, membership.MemberId)))
                    model.End(membership, batch, dryRun);
            return model;
        }

        var removedGroups = groups.Values.Where(g => g.Removal != RemovalKind.None).Select(g => g.Id).ToList();
        await model.EnsureGroupsAsync(changes.Keys.Concat(removedGroups), cancellationToken);
        foreach (var (groupId, list) in changes)
            foreach (var change in list)
            {
                var existing = model.Get(groupId, change.MemberId);
                if (change.Removed)
                {
                    if (existing is not null) model.End(existing, batch, dryRun);
                }
                else if (existing is null)
                {
                    var added = new Membership(groupId, change.MemberId, change.MemberType, null);
                    model.Put(added);
                    model.Added.Add(added);
                    model.ChangedGroups.Add(groupId);
                    if (!dryRun) batch.SetMembership(added);
                }
            }
        foreach (var groupId in removedGroups)
            foreach (var membership in model.MembersOf(groupId).ToList())
                model.End(membership, batch, dryRun);
        return model;
    }

    /// <summary>Records that a membership ended in the directory.</summary>
    public void End(Membership membership, StateBatch batch, bool dryRun)
    {
        if (_byGroup.TryGetValue(membership.GroupId, out var members)) members.Remove(membership.MemberId);
        if (_byMember.TryGetValue(membership.MemberId, out var groups)) groups.Remove(membership.GroupId);
        Removed.Add(membership);
        ChangedGroups.Add(membership.GroupId);
        // A membership the job wrote to the target keeps its row until the grmember record is deleted.
        if (!dryRun && membership.TargetId is null) batch.RemoveMembership(membership.GroupId, membership.MemberId);
    }

    private void Put(Membership membership)
    {
        if (!_byGroup.TryGetValue(membership.GroupId, out var members)) _byGroup[membership.GroupId] = members = new(StringComparer.Ordinal);
        members[membership.MemberId] = membership;
        if (!_byMember.TryGetValue(membership.MemberId, out var groups)) _byMember[membership.MemberId] = groups = new(StringComparer.Ordinal);
        groups.Add(membership.GroupId);
    }

    /// <summary>Records the grmember record of a membership (or that there is none any more).</summary>
    public void SetTarget(Membership membership, string? targetId)
    {
        if (_byGroup.TryGetValue(membership.GroupId, out var members) && members.ContainsKey(membership.MemberId))
            members[membership.MemberId] = membership with { TargetId = targetId };
    }

    public Membership? Get(string groupId, string memberId) =>
        _byGroup.TryGetValue(groupId, out var members) && members.TryGetValue(memberId, out var membership) ? membership : null;

    public IEnumerable<Membership> MembersOf(string groupId) =>
        _byGroup.TryGetValue(groupId, out var members) ? members.Values : [];

    public IEnumerable<string> GroupsOf(string memberId) =>
        _byMember.TryGetValue(memberId, out var groups) ? groups : [];

    /// <summary>Loads the memberships of these groups from the store, unless they are known already.</summary>
    public async Task EnsureGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken)
    {
        if (_everything) return;
        var missing = groupIds.Where(_loadedGroups.Add).ToList();
        if (missing.Count == 0) return;
        PutUnlessEnded(await _state.MembershipsOfGroupsAsync(missing, cancellationToken));
    }

    /// <summary>Loads the memberships of these members from the store, unless they are known already.</summary>
    public async Task EnsureMembersAsync(IEnumerable<string> memberIds, CancellationToken cancellationToken)
    {
        if (_everything) return;
        var missing = memberIds.Where(_loadedMembers.Add).ToList();
        if (missing.Count == 0) return;
        PutUnlessEnded(await _state.MembershipsOfMembersAsync(missing, cancellationToken));
    }

    /// <summary>Adds stored memberships not known yet, except those this cycle saw end.</summary>
    private void PutUnlessEnded(IEnumerable<Membership> stored)
    {
        var ended = Removed.Select(r => (r.GroupId, r.MemberId)).ToHashSet();
        foreach (var membership in stored)
            if (Get(membership.GroupId, membership.MemberId) is null && !ended.Contains((membership.GroupId, membership.MemberId)))
                Put(membership);
    }

    /// <summary>
    /// The groups nested inside these groups, at any depth (for flattening), loading what is needed. A cycle in the
    /// nesting is followed once.
    /// </summary>
    public async Task<HashSet<string>> NestedGroupsAsync(IEnumerable<string> groupIds, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(groupIds, StringComparer.Ordinal);
        var frontier = seen.ToList();
        while (frontier.Count > 0)
        {
            await EnsureGroupsAsync(frontier, cancellationToken);
            frontier = frontier.SelectMany(MembersOf).Where(m => m.MemberType == SourceObjectType.Group && seen.Add(m.MemberId))
                .Select(m => m.MemberId).ToList();
        }
        return seen;
    }
}
