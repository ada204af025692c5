using System.Text;
using IdentityBridge.Provisioning.Logs;

namespace IdentityBridge.Provisioning.Tests.Logs;

public sealed class ProvisioningLogJsonTests
{
    private static async Task<JsonDocument> ExportAsync(params ProvisioningLogEntry[] entries)
    {
        using var output = new MemoryStream();
        await ProvisioningLogExport.WriteJsonAsync(output, entries);
        return JsonDocument.Parse(output.ToArray());
    }

    private static IReadOnlyList<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    [Fact]
    public async Task export_is_a_graph_page_of_provisioning_object_summaries()
    {
        using var document = await ExportAsync(LogEntries.Full());
        var root = document.RootElement;
        var entry = root.GetProperty("value")[0];

        Assert.Equal(["@odata.context", "value"], Names(root));
        Assert.Equal("https://graph.microsoft.com/v1.0/$metadata#auditLogs/provisioning", root.GetProperty("@odata.context").GetString());
        Assert.Equal(
            new[]
            {
                "activityDateTime", "changeId", "cycleId", "durationInMilliseconds", "id", "initiatedBy", "jobId",
                "modifiedProperties", "provisioningAction", "provisioningStatusInfo", "provisioningSteps",
                "servicePrincipal", "sourceIdentity", "sourceSystem", "targetIdentity", "targetSystem", "tenantId",
            },
            Names(entry).Order(StringComparer.Ordinal));
        Assert.Equal(["id", "displayName", "identityType", "details"], Names(entry.GetProperty("sourceIdentity")));
        Assert.Equal(["id", "displayName", "identityType", "details"], Names(entry.GetProperty("targetIdentity")));
        Assert.Equal(["id", "displayName", "details"], Names(entry.GetProperty("sourceSystem")));
        Assert.Equal(["id", "displayName", "details"], Names(entry.GetProperty("targetSystem")));
        Assert.Equal(["id", "displayName"], Names(entry.GetProperty("servicePrincipal")));
        Assert.Equal(["id", "displayName", "initiatorType"], Names(entry.GetProperty("initiatedBy")));
        Assert.Equal(["status", "errorInformation"], Names(entry.GetProperty("provisioningStatusInfo")));
        Assert.Equal(["errorCode", "reason", "additionalDetails", "errorCategory", "recommendedAction"],
            Names(entry.GetProperty("provisioningStatusInfo").GetProperty("errorInformation")));
        Assert.Equal(["name", "provisioningStepType", "status", "description", "details"], Names(entry.GetProperty("provisioningSteps")[0]));
        Assert.Equal(["displayName", "oldValue", "newValue"], Names(entry.GetProperty("modifiedProperties")[0]));
    }

