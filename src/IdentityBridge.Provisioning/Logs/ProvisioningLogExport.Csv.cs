using System.Globalization;
using System.Text;

namespace IdentityBridge.Provisioning.Logs;

public static partial class ProvisioningLogExport
{
    /// <summary>The columns of the summary file: every field but the steps and the modified properties.</summary>
    public static IReadOnlyList<string> SummaryColumns { get; } =
    [
        "id", "activityDateTime", "jobId", "cycleId", "changeId", "provisioningAction", "status", "errorCode",
        "reason", "additionalDetails", "errorCategory", "recommendedAction", "sourceIdentityId",
        "sourceIdentityDisplayName", "sourceIdentityType", "targetIdentityId", "targetIdentityDisplayName",
        "targetIdentityType", "sourceSystem", "targetSystem", "servicePrincipalId", "servicePrincipalDisplayName",
        "durationInMilliseconds", "initiatedBy", "initiatorType", "tenantId",
    ];

    /// <summary>The columns of the steps file; <c>stepNumber</c> keeps the order of an entry's steps.</summary>
    public static IReadOnlyList<string> StepColumns { get; } =
        ["changeId", "stepNumber", "provisioningStepType", "name", "status", "description", "details"];

    /// <summary>The columns of the modified properties file.</summary>
    public static IReadOnlyList<string> ModifiedPropertyColumns { get; } = ["changeId", "displayName", "oldValue", "newValue"];

    /// <summary>The names of the three files of a CSV export named <paramref name="name"/>.</summary>
    public static (string Summary, string Steps, string ModifiedProperties) CsvFileNames(string name) =>
        ($"{name}.csv", $"{name}-steps.csv", $"{name}-modifiedProperties.csv");

    /// <summary>
    /// Writes the portal's CSV download (spec 5.1): a summary row per entry, a row per step and a row per modified
    /// property, the last two joined to the first by changeId. RFC 4180 (CRLF, quotes doubled), UTF-8 with a byte
    /// order mark so that spreadsheets read it as UTF-8, and no cell that a spreadsheet would run as a formula.
    /// </summary>
    public static async Task WriteCsvAsync(IAsyncEnumerable<ProvisioningLogEntry> entries, Stream summary, Stream steps,
        Stream modifiedProperties, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var summaryCsv = new CsvWriter(summary);
        await using var stepsCsv = new CsvWriter(steps);
        await using var modifiedCsv = new CsvWriter(modifiedProperties);
        await summaryCsv.WriteRowAsync(SummaryColumns, cancellationToken);
        await stepsCsv.WriteRowAsync(StepColumns, cancellationToken);
        await modifiedCsv.WriteRowAsync(ModifiedPropertyColumns, cancellationToken);
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            await summaryCsv.WriteRowAsync(SummaryRow(entry), cancellationToken);
            for (var i = 0; i < entry.Steps.Count; i++)
            {
                var step = entry.Steps[i];
                await stepsCsv.WriteRowAsync(
                [
                    entry.ChangeId, (i + 1).ToString(CultureInfo.InvariantCulture), GraphSpelling.Of(step.Type), step.Name,
                    GraphSpelling.Of(step.Status), step.Description, DetailsText(step.Details),
                ], cancellationToken);
            }
            foreach (var property in entry.ModifiedProperties)
                await modifiedCsv.WriteRowAsync([entry.ChangeId, property.DisplayName, property.OldValue, property.NewValue], cancellationToken);
        }
        await summaryCsv.FlushAsync(cancellationToken);
        await stepsCsv.FlushAsync(cancellationToken);
        await modifiedCsv.FlushAsync(cancellationToken);
    }

    public static Task WriteCsvAsync(IEnumerable<ProvisioningLogEntry> entries, Stream summary, Stream steps,
        Stream modifiedProperties, CancellationToken cancellationToken = default) =>
        WriteCsvAsync(entries.ToAsyncEnumerable(), summary, steps, modifiedProperties, cancellationToken);

    /// <summary>Writes the three files into a directory (<see cref="CsvFileNames"/>) and answers their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteCsvFilesAsync(IAsyncEnumerable<ProvisioningLogEntry> entries,
        string directory, string name, CancellationToken cancellationToken = default)
    {
        var (summaryName, stepsName, modifiedName) = CsvFileNames(name);
        var paths = new[] { summaryName, stepsName, modifiedName }.Select(n => Path.Combine(directory, n)).ToList();
        Directory.CreateDirectory(directory);
        await using var summary = File.Create(paths[0]);
        await using var steps = File.Create(paths[1]);
        await using var modified = File.Create(paths[2]);
        await WriteCsvAsync(entries, summary, steps, modified, cancellationToken);
        return paths;
    }

    private static string?[] SummaryRow(ProvisioningLogEntry entry) =>
    [
        entry.Id, FormatTime(entry.ActivityDateTime), entry.JobId, entry.CycleId, entry.ChangeId,
        GraphSpelling.Of(entry.Action), GraphSpelling.Of(entry.Status), entry.Error?.ErrorCode, entry.Error?.Reason,
        entry.Error?.AdditionalDetails, entry.Error is { } error ? GraphSpelling.ErrorCategoryToGraph(error.ErrorCategory) : null,
        entry.Error?.RecommendedAction, entry.SourceIdentity.Id, entry.SourceIdentity.DisplayName, entry.SourceIdentity.Type,
        entry.TargetIdentity.Id, entry.TargetIdentity.DisplayName, entry.TargetIdentity.Type, entry.SourceSystem,
        entry.TargetSystem, entry.ServicePrincipalId, entry.ServicePrincipalDisplayName,
        entry.DurationInMilliseconds.ToString(CultureInfo.InvariantCulture), entry.InitiatedBy,
        GraphSpelling.Of(entry.InitiatorType), entry.TenantId,
    ];

    /// <summary>A step's details as one cell, one <c>key: value</c> per line, as the portal lists them.</summary>
    private static string DetailsText(IReadOnlyList<KeyValuePair<string, string>> details) =>
        string.Join("\n", details.Select(d => $"{d.Key}: {d.Value}"));

    /// <summary>Cells of one CSV file, written a row at a time.</summary>
    private sealed class CsvWriter(Stream stream) : IAsyncDisposable
    {
        private readonly StreamWriter _writer = new(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            bufferSize: 64 * 1024, leaveOpen: true);
        private readonly StringBuilder _line = new();

        public async Task WriteRowAsync(IReadOnlyList<string?> cells, CancellationToken cancellationToken)
        {
            _line.Clear();
            for (var i = 0; i < cells.Count; i++)
            {
                if (i > 0) _line.Append(',');
                AppendCell(_line, cells[i]);
            }
            _line.Append("\r\n");
            await _writer.WriteAsync(_line, cancellationToken);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

        public ValueTask DisposeAsync() => _writer.DisposeAsync();
    }

    /// <summary>
    /// One cell. Directory values are attacker-influenced and admins open these files in spreadsheets, which run a
    /// cell starting with =, +, -, @, tab or CR as a formula (CSV injection): such a cell gets a leading single
    /// quote, which spreadsheets show as text. Then RFC 4180: a cell holding a comma, a quote or a line break is
    /// quoted, its quotes doubled.
    /// </summary>
    internal static void AppendCell(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var guarded = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        var quoted = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quoted) line.Append('"');
        if (guarded) line.Append('\'');
        if (quoted) line.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        else line.Append(value);
        if (quoted) line.Append('"');
    }
}
