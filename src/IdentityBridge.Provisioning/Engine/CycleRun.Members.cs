using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// Group memberships (sys_user_grmember) and references that waited for their target. Both run after users and
/// groups, as Entra's second pass does (spec 2.2), and both are driven by state, not by one cycle's changes: a
/// member who enters scope later is added then, and a user enabled again gets their memberships back.
/// </summary>
internal sealed partial class CycleRun
{
    private const string MemberTable = "sys_user_grmember";
    private static readonly string[] MemberFields = ["sys_id", "group", "user"];

    private readonly HashSet<string> _usersChangedState = new(StringComparer.Ordinal);

    private async Task ReconcileMembershipsAsync(bool initial, MembershipModel memberships, List<WorkItem> users, List<WorkItem> groups,
        ScopeModel scope, CancellationToken cancellationToken)
    {
        // Users whose record appeared, came back, was disabled or deleted in this cycle: their memberships follow.
        var changedUsers = users.Where(u => u.Decision is Decision.Provision or Decision.Disable or Decision.Delete && !u.Staged && u.Failure is null)
            .Where(u => u.Link is null || !u.Link.Active || u.Decision != Decision.Provision).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        lock (_usersChangedState) changedUsers.UnionWith(_usersChangedState);
        await memberships.EnsureMembersAsync(changedUsers, cancellationToken);

        // Which memberships can need a write: every one of the groups this cycle provisioned (all of them in an
        // initial cycle; new, changed or retried ones otherwise), those of users whose state changed, and those
        // that began or ended. Only their links are read, so the cost follows the changes, not the groups' sizes.
        var wholeGroups = groups.Where(g => g.Decision == Decision.Provision).Select(g => g.Id).ToHashSet(StringComparer.Ordinal);
        await memberships.EnsureGroupsAsync(wholeGroups, cancellationToken);
        var candidates = new Dictionary<(string Group, string Member), Membership>();
        void Consider(Membership? membership)
        {
            if (membership is { MemberType: SourceObjectType.User }) candidates[(membership.GroupId, membership.MemberId)] = membership;
        }
        foreach (var groupId in wholeGroups)
            foreach (var membership in memberships.MembersOf(groupId)) Consider(membership);
        foreach (var user in changedUsers)
            foreach (var groupId in memberships.GroupsOf(user)) Consider(memberships.Get(groupId, user));
        foreach (var added in memberships.Added) Consider(memberships.Get(added.GroupId, added.MemberId));
        var ended = memberships.Removed.Where(r => r.TargetId is not null && r.MemberType == SourceObjectType.User).ToList();
        var groupIds = candidates.Keys.Select(k => k.Group).Concat(ended.Select(r => r.GroupId)).ToHashSet(StringComparer.Ordinal);
        if (groupIds.Count == 0) return;

        var groupLinks = await _state.LinksAsync(SourceObjectType.Group, groupIds.Where(id => !_groupLinks.ContainsKey(id)), cancellationToken);
        foreach (var (id, link) in _groupLinks) groupLinks[id] = link;
        var userIds = candidates.Keys.Select(k => k.Member).Concat(ended.Select(r => r.MemberId)).Distinct()
            .Where(id => LinkedUser(id) is null).ToList();
        foreach (var (_, link) in await _state.LinksAsync(SourceObjectType.User, userIds, cancellationToken)) RememberLinkIfAbsent(link);

        var perGroup = groupIds.ToDictionary(g => g, _ => new List<Membership>(), StringComparer.Ordinal);
        foreach (var membership in candidates.Values) perGroup[membership.GroupId].Add(membership);
        var work = new List<(string GroupId, Link GroupLink, List<Membership> Add, List<Membership> Remove)>();
        foreach (var (groupId, members) in perGroup)
        {
            if (!groupLinks.TryGetValue(groupId, out var groupLink) || !groupLink.Active) continue;
            var add = new List<Membership>();
            var remove = new List<Membership>();
            foreach (var membership in members)
            {
                var wanted = LinkedUser(membership.MemberId) is { Active: true };
                if (wanted && membership.TargetId is null) add.Add(membership);
                else if (!wanted && membership.TargetId is not null) remove.Add(membership);
            }
            remove.AddRange(ended.Where(r => r.GroupId == groupId));
            if (add.Count > 0 || remove.Count > 0) work.Add((groupId, groupLink, add, remove));
        }
        if (work.Count == 0) return;
        Interlocked.Add(ref _total, work.Count);

        foreach (var chunk in work.Chunk(100))
        {
            if (Stopping) return;
            // Records the target has already (a write whose response was lost, or a member added by hand) are
            // adopted, not duplicated. A full pass reads the groups' members; otherwise only the users being added
            // are looked up, so the cost follows the changes and not the size of the groups.
            var existing = initial
                ? await ExistingMembershipsAsync("group", chunk.Select(w => w.GroupLink.TargetId).ToList(), null, cancellationToken)
                : new Dictionary<(string Group, string User), string>();
            if (!initial)
                foreach (var w in chunk.Where(w => w.Add.Count > 0))
                    foreach (var (key, value) in await ExistingMembershipsAsync("user",
                                 w.Add.Select(m => LinkedUser(m.MemberId)!.TargetId).ToList(), "group=" + w.GroupLink.TargetId, cancellationToken))
                        existing[key] = value;
            await Parallel.ForEachAsync(chunk, new ParallelOptions
            {
                MaxDegreeOfParallelism = Math.Max(1, _job.Definition.Target.MaxConcurrency),
                CancellationToken = cancellationToken,
            }, async (w, token) =>
            {
                if (Stopping) return;
                await ReconcileGroupAsync(w.GroupId, w.GroupLink, w.Add, w.Remove, existing, memberships, token);
                Interlocked.Increment(ref _completed);
                ReportThrottled();
            });
            await CheckpointAsync(cancellationToken);
        }
    }