    [Fact]
    public async Task values_are_spelled_as_graph_spells_them()
    {
        using var document = await ExportAsync(LogEntries.Full(), LogEntries.User("Abel Tuter"));
        var full = document.RootElement.GetProperty("value")[0];
        var plain = document.RootElement.GetProperty("value")[1];
        var status = full.GetProperty("provisioningStatusInfo");
        var step = full.GetProperty("provisioningSteps")[0];

        Assert.Equal("stagedDelete", full.GetProperty("provisioningAction").GetString());
        Assert.Equal("create", plain.GetProperty("provisioningAction").GetString());
        Assert.Equal("failure", status.GetProperty("status").GetString());
        Assert.Equal("nonServiceFailure", status.GetProperty("errorInformation").GetProperty("errorCategory").GetString());
        Assert.Equal("InvalidLookupReference", status.GetProperty("errorInformation").GetProperty("errorCode").GetString());
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("provisioningStatusInfo").GetProperty("errorInformation").ValueKind);
        Assert.Equal("referenceResolution", step.GetProperty("provisioningStepType").GetString());
        Assert.Equal("warning", step.GetProperty("status").GetString());
        Assert.Equal("department", step.GetProperty("details").GetProperty("ReferenceAttribute").GetString());
        Assert.Equal("skipped", full.GetProperty("provisioningSteps")[1].GetProperty("status").GetString());
        Assert.Equal("user", full.GetProperty("initiatedBy").GetProperty("initiatorType").GetString());
        Assert.Equal("system", plain.GetProperty("initiatedBy").GetProperty("initiatorType").GetString());
        Assert.Equal("2025-03-14T09:26:53.1234567Z", full.GetProperty("activityDateTime").GetString());
        Assert.Equal("2025-03-14T09:26:53Z", plain.GetProperty("activityDateTime").GetString());
        Assert.Equal(3236, full.GetProperty("durationInMilliseconds").GetInt64());
        Assert.Equal(JsonValueKind.Null, full.GetProperty("modifiedProperties")[0].GetProperty("newValue").ValueKind);
        Assert.Equal("Лидер", full.GetProperty("modifiedProperties")[1].GetProperty("oldValue").GetString());
        Assert.Equal("6cc35b93-185a-4485-a519-50c09549a3ad",
            full.GetProperty("targetSystem").GetProperty("details").GetProperty("ServicePrincipalId").GetString());
    }

    [Fact]
    public async Task an_export_reads_back_into_the_same_entries()
    {
        var entries = new[] { LogEntries.Full(), LogEntries.User("Abel Tuter") with { TenantId = null, ServicePrincipalId = null } };
        using var output = new MemoryStream();
        await ProvisioningLogExport.WriteJsonAsync(output, entries, "https://tenant.example/v1.0");
        output.Position = 0;

        var read = await ProvisioningLogExport.ReadJsonAsync(output);

        Assert.Equal(2, read.Count);
        LogEntries.AssertSame(entries[0], read[0]);
        LogEntries.AssertSame(entries[1], read[1]);
    }

    [Fact]
    public async Task graphs_own_answers_are_read_whatever_the_case_of_their_enum_values()
    {
        const string page = """
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/provisioning","value":[{
              "id":"c1b5b0ae-9fc5-4d0e-a0a9-0a6a4728de56","activityDateTime":"2024-05-04T03:00:54Z",
              "jobId":"ServiceNowOutDelta.x","cycleId":"c","changeId":"d","provisioningAction":"disable",
              "durationInMilliseconds":12,
              "provisioningStatusInfo":{"status":"success","errorInformation":null},
              "provisioningSteps":[{"name":"EntryImport","provisioningStepType":"Import","status":"success",
                "description":"Retrieved User","details":{"Count":3}}],
              "modifiedProperties":[],
              "sourceIdentity":{"id":"u1","displayName":"Abel","identityType":"User","details":{}},
              "targetIdentity":{"id":"","displayName":"","identityType":"User","details":{}},
              "initiatedBy":{"id":"","displayName":"Azure AD Provisioning Service","initiatorType":"system"},
              "unknownProperty":{"ignored":true}}]}
            """;

        var read = await ProvisioningLogExport.ReadJsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(page)));

        var entry = Assert.Single(read);
        Assert.Equal(ProvisioningAction.Disable, entry.Action);
        Assert.Equal(ProvisioningStepType.Import, entry.Steps[0].Type);
        Assert.Equal(new KeyValuePair<string, string>("Count", "3"), entry.Steps[0].Details[0]);
        Assert.Equal(new DateTimeOffset(2024, 5, 4, 3, 0, 54, TimeSpan.Zero), entry.ActivityDateTime);
        Assert.Equal("Azure AD Provisioning Service", entry.InitiatedBy);
        Assert.Null(entry.ServicePrincipalId);
    }

    [Fact]
    public async Task a_value_graph_does_not_know_is_a_format_error_naming_it()
    {
        const string page = """{"value":[{"id":"e1","activityDateTime":"2024-05-04T03:00:54Z","provisioningAction":"explode","provisioningStatusInfo":{"status":"success"}}]}""";

        var error = await Assert.ThrowsAsync<FormatException>(() =>
            ProvisioningLogExport.ReadJsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(page))));

        Assert.Contains("explode", error.Message, StringComparison.Ordinal);
        Assert.Contains("e1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_large_export_is_written_as_it_goes()
    {
        var output = new CountingStream();
        var entries = Enumerable.Range(0, 5_000).Select(i => LogEntries.User($"user{i}"));

        await ProvisioningLogExport.WriteJsonAsync(output, entries);

        Assert.True(output.Writes > 10, $"{output.Writes} writes");
        output.Position = 0;
        Assert.Equal(5_000, (await ProvisioningLogExport.ReadJsonAsync(output)).Count);
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Writes++;
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }
}
