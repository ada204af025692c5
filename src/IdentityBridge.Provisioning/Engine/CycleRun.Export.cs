using System.Diagnostics;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Provisioning.Logs;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.State;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>Matching, computing, diffing and exporting objects, a chunk at a time.</summary>
internal sealed partial class CycleRun
{
    private async Task ProcessAsync(ObjectMappingPlan plan, List<WorkItem> items, CancellationToken cancellationToken)
    {
        // Creates and updates in manager order first, then deprovisioning.
        var ordered = items.OrderBy(i => i.Decision == Decision.Provision ? 0 : 1).ThenBy(i => i.Depth).ToList();
        foreach (var chunk in ordered.Chunk(ChunkSize))
        {
            if (Stopping) return;
            await ProcessChunkAsync(plan, chunk, cancellationToken);
            await CheckpointAsync(cancellationToken);
        }
    }

    private async Task ProcessChunkAsync(ObjectMappingPlan plan, WorkItem[] chunk, CancellationToken cancellationToken)
    {
        var active = chunk.Where(i => i.Decision != Decision.Skip && !i.Staged).ToList();
        lock (_userLinks)
            foreach (var item in active.Where(i => i.Link is null)) _newLinkCandidates.Add((item.Type, item.Id));
        if (!_options.DryRun)
            foreach (var (id, escrow) in await _state.EscrowsOfAsync(plan.Type, chunk.Select(i => i.Id), cancellationToken))
                _previousEscrows[(plan.Type, id)] = escrow;
        // Values first: matching attributes are mapping values too (spec 2.4).
        foreach (var item in active.Where(i => i.Decision is Decision.Provision or Decision.Disable)) Compute(plan, item);
        await MatchAsync(plan, active.Where(i => i.Decision == Decision.Provision && i.Link is null && i.Failure is null).ToList(), cancellationToken);
        await ReadTargetsAsync(plan, active.Where(i => i.Link is not null && i.Decision is Decision.Provision or Decision.Disable && i.Failure is null).ToList(), cancellationToken);
        await _lookups.ResolveAsync(active.Where(i => i.Failure is null).SelectMany(i => i.Values.Values)
            .Where(v => v.Attribute.Kind == TargetAttributeKind.Lookup && v.Result.HasValue).ToList(), cancellationToken);
        await PreloadManagerLinksAsync(active, cancellationToken);

        foreach (var depth in chunk.GroupBy(i => i.Depth).OrderBy(g => g.Key))
        {
            if (Stopping) return;
            await Parallel.ForEachAsync(depth, new ParallelOptions
            {
                MaxDegreeOfParallelism = Math.Max(1, _job.Definition.Target.MaxConcurrency),
                CancellationToken = cancellationToken,
            }, async (item, token) =>
            {
                // A stop request lets the objects in flight finish and starts no more; the next run picks them up.
                if (Stopping) return;
                await ExportAsync(plan, item, token);
                item.Release();
                Interlocked.Increment(ref _completed);
                ReportThrottled();
            });
        }
    }

    // ---- values --------------------------------------------------------------------------------------------------

    /// <summary>Evaluates every mapping for the object; an expression that fails fails the object.</summary>
    private void Compute(ObjectMappingPlan plan, WorkItem item)
    {
        var bag = item.Bag();
        foreach (var attribute in plan.Attributes)
        {
            if (attribute.Kind == TargetAttributeKind.Members) continue;
            var mapping = attribute.Mapping;
            var result = mapping.Expression is null ? default : mapping.Expression.Evaluate(bag, _evaluation);
            if (result.Error is { } error)
            {
                item.Failure = new ObjectFailure("ExpressionEvaluationFailed",
                    $"The mapping to '{attribute.Name}' ({mapping.Expression!.Text}) failed: {error.Message}",
                    "Fix the expression or the source value, then wait for the next cycle or provision on demand.");
                return;
            }
            item.Values[attribute.Name] = new ComputedValue(attribute, result);
        }
        item.Step(ProvisioningStepType.Processing, "EntryExportEvaluation", ProvisioningResult.Success,
            $"Computed {item.Values.Count} target attributes from the mappings.");
    }

