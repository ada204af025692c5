using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Provisioning.Logs;

/// <summary>
/// The provisioning log's table: one row per <see cref="ProvisioningLogEntry"/>, one column per field, the steps and
/// modified properties as compact JSON. A row's sys_id follows from the entry's id
/// (<see cref="ProvisioningLogStore.KeyOf"/>), so appending an entry twice keeps one row.
/// </summary>
public static class ProvisioningLogTables
{
    public const string LogTable = "prov_log";

    // Generous for directory data (Entra display names hold 256 characters) and what targets answer in errors.
    private const int IdLength = 400;
    private const int NameLength = 1_024;
    private const int TextLength = 16_000;
    private const int JsonLength = 4_000_000;

    public static TableDefinition Log { get; } = new(LogTable, "Provisioning log entry", "change_id",
    [
        ColumnDefinition.String("entry_id", maxLength: IdLength) with { Mandatory = true },
        // The order of the log: the activity time in ticks (19 digits) then the sys_id, so that newest first is one
        // descending index walk and a page ends at an exact key, even among entries of the same millisecond.
        ColumnDefinition.String("sort_key", maxLength: 51) with { Mandatory = true },
        ColumnDefinition.DateTime("activity_time"),
        ColumnDefinition.String("job_id", maxLength: IdLength) with { Mandatory = true },
        ColumnDefinition.String("cycle_id", maxLength: IdLength),
        ColumnDefinition.String("change_id", maxLength: IdLength),
        ColumnDefinition.Choice("action", GraphSpelling.Actions),
        ColumnDefinition.Choice("status", GraphSpelling.Results),
        ColumnDefinition.String("error_code", maxLength: IdLength),
        ColumnDefinition.String("error_reason", maxLength: TextLength),
        ColumnDefinition.String("error_recommended_action", maxLength: TextLength),
        ColumnDefinition.String("error_additional_details", maxLength: TextLength),
        // Set exactly when the entry has an error, so that an error with empty fields survives a round trip.
        ColumnDefinition.String("error_category", maxLength: 100),
        ColumnDefinition.String("source_id", maxLength: IdLength),
        ColumnDefinition.String("source_type", maxLength: 100),
        ColumnDefinition.String("source_display_name", maxLength: NameLength),
        ColumnDefinition.String("target_id", maxLength: IdLength),
        ColumnDefinition.String("target_type", maxLength: 100),
        ColumnDefinition.String("target_display_name", maxLength: NameLength),
        ColumnDefinition.String("source_system", maxLength: NameLength),
        ColumnDefinition.String("target_system", maxLength: NameLength),
        ColumnDefinition.Integer("duration_ms"),
        ColumnDefinition.String("tenant_id", maxLength: IdLength),
        ColumnDefinition.String("service_principal_id", maxLength: IdLength),
        ColumnDefinition.String("service_principal_name", maxLength: NameLength),
        ColumnDefinition.String("initiated_by", maxLength: NameLength),
        ColumnDefinition.String("initiator_id", maxLength: IdLength),
        ColumnDefinition.Choice("initiator_type", GraphSpelling.InitiatorTypes),
        ColumnDefinition.String("modified_properties", maxLength: JsonLength),
        ColumnDefinition.String("steps", maxLength: JsonLength),
    ],
    [
        // Newest first within a job, and time ranges within it.
        IndexDefinition.On("job_id", "sort_key"),
        IndexDefinition.On("job_id", "source_display_name"),
        IndexDefinition.On("job_id", "target_display_name"),
        IndexDefinition.On("job_id", "cycle_id"),
        IndexDefinition.On("change_id"),
        // Retention removes by age across jobs.
        IndexDefinition.On("sort_key"),
    ]);

    public static IReadOnlyList<TableDefinition> All { get; } = [Log];
}
