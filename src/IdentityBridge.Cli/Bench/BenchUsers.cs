using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// The made-up people of a bench store. User <c>i</c> is always the same person (same user_name, sys_id, names and
/// department), so an interrupted seeding can be resumed and a lookup can pick any index below the store's size.
/// </summary>
internal static class BenchUsers
{
    /// <summary>Every seeded user's user_name starts with this; users made by the create phases do not.</summary>
    public const string SeededPrefix = "user";

    /// <summary>Users made by the create phases, removed afterwards so that a kept store stays at its size.</summary>
    public const string CreatedPrefix = "new.";

    /// <summary>Every 25th user manages the 24 after it.</summary>
    private const int TeamSize = 25;

    public static IReadOnlyList<string> DepartmentNames { get; } =
        ["Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Operations", "Customer Support", "Legal"];

    private static readonly string[] FirstNames =
    [
        "Ada", "Alan", "Amara", "Ana", "Ben", "Carla", "Chen", "Dmitri", "Elena", "Emeka", "Fatima", "Grace", "Hana",
        "Hugo", "Ines", "Ivan", "Jamal", "Julia", "Kai", "Lars", "Leila", "Lucas", "Maria", "Mateo", "Mei", "Nadia",
        "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
    ];

    private static readonly string[] LastNames =
    [
        "Andersen", "Bauer", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Hansen", "Ibrahim", "Jensen", "Kowalski",
        "Lopez", "Martin", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Usman", "Vargas",
        "Wagner", "Xu", "Yilmaz", "Zhang", "Silva", "Novak", "Moreau", "Kim", "Haddad", "Singh", "Murphy",
    ];

    private static readonly string[] Titles =
    [
        "Software Engineer", "Senior Software Engineer", "Account Executive", "Marketing Specialist", "Financial Analyst",
        "HR Business Partner", "Operations Analyst", "Support Engineer", "Counsel", "Product Manager", "Data Analyst",
    ];

    public static string UserName(int index) => SeededPrefix + index.ToString("D6", CultureInfo.InvariantCulture);

    public static bool TryParseIndex(string? userName, out int index)
    {
        index = -1;
        return userName is not null && userName.StartsWith(SeededPrefix, StringComparison.OrdinalIgnoreCase) &&
               int.TryParse(userName.AsSpan(SeededPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>A random-looking but fixed sys_id, so that managers can be referred to before they are inserted.</summary>
    public static string SysId(string kind, int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"idbridge-bench/{kind}/{index}")).AsSpan(0, 16));

    public static string DepartmentSysId(int index) => SysId("cmn_department", index);

    public static Dictionary<string, string?> Seeded(int index)
    {
        var values = Person(index, UserName(index), index);
        values["sys_id"] = SysId("sys_user", index);
        values["employee_number"] = "E" + index.ToString("D7", CultureInfo.InvariantCulture);
        values["manager"] = index % TeamSize == 0 ? null : SysId("sys_user", index - index % TeamSize);
        // One in ten has left: the list page's active=true filter has something to leave out.
        values["active"] = index % 10 == 9 ? "false" : "true";
        return values;
    }

    /// <summary>A new user for a create phase; <paramref name="tag"/> keeps the name unique across runs and phases.</summary>
    public static Dictionary<string, string?> Created(string tag, int worker, long sequence)
    {
        var userName = string.Create(CultureInfo.InvariantCulture, $"{CreatedPrefix}{tag}.{worker}.{sequence}");
        var values = Person(worker * 7919 + (int)(sequence % 100_000), userName, sequence);
        values["active"] = "true";
        return values;
    }

    private static Dictionary<string, string?> Person(int seed, string userName, long serial)
    {
        // Multiplying by primes spreads consecutive users over the name lists instead of walking them in step.
        var first = FirstNames[(int)((uint)(seed * 31) % FirstNames.Length)];
        var last = LastNames[(int)((uint)(seed * 17 + seed / FirstNames.Length) % LastNames.Length)];
        var department = (int)((uint)(seed * 13) % DepartmentNames.Count);
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["user_name"] = userName,
            ["first_name"] = first,
            ["last_name"] = last,
            ["email"] = string.Create(CultureInfo.InvariantCulture, $"{first}.{last}.{serial}@example.com").ToLowerInvariant(),
            ["title"] = Titles[(int)((uint)(seed * 7) % Titles.Length)],
            ["department"] = DepartmentSysId(department),
            ["phone"] = string.Create(CultureInfo.InvariantCulture, $"+1 555 {(uint)seed % 10_000_000:D7}"),
            ["identity_type"] = "human",
        };
    }
}
