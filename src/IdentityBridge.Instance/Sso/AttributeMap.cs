using IdentityBridge.Instance.Tables;
using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Instance.Sso;

/// <summary>
/// Which SAML attribute fills which sys_user field for just-in-time users: the record's <c>user_attribute_map</c>,
/// one <c>claim URI=field</c> per line (blank lines and lines starting with <c>#</c> are ignored).
/// </summary>
public sealed record AttributeMap(IReadOnlyList<(string Claim, string Field)> Entries)
{
    /// <summary>
    /// sys_user fields an identity provider may never set: they grant access or decide how the account signs in, so
    /// a claim (which the provider's users may be able to edit, such as a display name) must not reach them.
    /// </summary>
    private static readonly HashSet<string> Protected =
    [
        "user_password", "active", "locked_out", "failed_attempts", "password_needs_reset", "web_service_access_only",
        "internal_integration_user", "identity_type", "source", "last_login_time", "vip", "roles",
    ];

    private static readonly TableDefinition Users = InstanceTables.All.First(t => t.Name == InstanceTables.User);

    public static bool IsMappable(string field)
    {
        if (Protected.Contains(field) || field.StartsWith("sys_", StringComparison.Ordinal)) return false;
        var column = Users.Column(field);
        return column is { Type: ColumnType.String, ReadOnly: false, Calculation: null } ||
               (column is null && field.StartsWith("u_", StringComparison.Ordinal));
    }

    /// <summary>The map, or the first line that is not <c>claim=field</c> with a field a provider may set.</summary>
    public static (AttributeMap Map, string? Error) Parse(string? text)
    {
        var entries = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var equals = line.LastIndexOf('=');
            if (equals <= 0 || equals == line.Length - 1)
                return (new AttributeMap(entries), $"line {lineNumber} is not 'claim URI=sys_user field'");
            var claim = line[..equals].Trim();
            var field = line[(equals + 1)..].Trim();
            if (!IsMappable(field))
                return (new AttributeMap(entries), $"line {lineNumber}: '{field}' is not a sys_user field an identity provider may set");
            entries.Add((claim, field));
        }
        return (new AttributeMap(entries), null);
    }
}
