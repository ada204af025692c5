using System.Security.Cryptography;
using System.Text;

namespace IdentityBridge.Tenant.Import;

/// <summary>A generated user, in Graph's terms. <see cref="ManagerIndex"/> is -1 for the top of the tree.</summary>
public sealed record GeneratedUser(
    int Index, Guid Id, string UserPrincipalName, string DisplayName, string GivenName, string Surname, string Mail,
    string MailNickname, string JobTitle, string Department, string City, string Country, string UsageLocation,
    string EmployeeId, string UserType, bool AccountEnabled, int ManagerIndex, string MobilePhone);

/// <summary>A generated group: its member users and the groups nested in it, by index.</summary>
public sealed record GeneratedGroup(int Index, Guid Id, string DisplayName, string MailNickname, string Description,
    IReadOnlyList<int> MemberUsers, IReadOnlyList<int> MemberGroups);

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

    private static readonly string[] Titles =
        ["Engineer", "Senior Engineer", "Analyst", "Manager", "Specialist", "Consultant", "Coordinator", "Director"];

    /// <summary>Each manager has this many direct reports, so the tree is about log8(N) deep.</summary>
    public const int Span = 8;

    public string Domain { get; } = domain;

    public GeneratedUser User(int index)
    {
        var random = new Random(HashCode.Combine(seed, index, 0x5EED));
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
            MobilePhone: $"+1 555 {random.Next(100, 999)} {random.Next(1000, 9999)}");
    }

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
    private const string Folded   = "aaaaaaaaacccddeeeeeeeegiiiiiiilnnnoooooooorrssstuuuuuuuuyyzzzAAAAAAAAACCCDDEEEEEEEEGIIIIIIILNNNOOOOOOOORRSSSTUUUUUUUUYYZZZ";

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
