using System.Diagnostics;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>Which objects a cycle looks at, and what it decides for each before anything is exported.</summary>
internal sealed partial class CycleRun
{
    private async Task<List<WorkItem>> CollectUsersAsync(bool initial, Dictionary<string, SourceObject> round, ScopeModel scope,
        MembershipModel memberships, (List<(string Id, SourceObjectType Type)> Added, List<(string Id, SourceObjectType Type)> Removed) assignmentChanges,
        CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(round.Keys, StringComparer.Ordinal);
        Dictionary<string, Link> links;
        if (initial)
        {
            links = await _state.AllLinksAsync(SourceObjectType.User, cancellationToken);
            ids.UnionWith(links.Keys);
        }
        else
        {
            foreach (var (id, type) in assignmentChanges.Added.Concat(assignmentChanges.Removed))
            {
                if (type == SourceObjectType.User) ids.Add(id);
                else
                {
                    var groups = _settings.FlattenNestedGroups ? await memberships.NestedGroupsAsync([id], cancellationToken) : [id];
                    await memberships.EnsureGroupsAsync(groups, cancellationToken);
                    foreach (var group in groups)
                        ids.UnionWith(memberships.MembersOf(group).Where(m => m.MemberType == SourceObjectType.User).Select(m => m.MemberId));
                }
            }
            if (!scope.All)
                foreach (var change in memberships.Added.Concat(memberships.Removed).Where(m => m.MemberType == SourceObjectType.User))
                    ids.Add(change.MemberId);
            foreach (var escrow in await DueEscrowsAsync(SourceObjectType.User, cancellationToken)) ids.Add(escrow);
            links = await _state.LinksAsync(SourceObjectType.User, ids, cancellationToken);
        }
        await memberships.EnsureMembersAsync(ids, cancellationToken);
        var effective = await scope.EffectiveGroupsAsync(cancellationToken);

        // Objects that changed only by assignment or membership, or come back from escrow, are read whole.
        if (!initial)
        {
            var missing = ids.Where(id => !round.TryGetValue(id, out var o) || (o.Removal == RemovalKind.None && !o.Complete)).ToList();
            await FetchAsync(SourceObjectType.User, missing, _users.SourceAttributes, round, cancellationToken);
        }

        var items = Decide(SourceObjectType.User, ids, round, links, item => DecideUser(item, scope, effective, initial), everyAnswer: false);
        ComputeDepths(items);
        return items;
    }

    private async Task<List<WorkItem>> CollectGroupsAsync(bool initial, Dictionary<string, SourceObject> round, ScopeModel scope,
        (List<(string Id, SourceObjectType Type)> Added, List<(string Id, SourceObjectType Type)> Removed) assignmentChanges,
        CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(round.Where(g => g.Value.Removal != RemovalKind.None || HasProperties(g.Value)).Select(g => g.Key), StringComparer.Ordinal);
        Dictionary<string, Link> links;
        if (initial)
        {
            ids.UnionWith(round.Keys);
            links = await _state.AllLinksAsync(SourceObjectType.Group, cancellationToken);
            ids.UnionWith(links.Keys);
        }
        else
        {
            foreach (var (id, type) in assignmentChanges.Added.Concat(assignmentChanges.Removed))
                if (type == SourceObjectType.Group) ids.Add(id);
            foreach (var escrow in await DueEscrowsAsync(SourceObjectType.Group, cancellationToken)) ids.Add(escrow);
            links = await _state.LinksAsync(SourceObjectType.Group, ids, cancellationToken);
            var missing = ids.Where(id => !round.TryGetValue(id, out var o) || (o.Removal == RemovalKind.None && !o.Complete)).ToList();
            await FetchAsync(SourceObjectType.Group, missing, _groups!.SourceAttributes, round, cancellationToken);
        }
        return Decide(SourceObjectType.Group, ids, round, links, item => DecideGroup(item, scope, initial), everyAnswer: false);
    }

    /// <summary>
    /// A work item per object with its decision. Silent skips are left out, unless every object must answer (on
    /// demand) or the run explains itself.
    /// </summary>
    private List<WorkItem> Decide(SourceObjectType type, IEnumerable<string> ids, IReadOnlyDictionary<string, SourceObject> objects,
        IReadOnlyDictionary<string, Link> links, Action<WorkItem> decide, bool everyAnswer)
    {
        var items = new List<WorkItem>();
        foreach (var id in ids)
        {
            var item = new WorkItem
            {
                Type = type,
                Id = id,
                Source = objects.GetValueOrDefault(id),
                Link = links.GetValueOrDefault(id),
                Started = Stopwatch.GetTimestamp(),
            };
            decide(item);
            if (everyAnswer) item.LogSkip = true;
            if (item.Decision != Decision.Skip || item.LogSkip || _options.Explain) items.Add(item);
        }
        return items;
    }

