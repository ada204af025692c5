using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdentityBridge.Provisioning.Engine;
using IdentityBridge.Storage;
using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.Logs;

/// <summary>
/// Keeps provisioning log entries in the provisioning store (<see cref="ProvisioningLogTables"/>) and reads them as
/// the portal does: per job, newest first, filtered (spec 5.1). Every value travels as a parameter of an
/// <see cref="EncodedQuery"/>, never as SQL text: identities are directory data an attacker may have written.
/// </summary>
public sealed class ProvisioningLogStore(Store store) : IProvisioningLogSink
{
    /// <summary>How long entries are kept: Entra keeps them 30 days with P1/P2 licences (7 days without).</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(30);

    private static readonly WriteOptions Writer = new("provisioning");

    private const int TickDigits = 19;
    private const int SortKeyLength = TickDigits + 32;

    private TableDefinition Table => store.Tables.Find(ProvisioningLogTables.LogTable)
        ?? throw new InvalidOperationException("The store was opened without ProvisioningLogTables.All.");

    /// <summary>
    /// Stores entries in one transaction. An entry already stored (same id) is kept as it was: entries are
    /// immutable, and a batch appended again after a failure must not fail. Text longer than its column is cut and
    /// NUL characters replaced, so that no directory value can make a cycle lose its log.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<ProvisioningLogEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        var table = Table;
        var rows = new List<IReadOnlyDictionary<string, string?>>(entries.Count);
        foreach (var entry in entries) rows.Add(ToRow(table, entry));
        var results = await store.InsertManyAsync(table, rows, Writer, cancellationToken);
        for (var i = 0; i < results.Count; i++)
        {
            // Aborted is the sys_id taken, the table's only unique key: the entry is there already.
            if (results[i].Error is { Kind: not WriteErrorKind.Aborted } error)
                throw new InvalidOperationException(
                    $"Provisioning log entry {entries[i].Id} could not be stored: {error.Detail}");
        }
    }

    /// <summary>A page of the entries the filter matches, newest first.</summary>
    /// <exception cref="ArgumentException">The limit is out of range or the continuation is not one this store issued.</exception>
    public async Task<ProvisioningLogPage> QueryAsync(ProvisioningLogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Limit is < 1 or > ProvisioningLogFilter.MaxLimit)
            throw new ArgumentOutOfRangeException(nameof(filter),
                $"The limit is {filter.Limit}; give 1 to {ProvisioningLogFilter.MaxLimit} entries per page.");
        var query = Where(filter);
        if (filter.Continuation is { } continuation)
        {
            if (!IsSortKey(continuation))
                throw new ArgumentException("The continuation is not one this store issued; start again without it.", nameof(filter));
            query = query.And(Condition("sort_key", QueryOperator.LessThan, continuation));
        }
        var result = await store.QueryAsync(new RecordQuery
        {
            Table = Table,
            Query = query with { Order = [new OrderTerm("sort_key", Descending: true)] },
            // One more than the page tells whether another page follows without counting.
            Limit = filter.Limit + 1,
            InvalidQueryReturnsNoRows = true,
        }, cancellationToken);
        var rows = result.Rows;
        var more = rows.Count > filter.Limit;
        var entries = rows.Take(filter.Limit).Select(FromRow).ToList();
        return new ProvisioningLogPage(entries, more ? rows[filter.Limit - 1]["sort_key"] : null);
    }

    /// <summary>Every entry the filter matches, newest first, read in pages of <see cref="ProvisioningLogFilter.Limit"/> (for exports).</summary>
    public async IAsyncEnumerable<ProvisioningLogEntry> ReadAllAsync(ProvisioningLogFilter filter,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = await QueryAsync(filter, cancellationToken);
        while (true)
        {
            foreach (var entry in page.Entries) yield return entry;
            if (page.Continuation is null) yield break;
            page = await QueryAsync(filter with { Continuation = page.Continuation }, cancellationToken);
        }
    }

    /// <summary>One entry by its id, or null.</summary>
    public async Task<ProvisioningLogEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var row = await store.GetAsync(Table, KeyOf(id), cancellationToken: cancellationToken);
        return row is null ? null : FromRow(row);
    }

    /// <summary>
    /// How many entries the filter matches (its limit and continuation aside), per action and per status (every
    /// value present, 0 when none) and per pair of both (the pairs that occur).
    /// </summary>
    public async Task<ProvisioningLogCounts> CountAsync(ProvisioningLogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (groups, _) = await store.GroupCountAsync(Table, Where(filter), ["action", "status"],
            invalidQueryReturnsNoRows: true, cancellationToken);
        var byAction = Enum.GetValues<ProvisioningAction>().ToDictionary(a => a, _ => 0L);
        var byStatus = Enum.GetValues<ProvisioningResult>().ToDictionary(s => s, _ => 0L);
        var pairs = new Dictionary<(ProvisioningAction, ProvisioningResult), long>();
        long total = 0;
        foreach (var (keys, count) in groups)
        {
            GraphSpelling.TryParse(keys[0].Value, out ProvisioningAction action);
            GraphSpelling.TryParse(keys[1].Value, out ProvisioningResult status);
            byAction[action] += count;
            byStatus[status] += count;
            pairs[(action, status)] = pairs.GetValueOrDefault((action, status)) + count;
            total += count;
        }
        return new ProvisioningLogCounts(total, byAction, byStatus, pairs);
    }

    /// <summary>Deletes the entries of every job older than the given time; answers how many were deleted.</summary>
    public Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Empty.And(Condition("sort_key", QueryOperator.LessThan, Ticks(olderThan))),
            cancellationToken);

    /// <summary>Deletes one job's entries older than <paramref name="olderThan"/> (each job keeps its own retention).</summary>
    public Task<int> PurgeAsync(string jobId, DateTimeOffset olderThan, CancellationToken cancellationToken = default) =>
        store.DeleteWhereAsync(Table, EncodedQuery.Empty.And(Condition("job_id", QueryOperator.Equals, jobId))
            .And(Condition("sort_key", QueryOperator.LessThan, Ticks(olderThan))), cancellationToken);

    Task IProvisioningLogSink.AppendAsync(IReadOnlyList<ProvisioningLogEntry> entries, CancellationToken cancellationToken) =>
        AppendAsync(entries, cancellationToken);

    // ---- keys ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The sys_id of an entry: its id's 32 hex digits when it is a GUID (as the engine writes them), otherwise a
    /// hash of it, so that any id Graph may hand over has a stable key.
    /// </summary>
    internal static string KeyOf(string id)
    {
        if (Guid.TryParse(id, out var guid)) return guid.ToString("N");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(id), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private static string Ticks(DateTimeOffset time) =>
        Math.Max(0, time.UtcTicks).ToString("D" + TickDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static bool IsSortKey(string text) =>
        text.Length == SortKeyLength && text.AsSpan(0, TickDigits).IndexOfAnyExceptInRange('0', '9') < 0 &&
        SysIds.IsSysId(text[TickDigits..]);

    // ---- filters ---------------------------------------------------------------------------------------------

    private static EncodedQuery Where(ProvisioningLogFilter filter)
    {
        ArgumentException.ThrowIfNullOrEmpty(filter.JobId);
        var query = EncodedQuery.Where("job_id", filter.JobId);
        if (Present(filter.Identity) is { } identity)
            query = AndAny(query, [.. Identity("source", identity, filter.IdentityMatch), .. Identity("target", identity, filter.IdentityMatch)]);
        if (Present(filter.SourceIdentity) is { } source)
            query = AndAny(query, Identity("source", source, filter.IdentityMatch));
        if (Present(filter.TargetIdentity) is { } target)
            query = AndAny(query, Identity("target", target, filter.IdentityMatch));
        if (filter.Action is { } action) query = query.And(Condition("action", QueryOperator.Equals, GraphSpelling.Of(action)));
        if (filter.Status is { } status) query = query.And(Condition("status", QueryOperator.Equals, GraphSpelling.Of(status)));
        if (Present(filter.CycleId) is { } cycle) query = query.And(Condition("cycle_id", QueryOperator.Equals, cycle));
        if (Present(filter.ChangeId) is { } change) query = query.And(Condition("change_id", QueryOperator.Equals, change));
        if (Present(filter.ErrorCode) is { } code) query = query.And(Condition("error_code", QueryOperator.Equals, code));
        // A bare tick count sorts before every key of its tick and after every key of the tick before.
        if (filter.From is { } from) query = query.And(Condition("sort_key", QueryOperator.GreaterThanOrEquals, Ticks(from)));
        if (filter.To is { } to) query = query.And(Condition("sort_key", QueryOperator.LessThan, Ticks(to)));
        return query;
    }

    private static string? Present(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static QueryCondition Condition(string field, QueryOperator op, string value) => new(field, op, value) { Text = field };

    private static QueryCondition[] Identity(string side, string value, IdentityMatch match)
    {
        var op = match switch
        {
            IdentityMatch.StartsWith => QueryOperator.StartsWith,
            IdentityMatch.Contains => QueryOperator.Like,
            _ => QueryOperator.Equals,
        };
        return [Condition(side + "_id", op, value), Condition(side + "_display_name", op, value)];
    }

    /// <summary>The query with one more clause that any of the conditions meets.</summary>
    private static EncodedQuery AndAny(EncodedQuery query, IReadOnlyList<QueryCondition> alternatives)
    {
        var clause = new QueryClause(alternatives);
        var groups = query.Groups.Count == 0
            ? [new QueryGroup([clause])]
            : query.Groups.Select(g => new QueryGroup([.. g.Clauses, clause])).ToList();
        return query with { Groups = groups };
    }

    // ---- rows ------------------------------------------------------------------------------------------------

    private static Dictionary<string, string?> ToRow(TableDefinition table, ProvisioningLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Id, nameof(entry));
        ArgumentException.ThrowIfNullOrEmpty(entry.JobId, nameof(entry));
        var sysId = KeyOf(entry.Id);
        var row = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [TableDefinition.SysId] = sysId,
            ["entry_id"] = entry.Id,
            ["sort_key"] = Ticks(entry.ActivityDateTime) + sysId,
            ["activity_time"] = GlideDateTimes.Format(entry.ActivityDateTime),
            ["job_id"] = entry.JobId,
            ["cycle_id"] = entry.CycleId,
            ["change_id"] = entry.ChangeId,
            ["action"] = GraphSpelling.Of(entry.Action),
            ["status"] = GraphSpelling.Of(entry.Status),
            ["source_id"] = entry.SourceIdentity.Id,
            ["source_type"] = entry.SourceIdentity.Type,
            ["source_display_name"] = entry.SourceIdentity.DisplayName,
            ["target_id"] = entry.TargetIdentity.Id,
            ["target_type"] = entry.TargetIdentity.Type,
            ["target_display_name"] = entry.TargetIdentity.DisplayName,
            ["source_system"] = entry.SourceSystem,
            ["target_system"] = entry.TargetSystem,
            ["duration_ms"] = entry.DurationInMilliseconds.ToString(CultureInfo.InvariantCulture),
            ["tenant_id"] = entry.TenantId,
            ["service_principal_id"] = entry.ServicePrincipalId,
            ["service_principal_name"] = entry.ServicePrincipalDisplayName,
            ["initiated_by"] = entry.InitiatedBy,
            ["initiator_id"] = entry.InitiatorId,
            ["initiator_type"] = GraphSpelling.Of(entry.InitiatorType),
        };
        if (entry.Error is { } error)
        {
            row["error_code"] = error.ErrorCode;
            row["error_reason"] = error.Reason;
            row["error_recommended_action"] = error.RecommendedAction;
            row["error_additional_details"] = error.AdditionalDetails;
            row["error_category"] = error.ErrorCategory;
        }
        foreach (var name in row.Keys.ToList())
            if (row[name] is { } value) row[name] = Fit(value, table.Column(name)!.MaxLength);
        // JSON is not cut like text: it is written again with shorter strings until it fits.
        if (entry.ModifiedProperties.Count > 0)
            row["modified_properties"] = CompactJson.Fitting(table.Column("modified_properties")!.MaxLength,
                cap => CompactJson.Modified(entry.ModifiedProperties, cap));
        if (entry.Steps.Count > 0)
            row["steps"] = CompactJson.Fitting(table.Column("steps")!.MaxLength, cap => CompactJson.Steps(entry.Steps, cap));
        return row;
    }

    /// <summary>A value as its column can hold it: NUL (which no database text holds alike) replaced, then cut to length.</summary>
    private static string Fit(string value, int maxLength)
    {
        if (value.Contains('\0')) value = value.Replace('\0', '\uFFFD');
        if (value.Length <= maxLength || maxLength < 2) return value;
        var cut = maxLength - 1;
        if (char.IsHighSurrogate(value[cut - 1])) cut--;
        return string.Concat(value.AsSpan(0, cut), "\u2026");
    }

    private static ProvisioningLogEntry FromRow(RecordRow row)
    {
        var sortKey = row["sort_key"]!;
        var ticks = long.Parse(sortKey.AsSpan(0, TickDigits), NumberStyles.None, CultureInfo.InvariantCulture);
        GraphSpelling.TryParse(row["action"], out ProvisioningAction action);
        GraphSpelling.TryParse(row["status"], out ProvisioningResult status);
        GraphSpelling.TryParse(row["initiator_type"], out ProvisioningInitiatorType initiatorType);
        return new ProvisioningLogEntry
        {
            Id = row["entry_id"]!,
            ActivityDateTime = new DateTimeOffset(ticks, TimeSpan.Zero),
            JobId = row["job_id"]!,
            CycleId = row["cycle_id"] ?? "",
            ChangeId = row["change_id"] ?? "",
            Action = action,
            Status = status,
            Error = row["error_category"] is { } category
                ? new ProvisioningError(row["error_code"] ?? "", row["error_reason"] ?? "", row["error_recommended_action"],
                    row["error_additional_details"], category)
                : null,
            SourceIdentity = new ProvisionedIdentity(row["source_id"], row["source_type"] ?? "", row["source_display_name"]),
            TargetIdentity = new ProvisionedIdentity(row["target_id"], row["target_type"] ?? "", row["target_display_name"]),
            ModifiedProperties = row["modified_properties"] is { } modified ? CompactJson.ReadModified(modified) : [],
            Steps = row["steps"] is { } steps ? CompactJson.ReadSteps(steps) : [],
            DurationInMilliseconds = long.TryParse(row["duration_ms"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : 0,
            SourceSystem = row["source_system"] ?? "",
            TargetSystem = row["target_system"] ?? "",
            TenantId = row["tenant_id"],
            ServicePrincipalId = row["service_principal_id"],
            ServicePrincipalDisplayName = row["service_principal_name"],
            InitiatedBy = row["initiated_by"] ?? "",
            InitiatorId = row["initiator_id"],
            InitiatorType = initiatorType,
        };
    }

    /// <summary>
    /// Steps and modified properties as the store keeps them: arrays with one-letter keys, a fraction of the size of
    /// Graph's shape when a cycle logs hundreds of thousands of entries.
    /// </summary>
    private static class CompactJson
    {
        /// <summary>The JSON with every string whole, or cut to shorter lengths until the whole fits the column.</summary>
        public static string? Fitting(int maxLength, Func<int, string> write)
        {
            foreach (var cap in (ReadOnlySpan<int>)[int.MaxValue, 1_000, 100])
            {
                var json = write(cap);
                if (json.Length <= maxLength) return json;
            }
            return null;
        }

        public static string Steps(IReadOnlyList<ProvisioningStep> steps, int cap) => Write(writer =>
        {
            writer.WriteStartArray();
            foreach (var step in steps)
            {
                writer.WriteStartObject();
                writer.WriteString("t", GraphSpelling.Of(step.Type));
                writer.WriteString("n", Cap(step.Name, cap));
                writer.WriteString("s", GraphSpelling.Of(step.Status));
                writer.WriteString("d", Cap(step.Description, cap));
                writer.WriteStartArray("x");
                foreach (var (key, value) in step.Details)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(Cap(key, cap));
                    writer.WriteStringValue(Cap(value, cap));
                    writer.WriteEndArray();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });

        public static string Modified(IReadOnlyList<ModifiedProperty> properties, int cap) => Write(writer =>
        {
            writer.WriteStartArray();
            foreach (var property in properties)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(Cap(property.DisplayName, cap));
                writer.WriteStringValue(Cap(property.OldValue, cap));
                writer.WriteStringValue(Cap(property.NewValue, cap));
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        });

        public static IReadOnlyList<ProvisioningStep> ReadSteps(string json)
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateArray().Select(step =>
            {
                GraphSpelling.TryParse(step.GetProperty("t").GetString(), out ProvisioningStepType type);
                GraphSpelling.TryParse(step.GetProperty("s").GetString(), out ProvisioningResult status);
                var details = step.GetProperty("x").EnumerateArray()
                    .Select(pair => new KeyValuePair<string, string>(pair[0].GetString() ?? "", pair[1].GetString() ?? ""))
                    .ToList();
                return new ProvisioningStep(type, step.GetProperty("n").GetString() ?? "", status,
                    step.GetProperty("d").GetString() ?? "", details);
            }).ToList();
        }

        public static IReadOnlyList<ModifiedProperty> ReadModified(string json)
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateArray()
                .Select(p => new ModifiedProperty(p[0].GetString() ?? "", p[1].GetString(), p[2].GetString()))
                .ToList();
        }

        private static string? Cap(string? value, int cap) => value is null ? null : Fit(value, cap);

        private static string Write(Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>();
            // Relaxed escaping keeps names in other scripts readable in the column; the text never reaches HTML as is.
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                write(writer);
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }
}
