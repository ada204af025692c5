using IdentityBridge.Provisioning.Jobs;
using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Engine;

/// <summary>
/// Resolves reference values by display value (a department name to its cmn_department sys_id, spec 1.8), with a
/// cache per table for the run and one batched lookup per table and chunk. A value translated by the job's
/// reference map is looked up under its new name. A missing value fails the object with InvalidLookupReference,
/// or, when the job allows it, the record is created.
/// </summary>
internal sealed class ReferenceLookups(ITargetConnector target, JobSettings settings, bool dryRun)
{
    private readonly Dictionary<(string Table, string Field), Dictionary<string, string?>> _cache = [];
    private readonly Dictionary<(string Table, string Field), Dictionary<string, string>> _failures = [];
    private readonly Lock _gate = new();

    private string Translate(string table, string value) =>
        settings.ReferenceMap.TryGetValue(table, out var map) && map.TryGetValue(value, out var mapped) ? mapped : value;

    public async Task ResolveAsync(IReadOnlyList<ComputedValue> values, CancellationToken cancellationToken)
    {
        foreach (var group in values.GroupBy(v => (v.Attribute.LookupTable!, v.Attribute.LookupField!)))
        {
            Dictionary<string, string?> cache;
            lock (_gate)
                if (!_cache.TryGetValue(group.Key, out cache!)) _cache[group.Key] = cache = new(StringComparer.OrdinalIgnoreCase);
            var wanted = group.Select(v => Translate(group.Key.Item1, v.SourceText!)).Where(v => !cache.ContainsKey(v))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (wanted.Count == 0) continue;
            var result = await target.FindAsync(group.Key.Item1, group.Key.Item2, wanted, ["sys_id", group.Key.Item2], null, cancellationToken);
            if (result.Error is { } error)
            {
                if (error.JobLevel) throw new CycleFailure(error.Code, error.Message, fromTarget: true);
                lock (_gate)
                {
                    if (!_failures.TryGetValue(group.Key, out var failures)) _failures[group.Key] = failures = new(StringComparer.OrdinalIgnoreCase);
                    foreach (var value in wanted) failures[value] = $"{error.Code}: {error.Message}";
                }
                continue;
            }
            var found = result.Value!.GroupBy(r => r[group.Key.Item2] ?? "", StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().SysId, StringComparer.OrdinalIgnoreCase);
            foreach (var value in wanted)
            {
                if (found.TryGetValue(value, out var sysId)) cache[value] = sysId;
                else if (settings.MissingReferences == MissingReferencePolicy.Create && !dryRun)
                {
                    var created = await target.CreateAsync(group.Key.Item1, new Dictionary<string, string?> { [group.Key.Item2] = value },
                        ["sys_id", group.Key.Item2], cancellationToken);
                    if (created.Error is { JobLevel: true } jobError) throw new CycleFailure(jobError.Code, jobError.Message, fromTarget: true);
                    cache[value] = created.Value?.SysId;
                }
                else if (settings.MissingReferences == MissingReferencePolicy.Create) cache[value] = "(created by the cycle)";
                else cache[value] = null;
            }
        }
    }

    /// <summary>The sys_id for a value resolved by <see cref="ResolveAsync"/>, or the failure that stops the object.</summary>
    public bool Find(TargetAttribute attribute, string value, out string? sysId, out ObjectFailure? failure)
    {
        var key = (attribute.LookupTable!, attribute.LookupField!);
        var name = Translate(attribute.LookupTable!, value);
        lock (_gate)
        {
            if (_failures.TryGetValue(key, out var failures) && failures.TryGetValue(name, out var problem))
            {
                sysId = null;
                failure = new ObjectFailure("InvalidLookupReference", $"The {attribute.Name} '{value}' could not be looked up in {attribute.LookupTable}: {problem}",
                    "The lookup is tried again in the next cycle.", ReferenceFailure: true, Transient: true);
                return false;
            }
            if (_cache.TryGetValue(key, out var cache) && cache.TryGetValue(name, out sysId) && sysId is not null)
            {
                failure = null;
                return true;
            }
        }
        sysId = null;
        failure = new ObjectFailure("InvalidLookupReference",
            $"No {attribute.LookupTable} record has {attribute.LookupField} '{name}'{(name == value ? "" : $" (mapped from '{value}')")}, so {attribute.Name} cannot be set; the object is not provisioned.",
            $"Add '{name}' to {attribute.LookupTable} in ServiceNow, correct the value in the directory, map it in the job's reference map, or let the job create missing records (--create-missing-references).",
            ReferenceFailure: false);
        return false;
    }
}
