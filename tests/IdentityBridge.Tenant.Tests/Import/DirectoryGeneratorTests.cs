using IdentityBridge.Tenant.Import;

namespace IdentityBridge.Tenant.Tests.Import;

public sealed class DirectoryGeneratorTests
{
    private static readonly DirectoryGenerator Generator = new(seed: 42, domain: "contoso.example");

    [Fact]
    public void same_seed_gives_the_same_directory_and_another_seed_a_different_one()
    {
        var first = Generator.Users(200).ToList();
        var again = new DirectoryGenerator(42, "contoso.example").Users(200).ToList();
        var other = new DirectoryGenerator(43, "contoso.example").Users(200).ToList();

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(u => u.Id), other.Select(u => u.Id));
    }

    [Fact]
    public void user_principal_names_and_ids_are_unique()
    {
        var users = Generator.Users(5_000).ToList();

        Assert.Equal(users.Count, users.Select(u => u.UserPrincipalName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(users.Count, users.Select(u => u.Id).Distinct().Count());
        Assert.All(users, u => Assert.Matches("^[a-z.0-9_]+(#EXT#)?@", u.UserPrincipalName.Replace("fabrikam.example", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void directory_has_diacritics_guests_and_disabled_accounts_in_realistic_shares()
    {
        var users = Generator.Users(5_000).ToList();

        Assert.Contains(users, u => u.DisplayName.Any(c => c > 127));
        var guests = users.Where(u => u.UserType == "Guest").ToList();
        Assert.InRange(guests.Count, 50, 300);
        Assert.All(guests, g => Assert.Contains("#EXT#@contoso.example", g.UserPrincipalName));
        Assert.InRange(users.Count(u => !u.AccountEnabled), 100, 450);
    }

    [Fact]
    public void sign_in_names_spell_accented_names_in_plain_letters()
    {
        var users = Generator.Users(2_000).ToList();

        var zoe = users.First(u => u.GivenName == "Zoë");
        var angstrom = users.First(u => u.Surname == "Ångström");
        Assert.StartsWith("zoe.", zoe.MailNickname);
        Assert.Contains(".angstrom", angstrom.MailNickname);
        Assert.All(users, u => Assert.True(u.MailNickname.All(char.IsAscii), u.MailNickname));
    }

    [Fact]
    public void managers_form_a_tree_rooted_at_the_first_user()
    {
        var users = Generator.Users(1_000).ToList();

        Assert.Equal(-1, users[0].ManagerIndex);
        Assert.All(users.Skip(1), u => Assert.InRange(u.ManagerIndex, 0, u.Index - 1));
        Assert.True(users.GroupBy(u => u.ManagerIndex).Where(g => g.Key >= 0).All(g => g.Count() <= DirectoryGenerator.Span));
    }

    [Fact]
    public void groups_hold_every_user_once_and_nest_without_cycles()
    {
        var groups = Generator.Groups(50, 1_000).ToList();

        Assert.Equal(Enumerable.Range(0, 1_000), groups.SelectMany(g => g.MemberUsers).Order());
        Assert.Contains(groups, g => g.MemberGroups.Count > 0);
        Assert.All(groups, g => Assert.All(g.MemberGroups, child => Assert.True(child > g.Index)));
    }
}