    // ---- matching ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Finds the target records of objects not linked yet, by the matching attributes in precedence order (spec
    /// 2.4), one batched lookup per attribute for the whole chunk. A create whose response was lost is found here
    /// before it would be sent again.
    /// </summary>
    private async Task MatchAsync(ObjectMappingPlan plan, List<WorkItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        var filter = _settings.MatchingFilters.GetValueOrDefault(plan.TargetTable);
        var pending = items;
        foreach (var attribute in plan.Matching)
        {
            var values = new Dictionary<WorkItem, string>();
            foreach (var item in pending)
                if (item.Values.TryGetValue(attribute.Name, out var value) && value.Result.HasValue && value.SourceText is { Length: > 0 } text)
                    values[item] = text;
            if (values.Count == 0) continue;
            var result = await _target.FindAsync(plan.TargetTable, attribute.Name, values.Values.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                plan.TargetFields, filter, cancellationToken);
            if (result.Error is { } error)
            {
                if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
                foreach (var item in values.Keys) item.Failure = Failed(error);
                pending = pending.Where(i => !values.ContainsKey(i)).ToList();
                continue;
            }
            var byValue = result.Value!.GroupBy(r => r[attribute.Name] ?? "", StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
            var unmatched = new List<WorkItem>();
            foreach (var item in pending)
            {
                if (!values.TryGetValue(item, out var text))
                {
                    unmatched.Add(item);
                    continue;
                }
                var query = $"{attribute.Name}={text}{(filter is null ? "" : "^" + filter)}";
                var hits = byValue.GetValueOrDefault(text) ?? [];
                item.MatchDetails.Add($"Looked up {plan.TargetTable} where {query}: {hits.Count} record(s)");
                if (hits.Count == 1)
                {
                    item.Target = hits[0];
                    item.Step(ProvisioningStepType.Matching, "EntryImportByJoiningProperty", ProvisioningResult.Success,
                        $"A target entry in ServiceNow has been matched to the source entry by {attribute.Name} ({text}).",
                        ("MatchingAttribute", attribute.Name), ("MatchingValue", text), ("TargetId", hits[0].SysId));
                }
                else if (hits.Count > 1)
                {
                    item.Failure = new ObjectFailure("DuplicateTargetEntries",
                        $"{hits.Count} records in {plan.TargetTable} have {attribute.Name} '{text}' ({string.Join(", ", hits.Select(h => h.SysId))}).",
                        filter is null
                            ? $"Remove the duplicates in ServiceNow, or set a matching filter for {plan.TargetTable} (for example active=true) so inactive records are not matched."
                            : "Remove the duplicates in ServiceNow.");
                    item.Step(ProvisioningStepType.Matching, "EntryImportByJoiningProperty", ProvisioningResult.Failure, item.Failure.Reason);
                }
                else unmatched.Add(item);
            }
            pending = unmatched;
            if (pending.Count == 0) break;
        }
        foreach (var item in pending.Where(i => i.Failure is null))
        {
            var anyValue = plan.Matching.Any(a => item.Values.TryGetValue(a.Name, out var v) && v.Result.HasValue && v.SourceText is { Length: > 0 });
            if (!anyValue)
            {
                item.Failure = new ObjectFailure("EntryJoiningPropertyValueIsMissing",
                    $"The object has no value for any matching attribute ({string.Join(", ", plan.Matching.Select(m => m.Name))}).",
                    "Give the object a value for the matching attribute in the directory, or change the mapping.");
                item.Step(ProvisioningStepType.Matching, "EntryImportByJoiningProperty", ProvisioningResult.Failure, item.Failure.Reason);
            }
            else
                item.Step(ProvisioningStepType.Matching, "EntryImportByJoiningProperty", ProvisioningResult.Success,
                    "No target entry in ServiceNow matches the source entry; it will be created.");
        }
    }

    /// <summary>Reads the current values of linked records, one batched request per chunk.</summary>
    private async Task ReadTargetsAsync(ObjectMappingPlan plan, List<WorkItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        var result = await _target.GetManyAsync(plan.TargetTable, items.Select(i => i.Link!.TargetId).Distinct().ToList(), plan.TargetFields, cancellationToken);
        if (result.Error is { } error)
        {
            if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
            foreach (var item in items) item.Failure = Failed(error);
            return;
        }
        var bySysId = result.Value!.ToDictionary(r => r.SysId, StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (bySysId.TryGetValue(item.Link!.TargetId, out var record))
            {
                item.Target = record;
                item.Step(ProvisioningStepType.Matching, "EntryLookupByAnchor", ProvisioningResult.Success,
                    $"Read the linked record {record.SysId} in {plan.TargetTable}.", ("TargetId", record.SysId));
            }
            else
            {
                item.Failure = new ObjectFailure("InvalidAnchor",
                    $"The record {item.Link.TargetId} in {plan.TargetTable} that this job linked to the object no longer exists.",
                    "Restart the job with resetScope ConnectorDataStore (or Full) so the object is matched again, or run it on demand after restoring the record.");
                item.Step(ProvisioningStepType.Matching, "EntryLookupByAnchor", ProvisioningResult.Failure, item.Failure.Reason);
            }
        }
    }

    private async Task PreloadManagerLinksAsync(List<WorkItem> items, CancellationToken cancellationToken)
    {
        var wanted = items.SelectMany(i => i.Values.Values)
            .Where(v => v.Attribute.Kind == TargetAttributeKind.Link && v.Result.HasValue && v.SourceText is not null)
            .Select(v => v.SourceText!).Where(id => !_userLinks.ContainsKey(id)).Distinct().ToList();
        if (wanted.Count == 0) return;
        foreach (var (id, link) in await _state.LinksAsync(SourceObjectType.User, wanted, cancellationToken))
            lock (_userLinks) _userLinks.TryAdd(id, link);
    }

    private Link? LinkedUser(string sourceId)
    {
        lock (_userLinks) return _userLinks.GetValueOrDefault(sourceId);
    }

    private readonly HashSet<string> _linkedThisRun = new(StringComparer.Ordinal);
    private readonly HashSet<(SourceObjectType, string)> _newLinkCandidates = [];
    private long _newUserLinks, _newGroupLinks;

    /// <summary>Links this run added to the connector data store, by type (for synchronizedEntryCountByType).</summary>
    internal (long Users, long Groups) NewLinks => (Interlocked.Read(ref _newUserLinks), Interlocked.Read(ref _newGroupLinks));

    private void RememberLink(Link link)
    {
        var links = link.Type == SourceObjectType.User ? _userLinks : _groupLinks;
        lock (links)
        {
            links.TryGetValue(link.SourceId, out var before);
            links[link.SourceId] = link;
            if (before is null && _newLinkCandidates.Contains((link.Type, link.SourceId)))
            {
                if (link.Type == SourceObjectType.User) Interlocked.Increment(ref _newUserLinks);
                else Interlocked.Increment(ref _newGroupLinks);
            }
            if (link.Type == SourceObjectType.User && link.Active && before is not { Active: true })
            {
                _linkedThisRun.Add(link.SourceId);
                lock (_usersChangedState) _usersChangedState.Add(link.SourceId);
            }
            if (link.Type == SourceObjectType.User && !link.Active && before is { Active: true })
                lock (_usersChangedState) _usersChangedState.Add(link.SourceId);
        }
    }

    // ---- export --------------------------------------------------------------------------------------------------

    private async Task ExportAsync(ObjectMappingPlan plan, WorkItem item, CancellationToken cancellationToken)
    {
        var action = item.Decision switch
        {
            Decision.Disable => ProvisioningAction.Disable,
            Decision.Delete => ProvisioningAction.Delete,
            Decision.Provision => item.Target is null && item.Link is null ? ProvisioningAction.Create : ProvisioningAction.Update,
            _ => ProvisioningAction.Other,
        };
        item.Step(ProvisioningStepType.Import, "EntryImport", ProvisioningResult.Success,
            $"Retrieved {plan.Type} '{item.DisplayName}' from Azure Active Directory.", ("ObjectId", item.Id));
        item.Step(ProvisioningStepType.Scoping, "EntrySynchronizationScoping",
            item.Decision == Decision.Skip && item.SkipReason is not "RedundantExport" ? ProvisioningResult.Skipped : ProvisioningResult.Success,
            string.Join("; ", item.ScopeDetails), ("ScopeEvaluationResult", item.Decision.ToString()));

        if (item.Decision == Decision.Skip)
        {
            Finish(plan, item, ProvisioningAction.Other, ProvisioningResult.Skipped, null, [], item.SkipReason);
            return;
        }
        if (item.Staged)
        {
            if (!_options.DryRun)
                _batch.SetEscrow(new Escrow(item.Type, item.Id, item.DisplayName, "StagedDelete", "TooManyDeletes",
                    "Held back by the accidental-deletion guard.", false, 0, Now, null));
            Finish(plan, item, ProvisioningAction.StagedDelete, ProvisioningResult.Skipped, new ObjectFailure("TooManyDeletes",
                $"The cycle would disable or delete more objects than the deletion threshold ({_settings.DeletionThreshold}); this {(item.Decision == Decision.Delete ? "delete" : "disable")} is held back.",
                "Check why so many objects left scope. If the deletions are intended, allow them: restart the job with resetScope ForceDeletes (idbridge job restart <job> --reset ForceDeletes)."), []);
            return;
        }
        if (item.Failure is not null)
        {
            Fail(plan, item, action, item.Failure);
            return;
        }
        if (item.Decision == Decision.Delete)
        {
            await DeleteAsync(plan, item, cancellationToken);
            return;
        }
        if (item.Target is null && item.Link is null)
        {
            if (!plan.CanAdd)
            {
                Finish(plan, item, ProvisioningAction.Other, ProvisioningResult.Skipped, null, [], "CreateNotAllowed");
                return;
            }
            await CreateAsync(plan, item, cancellationToken);
            return;
        }
        await UpdateAsync(plan, item, action, cancellationToken);
    }

    private async Task CreateAsync(ObjectMappingPlan plan, WorkItem item, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var modified = new List<ModifiedProperty>();
        foreach (var value in item.Values.Values)
        {
            var attribute = value.Attribute;
            string? wire;
            if (!value.Result.HasValue)
            {
                // Default values apply only on create (spec 3.1); IgnoreFlowIfNullOrEmpty drops the attribute.
                if (value.Result.FlowIgnored || attribute.Mapping.DefaultValue is null) continue;
                wire = attribute.Mapping.DefaultValue;
            }
            else if (ResolveWire(plan, item, value) is { } resolved) wire = resolved;
            else if (item.Failure is not null)
            {
                Fail(plan, item, ProvisioningAction.Create, item.Failure);
                return;
            }
            else continue;
            if (attribute.Kind == TargetAttributeKind.Boolean) wire = Booleans.ToWire(wire);
            values[attribute.Name] = wire;
            modified.Add(new ModifiedProperty(attribute.Name, null, value.Result.Redacted ? "[Redact]" : wire));
        }
        if (plan.WritesActive && values.TryGetValue("active", out var active) && !values.ContainsKey("locked_out"))
            values["locked_out"] = Booleans.LockedOutFor(active);
        Interlocked.Increment(ref _exports);
        if (_options.DryRun)
        {
            Finish(plan, item, ProvisioningAction.Create, ProvisioningResult.Success, null, modified, planned: true);
            return;
        }
        Interlocked.Increment(ref _attemptedExports);
        item.Attempted = true;
        var result = await _target.CreateAsync(plan.TargetTable, values, plan.TargetFields, cancellationToken);
        if (result.Error is { } error)
        {
            HandleExportError(plan, item, ProvisioningAction.Create, error);
            return;
        }
        var link = new Link(item.Type, item.Id, item.DisplayName, result.Value!.SysId, Active: true);
        _batch.SetLink(link, Now);
        RememberLink(link);
        Interlocked.Increment(ref _exported);
        item.Step(ProvisioningStepType.Export, "EntryExportAdd", ProvisioningResult.Success,
            $"Created {plan.TargetTable} record {result.Value.SysId}.", ("TargetId", result.Value.SysId));
        item.Target = result.Value;
        Finish(plan, item, ProvisioningAction.Create, ProvisioningResult.Success, null, modified);
    }

    private async Task UpdateAsync(ObjectMappingPlan plan, WorkItem item, ProvisioningAction action, CancellationToken cancellationToken)
    {
        var target = item.Target!;
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        var modified = new List<ModifiedProperty>();
        var matchedNow = item.Link is null;
        foreach (var value in item.Values.Values)
        {
            var attribute = value.Attribute;
            var mapping = attribute.Mapping;
            // Only on create: ObjectAddOnly mappings and default values; nulls never flow (spec 2.5).
            if (mapping.FlowType == MappingFlowType.ObjectAddOnly || !value.Result.HasValue) continue;
            var current = target[attribute.Name];
            if (mapping.FlowType == MappingFlowType.AttributeAddOnly && !string.IsNullOrEmpty(current)) continue;
            var wire = ResolveWire(plan, item, value);
            if (wire is null)
            {
                if (item.Failure is not null)
                {
                    Fail(plan, item, action, item.Failure);
                    return;
                }
                continue;
            }
            if (mapping.FlowBehavior != MappingFlowBehavior.FlowAlways && SameValue(attribute, current, wire)) continue;
            if (attribute.Kind == TargetAttributeKind.Boolean) wire = Booleans.ToWire(wire);
            changes[attribute.Name] = wire;
            modified.Add(new ModifiedProperty(attribute.Name, current, value.Result.Redacted ? "[Redact]" : wire));
        }
        if (plan.WritesActive && changes.TryGetValue("active", out var active))
        {
            var lockedOut = Booleans.LockedOutFor(active);
            if (Booleans.IsTrue(target["locked_out"]) != Booleans.IsTrue(lockedOut))
            {
                changes["locked_out"] = lockedOut;
                modified.Add(new ModifiedProperty("locked_out", target["locked_out"], lockedOut));
            }
        }
        var activeNow = item.Decision == Decision.Provision;
        var link = new Link(item.Type, item.Id, item.DisplayName, target.SysId, activeNow);
        if (changes.Count == 0)
        {
            if (!_options.DryRun && (matchedNow || item.Link!.Active != activeNow || item.Link.SourceName != item.DisplayName))
            {
                _batch.SetLink(link, Now);
                RememberLink(link);
            }
            else if (item.Link is not null) RememberLinkIfAbsent(item.Link);
            item.Step(ProvisioningStepType.Export, "EntrySynchronizationSkip", ProvisioningResult.Skipped,
                "The target entry already has the values the mappings give.", ("SkipReason", "RedundantExport"));
            Finish(plan, item, ProvisioningAction.Other, ProvisioningResult.Skipped, null, [], "RedundantExport");
            return;
        }
        if (!plan.CanUpdate && item.Decision == Decision.Provision)
        {
            Finish(plan, item, ProvisioningAction.Other, ProvisioningResult.Skipped, null, [], "UpdateNotAllowed");
            return;
        }
        Interlocked.Increment(ref _exports);
        if (_options.DryRun)
        {
            Finish(plan, item, action, ProvisioningResult.Success, null, modified, planned: true);
            return;
        }
        Interlocked.Increment(ref _attemptedExports);
        item.Attempted = true;
        var result = await _target.UpdateAsync(plan.TargetTable, target.SysId, changes, plan.TargetFields, cancellationToken);
        if (result.Error is { } error)
        {
            HandleExportError(plan, item, action, error);
            return;
        }
        _batch.SetLink(link, Now);
        RememberLink(link);
        Interlocked.Increment(ref _exported);
        item.Step(ProvisioningStepType.Export, "EntryExportUpdate", ProvisioningResult.Success,
            $"Updated {changes.Count} attribute(s) of {plan.TargetTable} record {target.SysId}.", ("TargetId", target.SysId));
        Finish(plan, item, action, ProvisioningResult.Success, null, modified);
    }

    private async Task DeleteAsync(ObjectMappingPlan plan, WorkItem item, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _exports);
        var modified = new List<ModifiedProperty>();
        if (_options.DryRun)
        {
            Finish(plan, item, ProvisioningAction.Delete, ProvisioningResult.Success, null, modified, planned: true);
            return;
        }
        Interlocked.Increment(ref _attemptedExports);
        item.Attempted = true;
        var result = await _target.DeleteAsync(plan.TargetTable, item.Link!.TargetId, cancellationToken);
        if (result.Error is { } error)
        {
            HandleExportError(plan, item, ProvisioningAction.Delete, error);
            return;
        }
        _batch.RemoveLink(item.Type, item.Id);
        Interlocked.Increment(ref _exported);
        item.Step(ProvisioningStepType.Export, "EntryExportDelete", ProvisioningResult.Success,
            result.Value ? $"Deleted {plan.TargetTable} record {item.Link.TargetId}." : $"The {plan.TargetTable} record {item.Link.TargetId} was gone already.",
            ("TargetId", item.Link.TargetId));
        Finish(plan, item, ProvisioningAction.Delete, ProvisioningResult.Success, null, modified);
    }

