using System.Text.Json.Nodes;

namespace IdentityBridge.Tenant.Import;

/// <summary>
/// One user read from an import file, as Graph properties (<c>userPrincipalName</c>, <c>accountEnabled</c>,
/// <c>businessPhones</c>, ...) with JSON values, and the initial password when the file gives one.
/// </summary>
public sealed record ImportedUser(int Line, IReadOnlyDictionary<string, JsonNode?> Properties, string? Password)
{
    public string UserPrincipalName => Properties["userPrincipalName"]!.GetValue<string>();
}

/// <summary>A row that was not imported: its line in the file and why.</summary>
public sealed record ImportProblem(int Line, string Reason);

/// <summary>What a file holds: the users to import, the rows refused, and notes about the file as a whole.</summary>
public sealed record ImportBatch(string Format, IReadOnlyList<ImportedUser> Users, IReadOnlyList<ImportProblem> Problems,
    IReadOnlyList<string> Notes);
