using System.Security.Cryptography;
using System.Text;

namespace IdentityBridge.Tenant.Import;

/// <summary>A generated user, in Graph's terms. <see cref="ManagerIndex"/> is -1 for the top of the tree.</summary>
public sealed record GeneratedUser(
    int Index, Guid Id, string UserPrincipalName, string DisplayName, string GivenName, string Surname, string Mail,
    string MailNickname, string JobTitle, string Department, string City, string Country, string UsageLocation,
    string EmployeeId, string UserType, bool AccountEnabled, int ManagerIndex, string MobilePhone)
{
    /// <summary>The legal entity the user works for (Graph's <c>companyName</c>).</summary>
    public string CompanyName { get; init; } = "";
}

/// <summary>A generated group: its member users and the groups nested in it, by index.</summary>
public sealed record GeneratedGroup(int Index, Guid Id, string DisplayName, string MailNickname, string Description,
    IReadOnlyList<int> MemberUsers, IReadOnlyList<int> MemberGroups);

/// <summary>A generated direct membership of a user in a group, by index; <see cref="Index"/> fixes its record's id.</summary>
public sealed record GeneratedMembership(long Index, int GroupIndex, int UserIndex);

/// <summary>
/// A deterministic, realistic directory for demos, tests and benchmarks: names with diacritics, departments and
/// cities, managers forming a tree, nested groups, guests with <c>#EXT#</c> user principal names and some disabled
/// accounts. Every user is computed from the seed and its index alone, so a million users stream without being held
/// in memory, and generating again with the same seed gives the same ids (a re-run updates, never duplicates).
/// </summary>
public sealed class DirectoryGenerator(int seed, string domain)
{
    private static readonly string[] GivenNames =
    [
        "Zoë", "José", "Łukasz", "Søren", "Amélie", "Jürgen", "Siobhán", "Ana", "Björn", "Chloé", "Dániel", "Élodie",
        "François", "Håkon", "Inês", "Jiří", "Kateřina", "Laura", "Mateo", "Noémie", "Oğuz", "Paweł", "Renée", "Sofía",
        "Tomáš", "Ulla", "Vincent", "Wojciech", "Xavier", "Yasmin", "Ada", "Ben", "Chen", "Divya", "Emma", "Farid",
        "Grace", "Hiro", "Isabel", "Jonas", "Kofi", "Lena", "Mia", "Nils", "Olivia", "Priya", "Quentin", "Rafael",
    ];

    private static readonly string[] Surnames =
    [
        "Müller", "Núñez", "Dvořák", "Ångström", "Kowalski", "O'Brien", "García", "Søndergaard", "Lefèvre", "Öztürk",
        "Nowak", "Fernández", "Schäfer", "Jensen", "Moreau", "Novák", "Rossi", "Smith", "Tanaka", "Patel", "Nguyen",
        "Johansson", "Kim", "Silva", "Murphy", "Dubois", "Wójcik", "Horváth", "Papadopoulos", "Andersen", "Costa",
        "Keller", "Lindqvist", "Martín", "Brown", "Ivanova", "Çelik", "Šimić", "Zieliński", "Virtanen",
    ];

    private static readonly string[] Departments =
        ["Sales", "Engineering", "Finance", "Human Resources", "Marketing", "Operations", "Legal", "Support", "Research"];

    private static readonly (string City, string Country, string UsageLocation)[] Places =
    [
        ("Seattle", "United States", "US"), ("München", "Germany", "DE"), ("Kraków", "Poland", "PL"),
        ("São Paulo", "Brazil", "BR"), ("Zürich", "Switzerland", "CH"), ("Malmö", "Sweden", "SE"),
        ("Montréal", "Canada", "CA"), ("Dublin", "Ireland", "IE"), ("Tokyo", "Japan", "JP"), ("Bengaluru", "India", "IN"),
    ];

    private static readonly string[] Companies =
        ["Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank"];

    private static readonly string[] Titles =
        ["Engineer", "Senior Engineer", "Analyst", "Manager", "Specialist", "Consultant", "Coordinator", "Director"];

    /// <summary>Each manager has this many direct reports, so the tree is about log8(N) deep.</summary>
    public const int Span = 8;

    public string Domain { get; } = domain;

    public GeneratedUser User(int index)
    {
        // Seeded from Mix, not HashCode.Combine, whose seed changes from process to process: the same seed must
        // give the same people in every run, not only the same ids.
        var random = new Random(unchecked((int)Mix(index, 0x5EED)));
        var given = GivenNames[random.Next(GivenNames.Length)];
        var surname = Surnames[random.Next(Surnames.Length)];
        var place = Places[random.Next(Places.Length)];
        // The nickname is ASCII, numbered so that it is unique, as admins name accounts.
        var nickname = $"{Ascii(given)}.{Ascii(surname)}{index}".ToLowerInvariant();
        var guest = random.Next(100) < 3;
        var upn = guest
            ? $"{nickname}_fabrikam.example#EXT#@{Domain}"
            : $"{nickname}@{Domain}";
        return new GeneratedUser(
            index,
            IdFor("user", index),
            upn,
            $"{given} {surname}",
            given,
            surname,
            guest ? $"{nickname}@fabrikam.example" : $"{nickname}@{Domain}",
            nickname,
            Titles[random.Next(Titles.Length)],
            Departments[random.Next(Departments.Length)],
            place.City,
            place.Country,
            place.UsageLocation,
            (100000 + index).ToString(System.Globalization.CultureInfo.InvariantCulture),
            guest ? "Guest" : "Member",
            AccountEnabled: random.Next(100) >= 5,
            ManagerIndex: index == 0 ? -1 : (index - 1) / Span,
            MobilePhone: $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}")
        {
            // From its own hash, so that adding it left every other generated value as it was.
            CompanyName = Companies[(int)(Mix(index, 0xC0) % (ulong)Companies.Length)],
        };
    }