    /// <summary>
    /// The value to send for one mapping: lookups as the referenced record's sys_id, links as the linked record's
    /// sys_id. Null when there is nothing to send; a lookup that cannot resolve fails the object (spec 1.4), a link
    /// that cannot resolve yet waits in the queue and the rest is written now.
    /// </summary>
    private string? ResolveWire(ObjectMappingPlan plan, WorkItem item, ComputedValue value)
    {
        var result = value.Result;
        if (result.Value.Kind is ValueKind.MultiValued or ValueKind.Complex)
        {
            item.Failure = new ObjectFailure("SchemaPropertyCanOnlyAcceptValue",
                $"The mapping to '{value.Attribute.Name}' gives several values; ServiceNow's field holds one.",
                "Change the mapping so it gives a single value (for example with Item() or Join()).");
            return null;
        }
        switch (value.Attribute.Kind)
        {
            case TargetAttributeKind.Lookup:
                if (_lookups.Find(value.Attribute, value.SourceText!, out var sysId, out var failure)) return sysId;
                // Deprovisioning is not held up by a department that cannot be found: the attribute is left alone.
                if (item.Decision == Decision.Disable) return null;
                item.Failure = failure;
                return null;
            case TargetAttributeKind.Link:
                var referenced = value.SourceText!;
                if (LinkedUser(referenced) is { } link) return link.TargetId;
                if (!_options.DryRun)
                    _batch.SetPendingReference(new PendingReference(item.Type, item.Id, value.Attribute.Name, referenced), Now);
                item.Step(ProvisioningStepType.ReferenceResolution, "EntryReferenceDeferred", ProvisioningResult.Warning,
                    $"The {value.Attribute.Name} ({referenced}) has no record yet; it is written as soon as it has one.",
                    ("ReferencedObjectId", referenced));
                return null;
            default:
                return result.Value.Text;
        }
    }