    private void RememberLinkIfAbsent(Link link)
    {
        lock (_userLinks) _userLinks.TryAdd(link.SourceId, link);
    }

    private async Task<Dictionary<(string Group, string User), string>> ExistingMembershipsAsync(string field, List<string> sysIds,
        string? filter, CancellationToken cancellationToken)
    {
        var existing = new Dictionary<(string, string), string>();
        if (sysIds.Count == 0) return existing;
        var result = await _target.FindAsync(MemberTable, field, sysIds, MemberFields, filter, cancellationToken);
        if (result.Error is { } error)
        {
            if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
            return existing;
        }
        foreach (var record in result.Value!)
            if (record["group"] is { } group && record["user"] is { } user) existing.TryAdd((group, user), record.SysId);
        return existing;
    }

    private async Task ReconcileGroupAsync(string groupId, Link groupLink, List<Membership> add, List<Membership> remove,
        Dictionary<(string Group, string User), string> existing, MembershipModel memberships, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var added = new List<string>();
        var removed = new List<string>();
        ObjectFailure? failure = null;
        foreach (var membership in add)
        {
            var user = LinkedUser(membership.MemberId)!;
            string? targetId;
            if (existing.TryGetValue((groupLink.TargetId, user.TargetId), out var found)) targetId = found;
            else
            {
                Interlocked.Increment(ref _exports);
                if (_options.DryRun)
                {
                    added.Add(user.SourceName ?? user.SourceId);
                    continue;
                }
                Interlocked.Increment(ref _attemptedExports);
                var result = await _target.CreateAsync(MemberTable, new Dictionary<string, string?> { ["group"] = groupLink.TargetId, ["user"] = user.TargetId },
                    MemberFields, cancellationToken);
                if (result.Error is { } error)
                {
                    if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
                    Interlocked.Increment(ref _failedExports);
                    failure ??= Failed(error);
                    continue;
                }
                Interlocked.Increment(ref _exported);
                targetId = result.Value!.SysId;
            }
            added.Add(user.SourceName ?? user.SourceId);
            if (!_options.DryRun)
            {
                _batch.SetMembership(membership with { TargetId = targetId });
                memberships.SetTarget(membership, targetId);
            }
        }
        foreach (var membership in remove)
        {
            var user = LinkedUser(membership.MemberId);
            Interlocked.Increment(ref _exports);
            if (_options.DryRun)
            {
                removed.Add(user?.SourceName ?? membership.MemberId);
                continue;
            }
            Interlocked.Increment(ref _attemptedExports);
            var result = await _target.DeleteAsync(MemberTable, membership.TargetId!, cancellationToken);
            if (result.Error is { } error)
            {
                if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
                Interlocked.Increment(ref _failedExports);
                failure ??= Failed(error);
                continue;
            }
            Interlocked.Increment(ref _exported);
            removed.Add(user?.SourceName ?? membership.MemberId);
            var stillMember = memberships.Get(membership.GroupId, membership.MemberId) is not null;
            if (stillMember)
            {
                _batch.SetMembership(membership with { TargetId = null });
                memberships.SetTarget(membership, null);
            }
            else _batch.RemoveMembership(membership.GroupId, membership.MemberId);
        }

        var item = new WorkItem { Type = SourceObjectType.Group, Id = groupId, Link = groupLink, Started = started, Decision = Decision.Provision };
        item.Step(ProvisioningStepType.ReferenceResolution, "EntryMembershipReconciliation",
            failure is null ? ProvisioningResult.Success : ProvisioningResult.Failure,
            $"Members added: {added.Count}; removed: {removed.Count}.", ("MembersAdded", added.Count.ToString()), ("MembersRemoved", removed.Count.ToString()));
        var modified = new List<ModifiedProperty>();
        if (added.Count > 0) modified.Add(new ModifiedProperty("members", null, Summarize("+", added)));
        if (removed.Count > 0) modified.Add(new ModifiedProperty("members", Summarize("-", removed), null));
        if (failure is not null)
        {
            Fail(_groups!, item, ProvisioningAction.Update, failure with { ReferenceFailure = true }, callsCounted: true);
            return;
        }
        Finish(_groups!, item, ProvisioningAction.Update, ProvisioningResult.Success, null, modified, planned: _options.DryRun);
    }