    /// <summary>The department, city and company names users get, for a target that must know them first.</summary>
    public static IReadOnlyList<string> DepartmentNames => Departments;

    public static IReadOnlyList<string> CityNames => Places.Select(p => p.City).ToArray();

    public static IReadOnlyList<string> CompanyNames => Companies;

    public IEnumerable<GeneratedUser> Users(int count)
    {
        for (var i = 0; i < count; i++) yield return User(i);
    }

    /// <summary>
    /// Groups: each user belongs to one group by index; the first tenth of the groups each nest up to nine others,
    /// so nesting is a shallow tree without cycles.
    /// </summary>
    public IEnumerable<GeneratedGroup> Groups(int count, int userCount)
    {
        for (var g = 0; g < count; g++)
        {
            var users = new List<int>();
            for (var u = g; u < userCount; u += count) users.Add(u);
            var nested = new List<int>();
            if (g < count / 10)
                for (var child = g * 9 + 1; child <= g * 9 + 9 && child < count; child++) nested.Add(child);
            var department = Departments[g % Departments.Length];
            yield return new GeneratedGroup(g, IdFor("group", g), $"{department} Team {g + 1}", $"team{g + 1}",
                $"People of {department}, team {g + 1}", users, nested);
        }
    }

    /// <summary>
    /// A group without members, as <see cref="Groups"/> names them: for directories whose memberships come from
    /// <see cref="Memberships"/>.
    /// </summary>
    public GeneratedGroup Group(int index)
    {
        var department = Departments[index % Departments.Length];
        return new GeneratedGroup(index, IdFor("group", index), $"{department} Team {index + 1}", $"team{index + 1}",
            $"People of {department}, team {index + 1}", [], []);
    }

    /// <summary>
    /// <paramref name="count"/> direct user memberships over <paramref name="groupCount"/> groups: membership k puts
    /// user k mod N in one more group, so every user is in count/N groups (one more for the first count mod N
    /// users). A user's groups start at a place drawn from its index and step evenly through the groups, so no
    /// user is in a group twice and groups are about equally large. Computed from the index alone, like users, so
    /// that a large directory streams and a re-run writes the same memberships.
    /// </summary>
    public IEnumerable<GeneratedMembership> Memberships(long count, int userCount, int groupCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(userCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupCount, 1);
        var rounds = (int)((count + userCount - 1) / userCount);
        if (rounds > groupCount)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count:N0} memberships would put a user in more than the {groupCount:N0} groups.");
        var step = Math.Max(1, groupCount / Math.Max(1, rounds));
        for (long k = 0; k < count; k++)
        {
            var user = (int)(k % userCount);
            var round = (int)(k / userCount);
            var start = (int)(Mix(user, 0x6E) % (ulong)groupCount);
            yield return new GeneratedMembership(k, (int)((start + (long)round * step) % groupCount), user);
        }
    }

    /// <summary>
    /// A well-spread number from the seed, an index and a salt (SplitMix64's finalizer). Not HashCode, whose seed
    /// changes from process to process: a resumed load must choose the same groups as the run it continues.
    /// </summary>
    private ulong Mix(int index, int salt)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + (ulong)salt * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A stable GUID for an object of this seed: the same on every run.</summary>
    public Guid IdFor(string kind, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{kind}/{index}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40); // version 4 layout
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    // Folded by table rather than by Unicode decomposition, which globalization-invariant mode does not offer.
    private const string Accented = "àáâãäåāăąçćčďđèéêëēėęěğìíîïīįıłńňñòóôõöøōőŕřśšşťùúûüūůűųýÿźżžÀÁÂÃÄÅĀĂĄÇĆČĎĐÈÉÊËĒĖĘĚĞÌÍÎÏĪĮİŁŃŇÑÒÓÔÕÖØŌŐŔŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽ";
    private const string Folded = "aaaaaaaaacccddeeeeeeeegiiiiiiilnnnoooooooorrssstuuuuuuuuyyzzzAAAAAAAAACCCDDEEEEEEEEGIIIIIIILNNNOOOOOOOORRSSSTUUUUUUUUYYZZZ";

    private static string Ascii(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetter(c)) builder.Append(c);
            else if (Accented.IndexOf(c) is var at and >= 0) builder.Append(Folded[at]);
            else if (c is 'ß') builder.Append("ss");
        }
        return builder.ToString();
    }
}