    private static bool SameValue(TargetAttribute attribute, string? current, string wire) => attribute.Kind switch
    {
        TargetAttributeKind.Boolean => Booleans.IsTrue(current) == Booleans.IsTrue(wire),
        TargetAttributeKind.Lookup or TargetAttributeKind.Link => string.Equals(current ?? "", wire, StringComparison.Ordinal),
        _ => string.Equals(current ?? "", wire, attribute.CaseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase),
    };

    private void HandleExportError(ObjectMappingPlan plan, WorkItem item, ProvisioningAction action, TargetError error)
    {
        if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
        Fail(plan, item, action, Failed(error));
    }

    private static ObjectFailure Failed(TargetError error) => new(error.Code, error.Message, error.Code switch
    {
        "InternalServerError" or "Timeout" or "TooManyRequests" => "The instance failed; the object is retried in a later cycle.",
        "InvalidAnchor" => "Restart the job with resetScope ConnectorDataStore so the object is matched again.",
        "UnprocessableEntity" => "Check the value against the field's rules in ServiceNow (length, choice list, business rules).",
        _ => null,
    }, Transient: error.Transient);

    private void Fail(ObjectMappingPlan plan, WorkItem item, ProvisioningAction action, ObjectFailure failure, bool callsCounted = false)
    {
        // A lookup or a read that the instance failed counts as a failed call, so an instance that fails every
        // request quarantines the job even before any write is tried.
        if (!callsCounted)
        {
            if (!item.Attempted && failure.Transient) Interlocked.Increment(ref _attemptedExports);
            if (item.Attempted || failure.Transient) Interlocked.Increment(ref _failedExports);
        }
        if (failure.ReferenceFailure) Interlocked.Increment(ref _referenceEscrowed);
        else Interlocked.Increment(ref _escrowed);
        if (!_options.DryRun) Escrow(item, failure);
        item.Step(ProvisioningStepType.Export, "EntryExportFailed", ProvisioningResult.Failure, failure.Reason, ("ErrorCode", failure.Code));
        Finish(plan, item, action, ProvisioningResult.Failure, failure, []);
    }