    private static string Summarize(string sign, List<string> names) =>
        names.Count <= 20 ? string.Join(", ", names.Select(n => sign + n)) : string.Join(", ", names.Take(20).Select(n => sign + n)) + $" and {names.Count - 20} more";

    /// <summary>
    /// Writes references that waited for their target (a manager provisioned after their reports): better than
    /// Entra, which leaves them unset until a restart (spec 1.8).
    /// </summary>
    private async Task ResolvePendingReferencesAsync(CancellationToken cancellationToken)
    {
        if (_options.DryRun) return;
        await DrainAsync();
        await _batch.FlushAsync(cancellationToken);
        List<string> linked;
        lock (_userLinks) linked = _linkedThisRun.ToList();
        var pending = await _state.PendingReferencesToAsync(linked, cancellationToken);
        if (pending.Count == 0) return;
        var referrers = await _state.LinksAsync(SourceObjectType.User, pending.Select(p => p.SourceId), cancellationToken);
        await Parallel.ForEachAsync(pending, new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, _job.Definition.Target.MaxConcurrency),
            CancellationToken = cancellationToken,
        }, async (reference, token) =>
        {
            if (Stopping) return;
            var target = LinkedUser(reference.ReferencedId);
            if (target is null) return;
            if (!referrers.TryGetValue(reference.SourceId, out var referrer))
            {
                _batch.RemovePendingReference(reference.Type, reference.SourceId, reference.Attribute);
                return;
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _exports);
            Interlocked.Increment(ref _attemptedExports);
            var result = await _target.UpdateAsync(_users.TargetTable, referrer.TargetId,
                new Dictionary<string, string?> { [reference.Attribute] = target.TargetId }, ["sys_id"], token);
            var item = new WorkItem { Type = SourceObjectType.User, Id = referrer.SourceId, Link = referrer, Started = started, Decision = Decision.Provision };
            if (result.Error is { } error)
            {
                if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
                Interlocked.Increment(ref _failedExports);
                Fail(_users, item, ProvisioningAction.Update, Failed(error) with { ReferenceFailure = true }, callsCounted: true);
                return;
            }
            Interlocked.Increment(ref _exported);
            _batch.RemovePendingReference(reference.Type, reference.SourceId, reference.Attribute);
            item.Step(ProvisioningStepType.ReferenceResolution, "EntryReferenceResolved", ProvisioningResult.Success,
                $"The {reference.Attribute} ({target.SourceName}) now has a record; set to {target.TargetId}.");
            Finish(_users, item, ProvisioningAction.Update, ProvisioningResult.Success, null,
                [new ModifiedProperty(reference.Attribute, null, target.TargetId)]);
        });
        await CheckpointAsync(cancellationToken);
    }
}
