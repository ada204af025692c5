using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// Provision on demand (spec 2.11): one user, or one group with up to five members, through the same steps as a
/// cycle, now. The watermark is neither read nor moved. Explanations are the same run as a dry run.
/// </summary>
internal sealed partial class CycleRun
{
    public const int OnDemandGroupMemberLimit = 5;

    private async Task RunOnDemandAsync(CancellationToken cancellationToken)
    {
        await ProbeTargetAsync(cancellationToken);
        Report("reading assignments");
        var scope = await ScopeModel.LoadAsync(_settings, _source, _state, cancellationToken);
        await LoadAppRolesAsync(scope, cancellationToken);
        var users = new Dictionary<string, SourceObject>(StringComparer.Ordinal);
        var groups = new Dictionary<string, SourceObject>(StringComparer.Ordinal);
        var memberChanges = new Dictionary<string, List<MemberChange>>(StringComparer.Ordinal);
        Report("reading the subjects");
        foreach (var subject in _options.Subjects!)
        {
            var plan = subject.Type == SourceObjectType.User ? _users : _groups;
            if (plan is null)
                throw new CycleFailure("GroupProvisioningDisabled", "The schema does not provision groups; enable its group mapping to provision a group.", fromTarget: false);
            var found = await _source.FindAsync(subject.Type, subject.IdOrName, plan.SourceAttributes, cancellationToken);
            if (found.Error is { } error) throw new CycleFailure(error.Code, error.Message, fromTarget: false);
            if (found.Value is null)
                throw new CycleFailure("SourceObjectNotFound",
                    $"No {(subject.Type == SourceObjectType.User ? "user" : "group")} '{subject.IdOrName}' in the directory: give its id or {(subject.Type == SourceObjectType.User ? "userPrincipalName" : "display name")}.",
                    fromTarget: false);
            Interlocked.Increment(ref _imported);
            if (subject.Type == SourceObjectType.User)
            {
                users[found.Value.Id] = found.Value;
                continue;
            }
            groups[found.Value.Id] = found.Value;
            var members = await _source.GetMembersAsync(found.Value.Id, cancellationToken);
            if (members.Error is { } membersError) throw new CycleFailure(membersError.Code, membersError.Message, fromTarget: false);
            var userMembers = members.Value!.Where(m => m.MemberType == SourceObjectType.User).ToList();
            // Entra's limit for on-demand runs; an explanation (which writes nothing) may look at any group.
            if (userMembers.Count > OnDemandGroupMemberLimit && !_options.DryRun)
                throw new CycleFailure("TooManyMembersForOnDemand",
                    $"The group has {userMembers.Count} user members; on demand provisions a group with at most {OnDemandGroupMemberLimit}. Let the next cycle provision it, or run `idbridge sync`.",
                    fromTarget: false);
            memberChanges[found.Value.Id] = [.. members.Value!];
            await FetchAsync(SourceObjectType.User, userMembers.Select(m => m.MemberId).Where(id => !users.ContainsKey(id)).ToList(),
                _users.SourceAttributes, users, cancellationToken);
        }

        var memberships = await MembershipModel.ApplyAsync(_state, _batch, initial: false, groups, memberChanges, _options.DryRun, cancellationToken);
        // Members the group lost in the directory since the last cycle are part of the picture too.
        foreach (var (groupId, listed) in memberChanges)
        {
            var present = listed.Select(m => m.MemberId).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in memberships.MembersOf(groupId).Where(m => !present.Contains(m.MemberId)).ToList())
                memberships.End(stale, _batch, _options.DryRun);
        }
        scope.Bind(memberships);
        var userWork = await CollectSubjectsAsync(SourceObjectType.User, users, scope, memberships, cancellationToken);
        var groupWork = _groups is null ? [] : await CollectSubjectsAsync(SourceObjectType.Group, groups, scope, memberships, cancellationToken);
        Interlocked.Add(ref _total, userWork.Count + groupWork.Count);
        Report("provisioning");
        await ProcessAsync(_users, userWork, cancellationToken);
        if (_groups is not null)
        {
            await ProcessAsync(_groups, groupWork, cancellationToken);
            if (_groups.Members is not null)
                await ReconcileMembershipsAsync(false, memberships, userWork, groupWork, scope, cancellationToken);
        }
        await ResolvePendingReferencesAsync(cancellationToken);
        Report("done");
    }

    private async Task<List<WorkItem>> CollectSubjectsAsync(SourceObjectType type, Dictionary<string, SourceObject> objects, ScopeModel scope,
        MembershipModel memberships, CancellationToken cancellationToken)
    {
        var links = await _state.LinksAsync(type, objects.Keys, cancellationToken);
        await memberships.EnsureMembersAsync(objects.Keys, cancellationToken);
        var effective = await scope.EffectiveGroupsAsync(cancellationToken);
        // On demand always answers, even when there is nothing to do.
        var items = Decide(type, objects.Keys, objects, links, item =>
        {
            if (type == SourceObjectType.User) DecideUser(item, scope, effective, initial: false);
            else DecideGroup(item, scope, initial: false);
        }, everyAnswer: true);
        ComputeDepths(items);
        return items;
    }
}
