using System.Collections.Frozen;
using System.Text.Json;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;

namespace IdentityBridge.Tenant.Saml;

/// <summary>
/// The user attributes a claim or the NameID can carry, named as Entra's claim editor names them
/// (<c>user.userprincipalname</c>, <c>user.mail</c>, ...), and how each is read from a user row. Directory extension
/// attributes are <c>user.extension_{appId without dashes}_{name}</c>.
/// </summary>
public static class UserAttributeSources
{
    public const string ExtensionPrefix = "user.extension_";

    private static readonly FrozenDictionary<string, string> Columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["user.userprincipalname"] = "user_principal_name",
        ["user.mail"] = "mail",
        ["user.employeeid"] = "employee_id",
        ["user.givenname"] = "given_name",
        ["user.surname"] = "surname",
        ["user.displayname"] = "display_name",
        ["user.mailnickname"] = "mail_nickname",
        ["user.jobtitle"] = "job_title",
        ["user.department"] = "department",
        ["user.companyname"] = "company_name",
        ["user.physicaldeliveryofficename"] = "office_location",
        ["user.streetaddress"] = "street_address",
        ["user.city"] = "city",
        ["user.state"] = "state",
        ["user.postalcode"] = "postal_code",
        ["user.country"] = "country",
        ["user.usagelocation"] = "usage_location",
        ["user.employeetype"] = "employee_type",
        ["user.mobilephone"] = "mobile_phone",
        ["user.usertype"] = "user_type",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every named source, for help texts and error messages (extension attributes aside).</summary>
    public static IReadOnlyList<string> Known { get; } =
        [.. Columns.Keys.Order(StringComparer.Ordinal), "user.objectid", "user.telephonenumber"];

    /// <summary>The user columns a sign-in must read to evaluate any source.</summary>
    public static IReadOnlyList<string> UserColumns { get; } =
        [TableDefinitionSysId, .. Columns.Values.Distinct(), "business_phones", "extensions", "account_enabled", "deleted_date_time"];

    private const string TableDefinitionSysId = "sys_id";

    public static bool IsKnown(string source) =>
        Columns.ContainsKey(source) ||
        source.Equals("user.objectid", StringComparison.OrdinalIgnoreCase) ||
        source.Equals("user.telephonenumber", StringComparison.OrdinalIgnoreCase) ||
        (source.StartsWith(ExtensionPrefix, StringComparison.OrdinalIgnoreCase) && source.Length > ExtensionPrefix.Length &&
         source.Length <= 200 && source.Skip(5).All(c => char.IsAsciiLetterOrDigit(c) || c is '_'));

    /// <summary>The attribute's value for the user, or null when the user has none.</summary>
    public static string? Read(RecordRow user, string source)
    {
        if (Columns.TryGetValue(source, out var column)) return Empty(user[column]);
        if (source.Equals("user.objectid", StringComparison.OrdinalIgnoreCase)) return GraphIds.FromSysId(user.SysId);
        if (source.Equals("user.telephonenumber", StringComparison.OrdinalIgnoreCase)) return FirstOf(user["business_phones"]);
        if (source.StartsWith(ExtensionPrefix, StringComparison.OrdinalIgnoreCase)) return Extension(user["extensions"], source[5..]);
        return null;
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? FirstOf(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Array && document.RootElement.GetArrayLength() > 0 &&
                   document.RootElement[0].ValueKind == JsonValueKind.String
                ? Empty(document.RootElement[0].GetString())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Extension(string? json, string name)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!property.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
                return property.Value.ValueKind switch
                {
                    JsonValueKind.String => Empty(property.Value.GetString()),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => null,
                };
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
