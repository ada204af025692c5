using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace IdentityBridge.Provisioning.Logs;

/// <summary>
/// Provisioning log entries as Entra hands them out: JSON in Microsoft Graph's <c>provisioningObjectSummary</c>
/// shape (<c>GET /auditLogs/provisioning</c>), and the portal's CSV download of three files joined by changeId.
/// Both are written as a stream, entry by entry, so an export of 100,000 entries never sits in memory.
/// </summary>
public static partial class ProvisioningLogExport
{
    /// <summary>Graph's service root, which <c>@odata.context</c> names unless another is given.</summary>
    public const string GraphServiceRoot = "https://graph.microsoft.com/v1.0/";

    private const int FlushThreshold = 64 * 1024;

    // Letters of every script stay as they are; characters that matter to HTML (<, >, &, ', +) are escaped, so the
    // file is safe wherever a browser shows it.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <summary>Writes <c>{"@odata.context": "...#auditLogs/provisioning", "value": [...]}</c>.</summary>
    public static async Task WriteJsonAsync(Stream output, IAsyncEnumerable<ProvisioningLogEntry> entries,
        string serviceRoot = GraphServiceRoot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(entries);
        await using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", serviceRoot.TrimEnd('/') + "/$metadata#auditLogs/provisioning");
        writer.WriteStartArray("value");
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            WriteEntry(writer, entry);
            if (writer.BytesPending >= FlushThreshold) await writer.FlushAsync(cancellationToken);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    public static Task WriteJsonAsync(Stream output, IEnumerable<ProvisioningLogEntry> entries,
        string serviceRoot = GraphServiceRoot, CancellationToken cancellationToken = default) =>
        WriteJsonAsync(output, entries.ToAsyncEnumerable(), serviceRoot, cancellationToken);

    /// <summary>One entry as a Graph <c>provisioningObjectSummary</c> object, in the order of Graph's own responses.</summary>
    public static void WriteEntry(Utf8JsonWriter writer, ProvisioningLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(entry);
        writer.WriteStartObject();
        writer.WriteString("id", entry.Id);
        writer.WriteString("activityDateTime", FormatTime(entry.ActivityDateTime));
        writer.WriteString("tenantId", entry.TenantId);
        writer.WriteString("jobId", entry.JobId);
        writer.WriteString("cycleId", entry.CycleId);
        writer.WriteString("changeId", entry.ChangeId);
        writer.WriteString("provisioningAction", GraphSpelling.Of(entry.Action));
        writer.WriteNumber("durationInMilliseconds", entry.DurationInMilliseconds);

        writer.WriteStartObject("sourceSystem");
        writer.WriteNull("id");
        writer.WriteString("displayName", entry.SourceSystem);
        writer.WriteStartObject("details");
        writer.WriteEndObject();
        writer.WriteEndObject();

        // Graph describes the enterprise app on the app's side, which for outbound provisioning is the target.
        writer.WriteStartObject("targetSystem");
        writer.WriteNull("id");
        writer.WriteString("displayName", entry.TargetSystem);
        writer.WriteStartObject("details");
        if (entry.ServicePrincipalId is { } spId) writer.WriteString("ServicePrincipalId", spId);
        if (entry.ServicePrincipalDisplayName is { } spName) writer.WriteString("ServicePrincipalDisplayName", spName);
        writer.WriteEndObject();
        writer.WriteEndObject();

        writer.WriteStartObject("initiatedBy");
        writer.WriteString("id", entry.InitiatorId);
        writer.WriteString("displayName", entry.InitiatedBy);
        writer.WriteString("initiatorType", GraphSpelling.Of(entry.InitiatorType));
        writer.WriteEndObject();

        writer.WriteStartObject("servicePrincipal");
        writer.WriteString("id", entry.ServicePrincipalId);
        writer.WriteString("displayName", entry.ServicePrincipalDisplayName);
        writer.WriteEndObject();

        WriteIdentity(writer, "sourceIdentity", entry.SourceIdentity);
        WriteIdentity(writer, "targetIdentity", entry.TargetIdentity);

        writer.WriteStartObject("provisioningStatusInfo");
        writer.WriteString("status", GraphSpelling.Of(entry.Status));
        if (entry.Error is { } error)
        {
            writer.WriteStartObject("errorInformation");
            writer.WriteString("errorCode", error.ErrorCode);
            writer.WriteString("reason", error.Reason);
            writer.WriteString("additionalDetails", error.AdditionalDetails);
            writer.WriteString("errorCategory", GraphSpelling.ErrorCategoryToGraph(error.ErrorCategory));
            writer.WriteString("recommendedAction", error.RecommendedAction);
            writer.WriteEndObject();
        }
        else writer.WriteNull("errorInformation");
        writer.WriteEndObject();

        writer.WriteStartArray("provisioningSteps");
        foreach (var step in entry.Steps)
        {
            writer.WriteStartObject();
            writer.WriteString("name", step.Name);
            writer.WriteString("provisioningStepType", GraphSpelling.Of(step.Type));
            writer.WriteString("status", GraphSpelling.Of(step.Status));
            writer.WriteString("description", step.Description);
            writer.WriteStartObject("details");
            foreach (var (key, value) in step.Details) writer.WriteString(key, value);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WriteStartArray("modifiedProperties");
        foreach (var property in entry.ModifiedProperties)
        {
            writer.WriteStartObject();
            writer.WriteString("displayName", property.DisplayName);
            writer.WriteString("oldValue", property.OldValue);
            writer.WriteString("newValue", property.NewValue);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteIdentity(Utf8JsonWriter writer, string name, ProvisionedIdentity identity)
    {
        writer.WriteStartObject(name);
        writer.WriteString("id", identity.Id);
        writer.WriteString("displayName", identity.DisplayName);
        writer.WriteString("identityType", identity.Type);
        writer.WriteStartObject("details");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>ISO 8601 in UTC as Graph writes it: <c>2019-05-04T03:00:54Z</c>, with fractions of a second only when there are some.</summary>
    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads a <c>GET /auditLogs/provisioning</c> response (or an export of this class) back into entries.</summary>
    /// <exception cref="FormatException">The document is not a page of provisioningObjectSummary objects.</exception>
    public static async Task<IReadOnlyList<ProvisioningLogEntry>> ReadJsonAsync(Stream input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var document = await JsonDocument.ParseAsync(input, cancellationToken: cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object ||
            !document.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
            throw new FormatException("The document has no \"value\" array of provisioning log entries.");
        return value.EnumerateArray().Select(ReadEntry).ToList();
    }

    /// <summary>One Graph <c>provisioningObjectSummary</c> object as an entry; enum values are read whatever their case.</summary>
    /// <exception cref="FormatException">The id or the time is missing, or an enum value is not one of Graph's.</exception>
    public static ProvisioningLogEntry ReadEntry(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException("A provisioning log entry is not a JSON object.");
        var id = ReadString(element, "id") ?? throw new FormatException("A provisioning log entry has no id.");
        var timeText = ReadString(element, "activityDateTime");
        if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            throw new FormatException($"Entry {id}: '{timeText}' is not an activityDateTime.");

        var statusInfo = ReadObject(element, "provisioningStatusInfo");
        var servicePrincipal = ReadObject(element, "servicePrincipal");
        var targetSystemDetails = ReadObject(ReadObject(element, "targetSystem"), "details");
        var initiatedBy = ReadObject(element, "initiatedBy");
        var errorInformation = ReadObject(statusInfo, "errorInformation");

        return new ProvisioningLogEntry
        {
            Id = id,
            ActivityDateTime = time,
            JobId = ReadString(element, "jobId") ?? "",
            CycleId = ReadString(element, "cycleId") ?? "",
            ChangeId = ReadString(element, "changeId") ?? "",
            Action = Parse<ProvisioningAction>(id, "provisioningAction", ReadString(element, "provisioningAction") ?? "other", GraphSpelling.TryParse),
            Status = Parse<ProvisioningResult>(id, "status", ReadString(statusInfo, "status"), GraphSpelling.TryParse),
            Error = errorInformation is { } error
                ? new ProvisioningError(ReadString(error, "errorCode") ?? "", ReadString(error, "reason") ?? "",
                    ReadString(error, "recommendedAction"), ReadString(error, "additionalDetails"),
                    GraphSpelling.ErrorCategoryFromGraph(ReadString(error, "errorCategory") ?? "nonServiceFailure"))
                : null,
            SourceIdentity = ReadIdentity(ReadObject(element, "sourceIdentity")),
            TargetIdentity = ReadIdentity(ReadObject(element, "targetIdentity")),
            ModifiedProperties = ReadArray(element, "modifiedProperties")
                .Select(p => new ModifiedProperty(ReadString(p, "displayName") ?? "", ReadString(p, "oldValue"), ReadString(p, "newValue")))
                .ToList(),
            Steps = ReadArray(element, "provisioningSteps").Select(step => new ProvisioningStep(
                    Parse<ProvisioningStepType>(id, "provisioningStepType", ReadString(step, "provisioningStepType"), GraphSpelling.TryParse),
                    ReadString(step, "name") ?? "",
                    Parse<ProvisioningResult>(id, "status", ReadString(step, "status"), GraphSpelling.TryParse),
                    ReadString(step, "description") ?? "",
                    Details(ReadObject(step, "details"))))
                .ToList(),
            DurationInMilliseconds = element.TryGetProperty("durationInMilliseconds", out var duration) &&
                                     duration.ValueKind == JsonValueKind.Number && duration.TryGetInt64(out var ms) ? ms : 0,
            SourceSystem = ReadString(ReadObject(element, "sourceSystem"), "displayName") ?? "",
            TargetSystem = ReadString(ReadObject(element, "targetSystem"), "displayName") ?? "",
            TenantId = ReadString(element, "tenantId"),
            ServicePrincipalId = ReadString(servicePrincipal, "id") ?? ReadString(targetSystemDetails, "ServicePrincipalId"),
            ServicePrincipalDisplayName = ReadString(servicePrincipal, "displayName") ?? ReadString(targetSystemDetails, "ServicePrincipalDisplayName"),
            InitiatedBy = ReadString(initiatedBy, "displayName") ?? "",
            InitiatorId = ReadString(initiatedBy, "id"),
            InitiatorType = initiatedBy is null
                ? ProvisioningInitiatorType.System
                : Parse<ProvisioningInitiatorType>(id, "initiatorType", ReadString(initiatedBy, "initiatorType") ?? "system", GraphSpelling.TryParse),
        };
    }

    private delegate bool TryParser<T>(string? text, out T value);

    private static T Parse<T>(string id, string property, string? text, TryParser<T> parse) =>
        parse(text, out var value)
            ? value
            : throw new FormatException($"Entry {id}: '{text}' is not a value of Graph's {property}.");

    private static ProvisionedIdentity ReadIdentity(JsonElement? identity) =>
        new(ReadString(identity, "id"), ReadString(identity, "identityType") ?? "", ReadString(identity, "displayName"));

    private static List<KeyValuePair<string, string>> Details(JsonElement? details) =>
        details is { } d
            ? d.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name,
                p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())).ToList()
            : [];

    private static JsonElement? ReadObject(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : null;

    private static IEnumerable<JsonElement> ReadArray(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static string? ReadString(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;
}