    /// <summary>
    /// Holds the object for a retry with back-off, less often as failures repeat (spec 2.6): 5 minutes doubling up
    /// to Entra's 40-minute cycle, and daily after six failures.
    /// </summary>
    private void Escrow(WorkItem item, ObjectFailure failure)
    {
        var attempts = 1L;
        DateTimeOffset? first = Now;
        if (_previousEscrows.TryGetValue((item.Type, item.Id), out var previous))
        {
            attempts = previous.Attempts + 1;
            first = previous.FirstFailed ?? Now;
        }
        var delay = TimeSpan.FromMinutes(Math.Min(5 * Math.Pow(2, attempts - 1), attempts > 6 ? 24 * 60 : 40));
        _batch.SetEscrow(new Escrow(item.Type, item.Id, item.DisplayName, "Retry", failure.Code, failure.Reason, failure.ReferenceFailure,
            attempts, first, Now + delay));
    }

    private readonly Dictionary<(SourceObjectType, string), Escrow> _previousEscrows = [];

    private void Finish(ObjectMappingPlan plan, WorkItem item, ProvisioningAction action, ProvisioningResult status, ObjectFailure? failure,
        IReadOnlyList<ModifiedProperty> modified, string? skipReason = null, bool planned = false)
    {
        if (status == ProvisioningResult.Success && !_options.DryRun) _batch.RemoveEscrow(item.Type, item.Id);
        if (planned)
            item.Step(ProvisioningStepType.Export, "EntryExportPlanned", ProvisioningResult.Skipped,
                "Dry run: the export was computed and not sent.");
        var entry = new ProvisioningLogEntry
        {
            Id = Guid.NewGuid().ToString(),
            ActivityDateTime = Now,
            JobId = _job.JobId,
            CycleId = CycleId,
            ChangeId = Guid.NewGuid().ToString(),
            Action = action,
            Status = status,
            Error = failure is null
                ? skipReason is null ? null : new ProvisioningError(skipReason, SkipText(item, skipReason))
                : new ProvisioningError(failure.Code, failure.Reason, failure.RecommendedAction),
            SourceIdentity = new ProvisionedIdentity(item.Id, plan.Type.ToString(), item.DisplayName),
            TargetIdentity = new ProvisionedIdentity(item.Target?.SysId ?? item.Link?.TargetId, plan.TargetTable,
                item.Target?[plan.Matching.FirstOrDefault()?.Name ?? "sys_id"] ?? item.DisplayName),
            ModifiedProperties = modified,
            Steps = [.. item.Steps.OrderBy(step => step.Type)],
            DurationInMilliseconds = Elapsed(item.Started),
            TenantId = _job.Definition.Source.TenantId,
            ServicePrincipalId = _settings.ServicePrincipalId,
            InitiatedBy = _options.InitiatedBy ?? "IdentityBridge Provisioning Service",
        };
        Record(entry, _options.Explain ? Explain(plan, item, action) : null);
    }

