using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Provisioning.Source;
using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Source;

/// <summary>Delta rounds over a real tenant. Each test starts its own rounds and looks only at the objects it made.</summary>
public sealed class GraphSourceDeltaTests(TenantServer tenant) : IClassFixture<TenantServer>
{
    [Fact]
    public async Task full_user_round_translates_attributes_to_schema_names_and_references_the_manager()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var amy = await tenant.CreateUserAsync(scope + "amy", new
        {
            givenName = "Amy",
            surname = "Ames",
            jobTitle = "Engineer",
            department = "R&D",
            mobilePhone = "+1 555 0100",
            businessPhones = new[] { "+1 555 0101", "+1 555 0102" },
            officeLocation = "B/42",
            employeeId = "E-17",
            proxyAddresses = new[] { "SMTP:amy@contoso.com", "smtp:a@contoso.com" },
            accountEnabled = false,
        });
        await tenant.SetManagerAsync(amy, boss);
        await using var source = tenant.NewSource();

        var round = await source.RoundAsync(SourceObjectType.User);

        var user = round.Single(amy);
        var a = user.Attributes;
        Assert.Equal(amy, a["objectId"].Text);
        Assert.Equal(TenantServer.Upn(scope + "amy"), a["userPrincipalName"].Text);
        Assert.Equal(TenantServer.Upn(scope + "amy"), a["originalUserPrincipalName"].Text);
        Assert.Equal("Amy", a["givenName"].Text);
        Assert.Equal("Ames", a["surname"].Text);
        Assert.Equal("R&D", a["department"].Text);
        Assert.Equal("+1 555 0100", a["mobile"].Text);
        Assert.Equal("+1 555 0101", a["telephoneNumber"].Text);
        Assert.Equal("B/42", a["physicalDeliveryOfficeName"].Text);
        Assert.Equal("E-17", a["employeeId"].Text);
        Assert.Equal(ValueKind.Boolean, a["accountEnabled"].Kind);
        Assert.False(a["accountEnabled"].Boolean);
        Assert.Equal(ValueKind.MultiValued, a["proxyAddresses"].Kind);
        Assert.Equal(ExpressionValue.FromReference(boss), a["manager"]);
        // Computed by the engine, never read; and what the tenant has no property for is simply empty.
        Assert.True(a["IsSoftDeleted"].IsNull);
        Assert.True(a["facsimileTelephoneNumber"].IsNull);
        Assert.True(user.Complete);
        Assert.True(user.ManagerKnown);
        Assert.Equal(RemovalKind.None, user.Removal);
        Assert.Equal(TenantServer.Upn(scope + "amy"), user.DisplayName);

