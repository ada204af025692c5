using System.Text;
using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Provisioning.Tests.Logs;

public sealed class ProvisioningLogCsvTests
{
    /// <summary>The three files of an export, as text and as rows of cells keyed by their header.</summary>
    private sealed record Export(string SummaryText, Csv Summary, Csv Steps, Csv ModifiedProperties, byte[] SummaryBytes);

    private static async Task<Export> ExportAsync(params ProvisioningLogEntry[] entries)
    {
        using var summary = new MemoryStream();
        using var steps = new MemoryStream();
        using var modified = new MemoryStream();
        await ProvisioningLogExport.WriteCsvAsync(entries, summary, steps, modified);
        var summaryText = Text(summary);
        return new Export(summaryText, Csv.Parse(summaryText), Csv.Parse(Text(steps)), Csv.Parse(Text(modified)), summary.ToArray());

        static string Text(MemoryStream stream) => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(stream.ToArray()).TrimStart('\uFEFF');
    }

    [Fact]
    public async Task three_files_join_on_the_change_id()
    {
        var abel = LogEntries.User("Abel Tuter", "abel.tuter");
        var full = LogEntries.Full();

        var export = await ExportAsync(abel, full);

        Assert.Equal(ProvisioningLogExport.SummaryColumns, export.Summary.Header);
        Assert.Equal(ProvisioningLogExport.StepColumns, export.Steps.Header);
        Assert.Equal(ProvisioningLogExport.ModifiedPropertyColumns, export.ModifiedProperties.Header);
        Assert.Equal([abel.ChangeId, full.ChangeId], export.Summary.Rows.Select(r => r["changeId"]));
        var abelSteps = export.Steps.Rows.Where(r => r["changeId"] == abel.ChangeId).ToList();
        Assert.Equal(["1", "2", "3"], abelSteps.Select(r => r["stepNumber"]));
        Assert.Equal(["import", "scoping", "export"], abelSteps.Select(r => r["provisioningStepType"]));
        Assert.Equal("IsActive: True\nScopeEvaluationResult: {}", abelSteps[1]["details"]);
        Assert.Equal(["referenceResolution", "matching"],
            export.Steps.Rows.Where(r => r["changeId"] == full.ChangeId).Select(r => r["provisioningStepType"]));
        var fullProperties = export.ModifiedProperties.Rows.Where(r => r["changeId"] == full.ChangeId).ToList();
        Assert.Equal(["email", "title"], fullProperties.Select(r => r["displayName"]));
        Assert.Equal("zoe@old.example", fullProperties[0]["oldValue"]);
        Assert.Equal("", fullProperties[0]["newValue"]);
        Assert.Equal("Leiter", fullProperties[1]["newValue"]);
        Assert.Equal(2, export.ModifiedProperties.Rows.Count(r => r["changeId"] == abel.ChangeId));

        var summary = export.Summary.Rows[1];
        Assert.Equal("stagedDelete", summary["provisioningAction"]);
        Assert.Equal("failure", summary["status"]);
        Assert.Equal("InvalidLookupReference", summary["errorCode"]);
        Assert.Equal("nonServiceFailure", summary["errorCategory"]);
        Assert.Equal("2025-03-14T09:26:53.1234567Z", summary["activityDateTime"]);
        Assert.Equal("3236", summary["durationInMilliseconds"]);
    }

    [Fact]
    public async Task commas_quotes_and_line_breaks_are_quoted_as_rfc_4180_says()
    {
        var entry = LogEntries.User("Tuter, \"Abel\"\r\nJunior") with
        {
            ModifiedProperties = [new("description", "line one\nline two", "plain")],
        };

        var export = await ExportAsync(entry);

        Assert.Contains("\"Tuter, \"\"Abel\"\"\r\nJunior\"", export.SummaryText, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", export.SummaryText, StringComparison.Ordinal);
        Assert.Equal("Tuter, \"Abel\"\r\nJunior", export.Summary.Rows[0]["sourceIdentityDisplayName"]);
        Assert.Equal("line one\nline two", export.ModifiedProperties.Rows[0]["oldValue"]);
        Assert.Equal("plain", export.ModifiedProperties.Rows[0]["newValue"]);
    }

    [Fact]
    public async Task cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote()
    {
        string[] hostile = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab", "\rCR"];
        var entries = hostile.Select((name, i) => LogEntries.User(name) with
        {
            ModifiedProperties = [new("title", "=1+1", "a=b")],
            Steps = [new(ProvisioningStepType.Import, "EntryImport", ProvisioningResult.Success, "@evil", [new("k", "=v")])],
        }).ToArray();

        var export = await ExportAsync(entries);

        Assert.Equal(hostile.Select(h => "'" + h), export.Summary.Rows.Select(r => r["sourceIdentityDisplayName"]));
        Assert.All(export.ModifiedProperties.Rows, r => Assert.Equal("'=1+1", r["oldValue"]));
        Assert.All(export.ModifiedProperties.Rows, r => Assert.Equal("a=b", r["newValue"]));
        Assert.All(export.Steps.Rows, r => Assert.Equal("'@evil", r["description"]));
        Assert.All(export.Steps.Rows, r => Assert.Equal("k: =v", r["details"]));
        foreach (var csv in new[] { export.Summary, export.Steps, export.ModifiedProperties })
            Assert.All(csv.Rows.SelectMany(r => r.Values), cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), cell));
    }

    [Fact]
    public async Task files_are_utf8_with_a_byte_order_mark_for_spreadsheets()
    {
        var export = await ExportAsync(LogEntries.User("Zoë Ångström 山田"));

        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, export.SummaryBytes[..3]);
        Assert.Equal("Zoë Ångström 山田", export.Summary.Rows[0]["sourceIdentityDisplayName"]);
    }

    [Fact]
    public async Task files_are_written_to_a_directory_under_the_export_name()
    {
        var directory = Path.Combine(Path.GetTempPath(), "idbridge-tests", Guid.NewGuid().ToString("n"));
        try
        {
            var paths = await ProvisioningLogExport.WriteCsvFilesAsync(new[] { LogEntries.User("Abel") }.ToAsyncEnumerable(), directory, "ProvisioningLogs");

            Assert.Equal(["ProvisioningLogs.csv", "ProvisioningLogs-steps.csv", "ProvisioningLogs-modifiedProperties.csv"],
                paths.Select(Path.GetFileName));
            Assert.Single(Csv.Parse(File.ReadAllText(paths[0]).TrimStart('\uFEFF')).Rows);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>A CSV file read as RFC 4180 describes it: the header, then each row's cells by column name.</summary>
internal sealed record Csv(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows)
{
    public static Csv Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var cell = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && cell.Length == 0)
            {
                // A quoted cell: up to the quote that is not doubled.
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i += 2; }
                    else if (text[i] == '"') { i++; break; }
                    else cell.Append(text[i++]);
                }
                continue;
            }
            if (c == ',') { record.Add(cell.ToString()); cell.Clear(); i++; continue; }
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(cell.ToString());
                cell.Clear();
                records.Add(record);
                record = [];
                i += 2;
                continue;
            }
            if (c is '"' or '\r' or '\n') Assert.Fail($"Unquoted line break or quote at {i}: an RFC 4180 cell holding one must be quoted.");
            cell.Append(c);
            i++;
        }
        Assert.Empty(record);
        var header = records[0];
        Assert.All(records, r => Assert.Equal(header.Count, r.Count));
        return new Csv(header, records.Skip(1).Select(r => (IReadOnlyDictionary<string, string>)header.Zip(r)
            .ToDictionary(p => p.First, p => p.Second)).ToList());
    }
}