    private static string SkipText(WorkItem item, string reason) => reason switch
    {
        "RedundantExport" => "The target entry already has the values the mappings give; nothing was sent.",
        "CreateNotAllowed" => "The object mapping does not allow creates (flowTypes).",
        "UpdateNotAllowed" => "The object mapping does not allow updates (flowTypes).",
        _ => item.SkipDescription ?? reason,
    };

    private static ObjectExplanation Explain(ObjectMappingPlan plan, WorkItem item, ProvisioningAction action) => new()
    {
        Type = plan.Type,
        SourceId = item.Id,
        SourceName = item.DisplayName,
        Scope = [.. item.ScopeDetails],
        Matching = [.. item.MatchDetails],
        Mappings = item.Values.Values.Select(v => new MappingValue(v.Attribute.Name, v.Attribute.Mapping.Expression?.Text ?? "(none)",
            v.Result.LogText is var text && v.Result.HasValue ? text : null, item.Target?[v.Attribute.Name],
            v.Result.FlowIgnored ? "not flowed (IgnoreFlowIfNullOrEmpty)" : !v.Result.HasValue ? "null: not sent" :
            v.Attribute.Mapping.FlowType == MappingFlowType.ObjectAddOnly && item.Target is not null ? "only on create" : "")).ToList(),
        Target = item.Target?.Values.ToDictionary(v => v.Key, v => v.Value) ?? [],
        Decision = $"{action} ({item.Decision}{(item.Failure is null ? "" : ", " + item.Failure.Code)})",
    };
}

/// <summary>ServiceNow booleans: the Table API answers "true"/"false" and accepts "1"/"0" and "true"/"false".</summary>
internal static class Booleans
{
    public static bool IsTrue(string? value) => value is not null &&
        (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    public static string ToWire(string? value) => IsTrue(value) ? "true" : "false";

    /// <summary>ServiceNow's <c>locked_out</c> that goes with an <c>active</c> value: the opposite (spec 1.4).</summary>
    public static string LockedOutFor(string? active) => IsTrue(active) ? "false" : "true";
}
