using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IdentityBridge.Tenant.Import;

/// <summary>
/// Reads the user files an Entra admin has at hand: the CSV of the admin center's "Download users", the bulk-create
/// template (a <c>version:v1.0</c> line, then headers of the form <c>Name [displayName] Required</c>), and JSON in
/// Graph's user shape (an array, or a Graph page with <c>value</c>). Rows that cannot become users are reported with
/// their line and reason; the rest are read.
/// </summary>
public static partial class UserFileReader
{
    private static readonly string[] Strings =
    [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "mailNickname", "jobTitle", "department",
        "companyName", "officeLocation", "streetAddress", "city", "state", "postalCode", "country", "usageLocation",
        "employeeId", "employeeType", "mobilePhone", "userType",
    ];

    private static readonly string[] Lists = ["otherMails", "proxyAddresses", "businessPhones"];

    // Labels that the admin center's files use for Graph properties, lower-cased.
    private static readonly Dictionary<string, string> Labels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["user principal name"] = "userPrincipalName", ["user name"] = "userPrincipalName", ["upn"] = "userPrincipalName",
        ["name"] = "displayName", ["display name"] = "displayName",
        ["first name"] = "givenName", ["given name"] = "givenName",
        ["last name"] = "surname", ["family name"] = "surname",
        ["email"] = "mail", ["mail nickname"] = "mailNickname", ["alias"] = "mailNickname",
        ["job title"] = "jobTitle", ["company name"] = "companyName", ["office"] = "officeLocation",
        ["office location"] = "officeLocation", ["physicaldeliveryofficename"] = "officeLocation",
        ["street address"] = "streetAddress", ["state or province"] = "state", ["zip or postal code"] = "postalCode",
        ["postal code"] = "postalCode", ["country or region"] = "country", ["usage location"] = "usageLocation",
        ["employee id"] = "employeeId", ["employee type"] = "employeeType", ["mobile phone"] = "mobilePhone",
        ["mobile"] = "mobilePhone", ["office phone"] = "businessPhones", ["business phone"] = "businessPhones",
        ["telephonenumber"] = "businessPhones", ["alternate email address"] = "otherMails",
        ["alternateemailaddress"] = "otherMails", ["object id"] = "id", ["user type"] = "userType",
        ["account enabled"] = "accountEnabled", ["initial password"] = "passwordProfile", ["password"] = "passwordProfile",
    };

    [GeneratedRegex(@"\[(?<name>[A-Za-z][A-Za-z0-9_]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex BracketedProperty();

    [GeneratedRegex(@"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex UserPrincipalName();

    public static ImportBatch Read(TextReader reader)
    {
        var text = reader.ReadToEnd();
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{')) return ReadJson(trimmed);
        return ReadCsv(text.TrimStart('\uFEFF'));
    }

    private static ImportBatch ReadCsv(string text)
    {
        var users = new List<ImportedUser>();
        var problems = new List<ImportProblem>();
        var notes = new List<string>();
        var records = CsvReader.Read(new StringReader(text)).ToList();
        var format = "csv";
        var index = 0;
        if (records.Count > 0 && records[0].Fields.Count >= 1 &&
            records[0].Fields[0].StartsWith("version:", StringComparison.OrdinalIgnoreCase))
        {
            format = "bulk-create template " + records[0].Fields[0].Trim();
            index = 1;
        }
        if (records.Count <= index) return new ImportBatch(format, users, [new ImportProblem(1, "The file has no header row.")], notes);

        var (headerLine, headers) = records[index];
        var columns = new (string? Property, bool Inverted)[headers.Count];
        for (var i = 0; i < headers.Count; i++)
        {
            columns[i] = MapHeader(headers[i]);
            if (columns[i].Property is null && headers[i].Trim().Length > 0)
                notes.Add($"Column '{headers[i].Trim()}' (line {headerLine}) is not a user property Graph knows; it is ignored.");
        }
        if (!columns.Any(c => c.Property == "userPrincipalName"))
            return new ImportBatch(format, users, [new ImportProblem(headerLine, "No column holds the user principal name (userPrincipalName).")], notes);

        foreach (var (line, fields) in records.Skip(index + 1))
        {
            if (fields.All(f => f.Trim().Length == 0)) continue;
            var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            string? password = null;
            string? problem = null;
            for (var i = 0; i < columns.Length && i < fields.Count; i++)
            {
                var (property, inverted) = columns[i];
                var raw = fields[i].Trim();
                if (property is null || raw.Length == 0) continue;
                if (property == "passwordProfile")
                {
                    password = fields[i];
                    continue;
                }
                problem = Set(values, property, raw, inverted);
                if (problem is not null) break;
            }
            if (fields.Count > columns.Length && fields.Skip(columns.Length).Any(f => f.Trim().Length > 0))
                problem ??= $"The row has {fields.Count} fields but the header names {columns.Length} columns.";
            Accept(line, values, password, problem, users, problems);
        }
        return new ImportBatch(format, users, problems, notes);
    }

    private static ImportBatch ReadJson(string text)
    {
        var users = new List<ImportedUser>();
        var problems = new List<ImportProblem>();
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            return new ImportBatch("json", users, [new ImportProblem((int)(e.LineNumber ?? 0) + 1, "The file is not valid JSON: " + e.Message)], []);
        }
        var array = root as JsonArray ?? (root as JsonObject)?["value"] as JsonArray;
        if (array is null)
            return new ImportBatch("json", users, [new ImportProblem(1, "The JSON is neither an array of users nor a Graph page with a 'value' array.")], []);

        var number = 0;
        foreach (var item in array)
        {
            number++;
            if (item is not JsonObject user)
            {
                problems.Add(new ImportProblem(number, $"Item {number} is not a user object."));
                continue;
            }
            var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            string? password = null;
            string? problem = null;
            foreach (var (name, value) in user)
            {
                if (name == "passwordProfile")
                {
                    password = value?["password"]?.GetValue<string>();
                    continue;
                }
                var property = Canonical(name);
                if (property is null || value is null) continue;
                problem = value is JsonArray list && Lists.Contains(property)
                    ? SetList(values, property, list)
                    : Set(values, property, value is JsonValue v && v.TryGetValue<bool>(out var b) ? (b ? "true" : "false") : value.ToString(), inverted: false);
                if (problem is not null) break;
            }
            // JSON items are numbered, not lined: the item's position stands in for the line.
            Accept(number, values, password, problem, users, problems);
        }
        return new ImportBatch("json", users, problems, []);
    }

    private static void Accept(int line, Dictionary<string, JsonNode?> values, string? password, string? problem,
        List<ImportedUser> users, List<ImportProblem> problems)
    {
        if (problem is null)
        {
            var upn = values.GetValueOrDefault("userPrincipalName")?.GetValue<string>();
            if (string.IsNullOrEmpty(upn)) problem = "The user principal name is missing.";
            else if (!UserPrincipalName().IsMatch(upn)) problem = $"'{upn}' is not a user principal name (name@domain).";
        }
        if (problem is not null)
        {
            problems.Add(new ImportProblem(line, problem));
            return;
        }
        if (!values.ContainsKey("displayName")) values["displayName"] = values["userPrincipalName"]!.GetValue<string>().Split('@')[0];
        users.Add(new ImportedUser(line, values, password));
    }

    private static (string? Property, bool Inverted) MapHeader(string header)
    {
        var text = header.Trim();
        var inverted = text.StartsWith("Block sign in", StringComparison.OrdinalIgnoreCase);
        var bracket = BracketedProperty().Match(text);
        if (bracket.Success)
        {
            var name = bracket.Groups["name"].Value;
            return (name.Equals("passwordProfile", StringComparison.OrdinalIgnoreCase) ? "passwordProfile" : Canonical(name), inverted);
        }
        if (inverted) return ("accountEnabled", true);
        return (Canonical(text) ?? Labels.GetValueOrDefault(text), false);
    }

    private static string? Canonical(string name)
    {
        foreach (var known in Strings.Concat(Lists).Append("accountEnabled"))
            if (known.Equals(name, StringComparison.OrdinalIgnoreCase)) return known;
        if (name.StartsWith("extension_", StringComparison.OrdinalIgnoreCase)) return name;
        return name.ToLowerInvariant() switch
        {
            "telephonenumber" => "businessPhones",
            "mobile" => "mobilePhone",
            "physicaldeliveryofficename" => "officeLocation",
            "alternateemailaddress" => "otherMails",
            _ => Labels.GetValueOrDefault(name),
        };
    }

    private static string? Set(Dictionary<string, JsonNode?> values, string property, string raw, bool inverted)
    {
        switch (property)
        {
            case "accountEnabled":
                bool? enabled = raw.ToLowerInvariant() switch
                {
                    "true" or "yes" or "1" => true,
                    "false" or "no" or "0" => false,
                    _ => null,
                };
                if (enabled is null) return $"'{raw}' is not Yes/No or true/false for {(inverted ? "Block sign in" : "accountEnabled")}.";
                values[property] = inverted ? !enabled.Value : enabled.Value;
                return null;
            case "id":
                if (!Guid.TryParse(raw, out var id)) return $"'{raw}' is not an object id (a GUID).";
                values[property] = id.ToString("D");
                return null;
            case "userType":
                if (!raw.Equals("Member", StringComparison.OrdinalIgnoreCase) && !raw.Equals("Guest", StringComparison.OrdinalIgnoreCase))
                    return $"'{raw}' is not a user type (Member or Guest).";
                values[property] = char.ToUpperInvariant(raw[0]) + raw[1..].ToLowerInvariant();
                return null;
            default:
                if (Lists.Contains(property))
                {
                    var list = new JsonArray();
                    foreach (var item in raw.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        list.Add(item);
                    values[property] = list;
                }
                else values[property] = raw;
                return null;
        }
    }

    private static string? SetList(Dictionary<string, JsonNode?> values, string property, JsonArray list)
    {
        var copy = new JsonArray();
        foreach (var item in list)
        {
            if (item is not JsonValue value || !value.TryGetValue<string>(out var text)) return $"{property} must be a list of strings.";
            copy.Add(text);
        }
        values[property] = copy;
        return null;
    }
}
