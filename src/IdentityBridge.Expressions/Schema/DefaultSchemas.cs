namespace IdentityBridge.Expressions.Schema;

/// <summary>The synchronization schemas IdentityBridge ships, as JSON documents embedded in this assembly.</summary>
public static class DefaultSchemas
{
    public static IReadOnlyList<string> Names { get; } = ["servicenow"];

    /// <summary>
    /// The default schema for ServiceNow (spec §1.7): users to <c>sys_user</c> matched on <c>user_name</c>, groups to
    /// <c>sys_user_group</c> matched on <c>name</c>. Where Microsoft does not confirm a default, the document says so
    /// in an <c>@IdentityBridge.unconfirmed</c> annotation next to the choice.
    /// </summary>
    public static string ServiceNowJson => Read("servicenow");

    public static SynchronizationSchema ServiceNow => SynchronizationSchemaJson.Read(ServiceNowJson).Schema!;

    /// <summary>A shipped schema by name, or null.</summary>
    public static string? Find(string name) =>
        Names.Contains(name, StringComparer.OrdinalIgnoreCase) ? Read(name.ToLowerInvariant()) : null;

    private static string Read(string name)
    {
        using var stream = typeof(DefaultSchemas).Assembly.GetManifestResourceStream($"IdentityBridge.Expressions.Schema.Defaults.{name}.json")
                           ?? throw new InvalidOperationException($"The shipped schema {name}.json is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
