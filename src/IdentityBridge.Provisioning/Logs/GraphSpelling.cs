namespace IdentityBridge.Provisioning.Logs;

/// <summary>
/// The enum values of provisioning logs as Microsoft Graph spells them (camelCase: <c>stagedDelete</c>,
/// <c>referenceResolution</c>), for the store's choice columns, the JSON export and the CSV files alike. Reading
/// ignores case: Graph's own samples write <c>Import</c> as often as <c>import</c>.
/// </summary>
internal static class GraphSpelling
{
    public static string Of(ProvisioningAction action) => action switch
    {
        ProvisioningAction.Create => "create",
        ProvisioningAction.Update => "update",
        ProvisioningAction.Delete => "delete",
        ProvisioningAction.Disable => "disable",
        ProvisioningAction.StagedDelete => "stagedDelete",
        _ => "other",
    };

    public static string Of(ProvisioningResult result) => result switch
    {
        ProvisioningResult.Success => "success",
        ProvisioningResult.Failure => "failure",
        ProvisioningResult.Skipped => "skipped",
        _ => "warning",
    };

    public static string Of(ProvisioningStepType type) => type switch
    {
        ProvisioningStepType.Import => "import",
        ProvisioningStepType.Scoping => "scoping",
        ProvisioningStepType.Matching => "matching",
        ProvisioningStepType.Processing => "processing",
        ProvisioningStepType.ReferenceResolution => "referenceResolution",
        _ => "export",
    };

    public static string Of(ProvisioningInitiatorType type) => type switch
    {
        ProvisioningInitiatorType.User => "user",
        ProvisioningInitiatorType.Application => "application",
        _ => "system",
    };

    public static IReadOnlyList<string> Actions { get; } = Enum.GetValues<ProvisioningAction>().Select(Of).ToList();
    public static IReadOnlyList<string> Results { get; } = Enum.GetValues<ProvisioningResult>().Select(Of).ToList();
    public static IReadOnlyList<string> InitiatorTypes { get; } = Enum.GetValues<ProvisioningInitiatorType>().Select(Of).ToList();

    public static bool TryParse(string? text, out ProvisioningAction value) => TryParse(text, Of, out value);
    public static bool TryParse(string? text, out ProvisioningResult value) => TryParse(text, Of, out value);
    public static bool TryParse(string? text, out ProvisioningStepType value) => TryParse(text, Of, out value);
    public static bool TryParse(string? text, out ProvisioningInitiatorType value) => TryParse(text, Of, out value);

    private static bool TryParse<T>(string? text, Func<T, string> spell, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (!string.Equals(spell(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase)) continue;
            value = candidate;
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>
    /// Graph's <c>provisioningStatusErrorCategory</c> is camelCase (<c>nonServiceFailure</c>); the entry model keeps
    /// the portal's PascalCase (<c>NonServiceFailure</c>). Known categories are converted both ways, others kept.
    /// </summary>
    public static string ErrorCategoryToGraph(string category) => category switch
    {
        "Failure" => "failure",
        "NonServiceFailure" => "nonServiceFailure",
        "Success" => "success",
        _ => category,
    };

    public static string ErrorCategoryFromGraph(string category) => category switch
    {
        "failure" => "Failure",
        "nonServiceFailure" => "NonServiceFailure",
        "success" => "Success",
        _ => category,
    };
}