    /// <summary>A group object in a change round that carries properties (not only members@delta).</summary>
    private static bool HasProperties(SourceObject group) => group.Attributes.Count > 1 || group.Complete;

    private async Task<IEnumerable<string>> DueEscrowsAsync(SourceObjectType type, CancellationToken cancellationToken) =>
        (await _state.DueEscrowsAsync(type, Now, _forceDeletes, cancellationToken)).Select(e => e.SourceId);

    /// <summary>Reads whole objects into <paramref name="into"/>; an object the directory no longer has is left out (treated as removed).</summary>
    private async Task FetchAsync(SourceObjectType type, IReadOnlyCollection<string> ids, IReadOnlyCollection<string> attributes,
        Dictionary<string, SourceObject> into, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        var result = await _source.GetByIdsAsync(type, ids, attributes, cancellationToken);
        if (result.Error is { } error) throw new CycleFailure(error.Code, error.Message, fromTarget: false);
        var found = result.Value!.ToDictionary(o => o.Id, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (found.TryGetValue(id, out var whole)) into[id] = whole;
            else if (!into.ContainsKey(id))
                into[id] = new SourceObject { Id = id, Type = type, Removal = RemovalKind.SoftDeleted };
        }
    }

    private void DecideUser(WorkItem item, ScopeModel scope, HashSet<string> effectiveGroups, bool initial)
    {
        var source = item.Source;
        var linked = item.Link is not null;
        if (source is null || source.Removal != RemovalKind.None)
        {
            // Absent from a full read, or reported removed: soft delete disables, hard delete deletes (spec 2.3).
            var hard = source?.Removal == RemovalKind.HardDeleted;
            item.ScopeDetails.Add(hard ? "Hard-deleted in the directory" : source is null ? "No longer in the directory" : "Soft-deleted in the directory");
            if (!linked) Skip(item, "NotProvisioned", "The object was never provisioned by this job.", log: false);
            else if (hard && _users.CanDelete) item.Decision = Decision.Delete;
            else if (item.Link!.Active) item.Decision = Decision.Disable;
            else Skip(item, "RedundantExport", "The target record is disabled already.", log: false);
            return;
        }
        var bag = item.Bag();
        if (!_users.Mapping.InputFilter.IsInScope(bag))
        {
            item.ScopeDetails.Add("Left out by the input filter (no deprovisioning)");
            Skip(item, "InputFilter", "The object does not pass the mapping's input filter.", log: !initial);
            return;
        }
        var assigned = scope.IsUserAssigned(item.Id, effectiveGroups, out var assignment);
        item.ScopeDetails.Add(assignment);
        var enabled = source.Attributes.GetValue("accountEnabled") is not { Kind: ValueKind.Boolean, Boolean: false };
        item.ScopeDetails.Add(enabled ? "Account enabled" : "Account disabled (accountEnabled false)");
        var filter = _users.Mapping.Scope.Evaluate(bag);
        item.ScopeDetails.Add(filter.Summary);
        if (_options.Explain)
            foreach (var group in filter.Groups)
                foreach (var clause in group.Clauses) item.ScopeDetails.Add("  " + clause);
        var inScope = assigned && enabled && filter.InScope;
        if (inScope)
        {
            Interlocked.Increment(ref _entitled);
            item.Decision = Decision.Provision;
            item.ManagerId = ManagerOf(source);
            if (_appRoles is not null) item.AppRoles = RolesOf(scope, item.Id);
            return;
        }
        if (linked && item.Link!.Active)
        {
            if (enabled && _settings.SkipOutOfScopeDeletions)
                Skip(item, "OutOfScopeDeletionSkipped", "The object left scope and SkipOutOfScopeDeletions is on, so it is not disabled.", log: true);
            else item.Decision = Decision.Disable;
            return;
        }
        var reason = !assigned ? "NotEffectivelyEntitled" : !enabled ? "AccountDisabled" : "OutOfScope";
        // An unassigned user in a full read is not news; a filtered or disabled one is worth a line (as Entra logs it).
        Skip(item, reason, !assigned ? "The user is not assigned to the app." : !enabled
            ? "The account is disabled; disabled users are not created." : "The user does not pass the scoping filters.",
            log: linked || !initial || assigned);
    }