        var bossUser = round.Single(boss);
        Assert.True(bossUser.ManagerKnown);
        Assert.True(bossUser.Attributes["manager"].IsNull);
        Assert.StartsWith(tenant.GraphUrl + "/users/delta", round.DeltaLink);
    }

    [Fact]
    public async Task full_user_round_follows_next_links_page_by_page()
    {
        var scope = tenant.NewScope();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await tenant.CreateUserAsync($"{scope}p{i}"));
        await using var source = tenant.NewSource(pageSize: 2);

        var round = await source.RoundAsync(SourceObjectType.User);

        Assert.All(ids, id => Assert.True(round.Has(id)));
        Assert.True(round.Pages >= 3);
        Assert.Equal(round.Objects.Count, round.Objects.Select(o => o.Id).Distinct().Count());
    }

    [Fact]
    public async Task guest_user_principal_name_is_stripped_and_the_raw_one_kept()
    {
        var scope = tenant.NewScope();
        var guest = await tenant.CreateGuestAsync(scope + "ann", "fabrikam.com");
        await using var source = tenant.NewSource();

        var user = (await source.RoundAsync(SourceObjectType.User)).Single(guest);

        Assert.Equal($"{scope}ann@fabrikam.com", user.Attributes["userPrincipalName"].Text);
        Assert.Equal($"{scope}ann_fabrikam.com#EXT#@{TenantServer.Domain}", user.Attributes["originalUserPrincipalName"].Text);
        Assert.Equal("Guest", user.Attributes["userType"].Text);
    }

    [Fact]
    public async Task group_round_reports_user_and_nested_group_members_across_pages()
    {
        var scope = tenant.NewScope();
        var amy = await tenant.CreateUserAsync(scope + "amy");
        var bo = await tenant.CreateUserAsync(scope + "bo");
        var inner = await tenant.CreateGroupAsync(scope + "inner", "the inner team");
        var outer = await tenant.CreateGroupAsync(scope + "outer");
        var empty = await tenant.CreateGroupAsync(scope + "empty");
        await tenant.AddMemberAsync(inner, amy);
        await tenant.AddMemberAsync(outer, bo);
        await tenant.AddMemberAsync(outer, inner);
        await using var source = tenant.NewSource(pageSize: 2);

        var round = await source.RoundAsync(SourceObjectType.Group);

        Assert.True(round.Pages >= 2);
        Assert.Equal([new MemberChange(bo, SourceObjectType.User, false), new MemberChange(inner, SourceObjectType.Group, false)],
            round.MembersOf(outer).OrderBy(m => m.MemberType).ToList());
        Assert.Equal([new MemberChange(amy, SourceObjectType.User, false)], round.MembersOf(inner));
        Assert.Empty(round.MembersOf(empty));
        var group = round.Objects.First(o => o.Id == inner);
        Assert.Equal("the inner team", group.Attributes["description"].Text);
        Assert.Equal(scope + "inner", group.DisplayName);
        Assert.True(group.Attributes["securityEnabled"].Boolean);
        Assert.True(group.Attributes["members"].IsNull);
        Assert.True(group.Complete);
    }

    [Fact]
    public async Task change_round_reports_updates_new_users_soft_deletes_restores_and_purges()
    {
        var scope = tenant.NewScope();
        var amy = await tenant.CreateUserAsync(scope + "amy", new { jobTitle = "Engineer" });
        var bo = await tenant.CreateUserAsync(scope + "bo");
        var cy = await tenant.CreateUserAsync(scope + "cy");
        await using var source = tenant.NewSource();
        var link = (await source.RoundAsync(SourceObjectType.User)).DeltaLink;

        await tenant.UpdateUserAsync(amy, new { jobTitle = "Lead", mobilePhone = "+1 555 0199" });
        var dan = await tenant.CreateUserAsync(scope + "dan");
        await tenant.SoftDeleteUserAsync(bo);
        await tenant.PurgeUserAsync(cy);
        var round = await source.RoundAsync(SourceObjectType.User, link);

        var updated = round.Single(amy);
        Assert.Equal("Lead", updated.Attributes["jobTitle"].Text);
        Assert.Equal("+1 555 0199", updated.Attributes["mobile"].Text);
        Assert.True(updated.Complete);
        Assert.True(round.Has(dan));
        Assert.Equal(RemovalKind.SoftDeleted, round.Single(bo).Removal);
        Assert.False(round.Single(bo).Complete);
        Assert.Equal(RemovalKind.HardDeleted, round.Single(cy).Removal);

        await tenant.RestoreUserAsync(bo);
        round = await source.RoundAsync(SourceObjectType.User, round.DeltaLink);
        var restored = round.Single(bo);
        Assert.Equal(RemovalKind.None, restored.Removal);
        Assert.Equal(TenantServer.Upn(scope + "bo"), restored.Attributes["userPrincipalName"].Text);

        round = await source.RoundAsync(SourceObjectType.User, round.DeltaLink);
        Assert.DoesNotContain(round.Objects, o => o.Id == amy || o.Id == bo);
    }

    [Fact]
    public async Task change_round_says_when_the_manager_was_set_replaced_or_removed()
    {
        var scope = tenant.NewScope();
        var ann = await tenant.CreateUserAsync(scope + "ann");
        var ben = await tenant.CreateUserAsync(scope + "ben");
        var cat = await tenant.CreateUserAsync(scope + "cat");
        await using var source = tenant.NewSource();
        var link = (await source.RoundAsync(SourceObjectType.User)).DeltaLink;

        await tenant.SetManagerAsync(cat, ann);
        var round = await source.RoundAsync(SourceObjectType.User, link);
        Assert.True(round.Single(cat).ManagerKnown);
        Assert.Equal(ExpressionValue.FromReference(ann), round.Single(cat).Attributes["manager"]);

        await tenant.SetManagerAsync(cat, ben);
        round = await source.RoundAsync(SourceObjectType.User, round.DeltaLink);
        Assert.Equal(ExpressionValue.FromReference(ben), round.Single(cat).Attributes["manager"]);

        await tenant.RemoveManagerAsync(cat);
        round = await source.RoundAsync(SourceObjectType.User, round.DeltaLink);
        Assert.True(round.Single(cat).ManagerKnown);
        Assert.True(round.Single(cat).Attributes["manager"].IsNull);

        // A change that does not touch the manager says nothing about it.
        await tenant.UpdateUserAsync(ann, new { jobTitle = "Director" });
        round = await source.RoundAsync(SourceObjectType.User, round.DeltaLink);
        Assert.False(round.Single(ann).ManagerKnown);
    }

    [Fact]
    public async Task purging_a_manager_removes_it_from_the_reports_in_the_next_round()
    {
        var scope = tenant.NewScope();
        var boss = await tenant.CreateUserAsync(scope + "boss");
        var amy = await tenant.CreateUserAsync(scope + "amy");
        await tenant.SetManagerAsync(amy, boss);
        await using var source = tenant.NewSource();
        var link = (await source.RoundAsync(SourceObjectType.User)).DeltaLink;

        await tenant.PurgeUserAsync(boss);
        var round = await source.RoundAsync(SourceObjectType.User, link);

        Assert.Equal(RemovalKind.HardDeleted, round.Single(boss).Removal);
        Assert.True(round.Single(amy).ManagerKnown);
        Assert.True(round.Single(amy).Attributes["manager"].IsNull);
    }

    [Fact]
    public async Task change_round_reports_members_added_and_removed_and_deleted_groups()
    {
        var scope = tenant.NewScope();
        var amy = await tenant.CreateUserAsync(scope + "amy");
        var bo = await tenant.CreateUserAsync(scope + "bo");
        var team = await tenant.CreateGroupAsync(scope + "team");
        var sub = await tenant.CreateGroupAsync(scope + "sub");
        var gone = await tenant.CreateGroupAsync(scope + "gone");
        await tenant.AddMemberAsync(team, amy);
        await using var source = tenant.NewSource();
        var link = (await source.RoundAsync(SourceObjectType.Group)).DeltaLink;

        await tenant.AddMemberAsync(team, bo);
        await tenant.AddMemberAsync(team, sub);
        await tenant.RemoveMemberAsync(team, amy);
        await tenant.DeleteGroupAsync(gone);
        var round = await source.RoundAsync(SourceObjectType.Group, link);

        Assert.Equal(
            new[]
            {
                new MemberChange(amy, SourceObjectType.User, true), new MemberChange(bo, SourceObjectType.User, false),
                new MemberChange(sub, SourceObjectType.Group, false),
            }.OrderBy(m => m.MemberId),
            round.MembersOf(team).OrderBy(m => m.MemberId));
        // Only the membership changed: the group's own attributes did not come, so the engine reads it whole if it needs them.
        Assert.False(round.Objects.First(o => o.Id == team).Complete);
        Assert.Equal(RemovalKind.HardDeleted, round.Single(gone).Removal);
    }

    [Fact]
    public async Task latest_delta_link_skips_everything_before_it()
    {
        var scope = tenant.NewScope();
        var before = await tenant.CreateUserAsync(scope + "before");
        await using var source = tenant.NewSource();

        var link = (await source.LatestDeltaLinkAsync(SourceObjectType.User, CancellationToken.None)).Ok();
        Assert.NotNull(link);
        var after = await tenant.CreateUserAsync(scope + "after");
        var round = await source.RoundAsync(SourceObjectType.User, link);

        Assert.True(round.Has(after));
        Assert.False(round.Has(before));
    }

    [Fact]
    public async Task refused_delta_link_asks_for_a_full_round()
    {
        await using var source = tenant.NewSource();

        var forged = await source.ReadDeltaAsync(SourceObjectType.User, tenant.GraphUrl + "/users/delta?$deltatoken=bm9wZQ", ["objectId"],
            (_, _) => ValueTask.CompletedTask, CancellationToken.None);
        var elsewhere = await source.ReadDeltaAsync(SourceObjectType.User, "https://elsewhere.example/v1.0/users/delta?$deltatoken=x", ["objectId"],
            (_, _) => ValueTask.CompletedTask, CancellationToken.None);

        Assert.Equal("DeltaTokenExpired", forged.Failed().Code);
        Assert.False(forged.Error!.JobLevel);
        Assert.Equal("DeltaTokenExpired", elsewhere.Failed().Code);
    }
}
