using System.Text.RegularExpressions;

namespace IdentityBridge.Storage.Schema;

/// <summary>
/// Table and column names become SQL identifiers, so only this narrow shape is accepted; anything else never
/// reaches SQL text.
/// </summary>
public static partial class Identifiers
{
    [GeneratedRegex("^[a-z][a-z0-9_]{0,79}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    [GeneratedRegex("^u_[a-z0-9_]{1,78}$", RegexOptions.CultureInvariant)]
    private static partial Regex CustomName();

    public static bool IsValidTableName(string? name) => name is not null && Name().IsMatch(name);

    public static bool IsValidColumnName(string? name) => name is not null && Name().IsMatch(name);

    /// <summary>Columns that admins add at run time must start with <c>u_</c>, as in ServiceNow.</summary>
    public static bool IsValidCustomColumnName(string? name) => name is not null && CustomName().IsMatch(name);
}