    private void DecideGroup(WorkItem item, ScopeModel scope, bool initial)
    {
        var source = item.Source;
        var linked = item.Link is not null;
        if (source is null || source.Removal != RemovalKind.None)
        {
            item.ScopeDetails.Add(source is null ? "No longer in the directory" : "Deleted in the directory");
            if (!linked) Skip(item, "NotProvisioned", "The group was never provisioned by this job.", log: false);
            else if (_groups!.CanDelete) item.Decision = Decision.Delete;
            else Skip(item, "DeleteNotAllowed", "The group mapping does not allow deletes.", log: true);
            return;
        }
        var bag = item.Bag();
        if (!_groups!.Mapping.InputFilter.IsInScope(bag))
        {
            Skip(item, "InputFilter", "The group does not pass the mapping's input filter.", log: !initial);
            return;
        }
        var assigned = scope.IsGroupAssigned(item.Id);
        item.ScopeDetails.Add(assigned ? scope.All ? "Scope: all users and groups" : "Assigned to the app" : "Not assigned to the app");
        var filter = _groups.Mapping.Scope.Evaluate(bag);
        item.ScopeDetails.Add(filter.Summary);
        if (assigned && filter.InScope)
        {
            Interlocked.Increment(ref _entitled);
            item.Decision = Decision.Provision;
            return;
        }
        if (linked && item.Link!.Active && !_settings.SkipOutOfScopeDeletions)
        {
            item.Decision = Decision.Disable;
            return;
        }
        Skip(item, assigned ? "OutOfScope" : "NotEffectivelyEntitled", "The group is not in scope.", log: linked);
    }

    private static void Skip(WorkItem item, string reason, string description, bool log)
    {
        item.Decision = Decision.Skip;
        item.SkipReason = reason;
        item.SkipDescription = description;
        item.LogSkip = log;
        item.ScopeDetails.Add(description);
    }

    /// <summary>
    /// The user's roles in this app as complex values with <c>displayName</c> and <c>value</c>, for the app role
    /// functions (spec 3.3); the default access assignment carries no role and is left out.
    /// </summary>
    private ExpressionValue RolesOf(ScopeModel scope, string userId)
    {
        var roles = scope.RoleIdsOf(userId).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(id => _appRoles!.GetValueOrDefault(id)).OfType<AppRole>()
            .Select(role => ExpressionValue.FromComplex(
            [
                new("id", ExpressionValue.FromString(role.Id)),
                new("displayName", ExpressionValue.FromString(role.DisplayName ?? role.Value)),
                new("value", ExpressionValue.FromString(role.Value ?? role.DisplayName)),
            ])).ToList();
        return roles.Count == 0 ? ExpressionValue.Null : ExpressionValue.FromValues(roles);
    }

    private static string? ManagerOf(SourceObject source) =>
        source.Attributes.GetValue("manager") is { Kind: ValueKind.Reference or ValueKind.String } manager ? manager.Text : null;

    /// <summary>
    /// Orders creates so that a manager is exported before the people who report to them, so the manager's sys_id
    /// goes into the same write instead of a second one. Chains are followed within the work set; a loop is cut.
    /// </summary>
    private static void ComputeDepths(List<WorkItem> items)
    {
        var byId = items.Where(i => i.Decision == Decision.Provision).ToDictionary(i => i.Id, StringComparer.Ordinal);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in byId.Values)
        {
            var chain = new List<WorkItem>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var current = item;
            var baseDepth = 0;
            while (true)
            {
                if (depth.TryGetValue(current.Id, out var known))
                {
                    baseDepth = known + 1;
                    break;
                }
                if (!seen.Add(current.Id)) break;
                chain.Add(current);
                if (current.ManagerId is null || !byId.TryGetValue(current.ManagerId, out var manager)) break;
                current = manager;
            }
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                depth[chain[i].Id] = baseDepth;
                chain[i].Depth = baseDepth;
                baseDepth++;
            }
        }
    }

    /// <summary>
    /// The accidental-deletion guard (spec 2.8): more disables and deletes than the threshold in one cycle are held
    /// back as StagedDelete until deletes are allowed (restart with ForceDeletes), and the job is quarantined.
    /// </summary>
    private void ApplyDeletionGuard(List<WorkItem> users, List<WorkItem> groups)
    {
        var threshold = _settings.DeletionThreshold;
        if (threshold <= 0 || _forceDeletes) return;
        var deletions = users.Concat(groups).Where(i => i.Decision is Decision.Disable or Decision.Delete).ToList();
        if (deletions.Count <= threshold) return;
        StagedDeletes = true;
        foreach (var item in deletions)
        {
            item.Staged = true;
            item.ScopeDetails.Add($"Held back: {deletions.Count} deletions exceed the threshold of {threshold}.");
        }
    }
}
