using IdentityBridge.Storage.Queries;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Import;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Testing.Backends;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.Import;

public sealed class DirectoryBulkImportTests(SqliteTenant tenant) : IClassFixture<SqliteTenant>
{
    private static readonly DirectoryGenerator Generator = new(seed: 11, domain: "contoso.example");

    [Fact]
    public void generated_memberships_put_each_user_in_distinct_groups_of_about_equal_size()
    {
        var memberships = Generator.Memberships(3_000, userCount: 1_000, groupCount: 40).ToList();

        Assert.Equal(3_000, memberships.Select(m => (m.GroupIndex, m.UserIndex)).Distinct().Count());
        Assert.All(memberships.GroupBy(m => m.UserIndex), user => Assert.Equal(3, user.Count()));
        Assert.All(memberships, m => Assert.InRange(m.GroupIndex, 0, 39));
        var sizes = memberships.GroupBy(m => m.GroupIndex).Select(g => g.Count()).ToList();
        Assert.Equal(40, sizes.Count);
        Assert.InRange(sizes.Min(), 30, 75);
        Assert.InRange(sizes.Max(), 75, 130);
        Assert.Equal(memberships, new DirectoryGenerator(11, "other.example").Memberships(3_000, 1_000, 40));
    }

    [Fact]
    public void generated_people_are_the_same_in_every_process_not_only_their_ids()
    {
        // Fixed values: a generator seeded from HashCode would give other names in the next process.
        var user = Generator.User(7);

        Assert.Equal("Xavier Papadopoulos|Operations|Montréal|Tailspin Toys|xavier.papadopoulos7@contoso.example",
            $"{user.DisplayName}|{user.Department}|{user.City}|{user.CompanyName}|{user.UserPrincipalName}");
        // Two rounds over ten groups step by five from each user's start: users 0 and 1 start at groups 2 and 6.
        Assert.Equal([2, 6, 7, 1], Generator.Memberships(4, userCount: 2, groupCount: 10).Select(m => m.GroupIndex));
    }

    [Fact]
    public void more_memberships_than_groups_per_user_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Generator.Memberships(50, userCount: 10, groupCount: 4).ToList());
    }

    [Fact]
    public void generated_users_have_a_company_from_a_known_list()
    {
        var users = Generator.Users(500).ToList();

        Assert.All(users, u => Assert.Contains(u.CompanyName, DirectoryGenerator.CompanyNames));
        Assert.Equal(DirectoryGenerator.CompanyNames.Count, users.Select(u => u.CompanyName).Distinct().Count());
    }

    [BackendTheory]
    public async Task groups_and_memberships_load_in_bulk_with_a_change_each_and_a_rerun_adds_nothing(Backend backend)
    {
        await using var store = await TestStores.OpenAsync(backend, DirectoryTables.All);
        var directory = await TenantDirectory.OpenAsync(store.Store, TimeProvider.System, "contoso.example");
        var importer = new DirectoryImporter(directory, "generate");
        await importer.ImportManyAsync(Generator.Users(60).ToList(), Generator);
        var before = await directory.CurrentSequenceAsync();

        var groups = Enumerable.Range(0, 6).Select(Generator.Group).ToList();
        var memberships = Generator.Memberships(120, 60, 6).ToList();
        Assert.Equal(6, await importer.ImportGroupsAsync(groups));
        Assert.Equal(50, await importer.ImportMembershipsAsync(memberships[..50], Generator));
        Assert.Equal(70, await importer.ImportMembershipsAsync(memberships, Generator));
        Assert.Equal(0, await importer.ImportGroupsAsync(groups));
        Assert.Equal(0, await importer.ImportMembershipsAsync(memberships, Generator));

        Assert.Equal(6, await store.Store.CountAsync(DirectoryTables.Group, EncodedQuery.Empty));
        Assert.Equal(120, await store.Store.CountAsync(DirectoryTables.GroupMember, EncodedQuery.Empty));
        var changes = await directory.ChangesAsync("group", before, 1_000);
        Assert.Equal(126, changes.Count);
        Assert.Equal(before + 126, await directory.CurrentSequenceAsync());
        Assert.Equal(changes.Select(c => c["seq"]), changes.Select(c => c["seq"]).Distinct());
        Assert.Equal(6, changes.Count(c => c["kind"] == "changed"));
        var added = changes.Where(c => c["kind"] == "member_added").Select(c => (c["object_id"], c["member_id"], c["member_type"])).ToHashSet();
        Assert.Equal(memberships.Select(m => ((string?)GraphIds.ToSysId(Generator.IdFor("group", m.GroupIndex)),
            (string?)GraphIds.ToSysId(Generator.IdFor("user", m.UserIndex)), (string?)"user")).ToHashSet(), added);
    }

    [Fact]
    public async Task a_delta_round_after_a_bulk_load_returns_the_new_groups_with_their_members()
    {
        var link = (await tenant.AllPagesAsync(tenant.Reader, "/v1.0/groups/delta?$select=displayName,members")).Last.DeltaLink!;
        var generator = new DirectoryGenerator(seed: 12, domain: RunningTenant.Domain);
        var importer = new DirectoryImporter(tenant.App.Directory, "generate");
        await importer.ImportManyAsync(generator.Users(30).ToList(), generator);
        await importer.ImportGroupsAsync(Enumerable.Range(0, 3).Select(generator.Group).ToList());
        var memberships = generator.Memberships(60, 30, 3).ToList();
        await importer.ImportMembershipsAsync(memberships, generator);

        var (groups, _) = await tenant.AllPagesAsync(tenant.Reader, link);

        Assert.Equal(3, groups.Count);
        foreach (var group in groups)
        {
            var index = Enumerable.Range(0, 3).Single(g => generator.IdFor("group", g).ToString("D") == group.Id());
            Assert.Equal(generator.Group(index).DisplayName, group.Text("displayName"));
            var expected = memberships.Where(m => m.GroupIndex == index).Select(m => generator.IdFor("user", m.UserIndex).ToString("D")).Order();
            Assert.Equal(expected, group.GetProperty("members@delta").EnumerateArray().Select(m => m.Id()).Order());
        }
    }
}
