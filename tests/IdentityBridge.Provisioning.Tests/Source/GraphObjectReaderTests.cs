using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Tests.Source;

/// <summary>Graph's wire shapes as Microsoft Graph itself sends them, beyond what the tenant produces.</summary>
public sealed class GraphObjectReaderTests
{
    private static readonly HashSet<string> NothingUnsupported = [];
    private readonly GraphObjectReader _reader = new();

    private SourceObject Read(string json, SourceObjectType type, GraphReadKind kind, params string[] attributes)
    {
        using var document = JsonDocument.Parse(json);
        return _reader.Read(document.RootElement, GraphProjection.Create(type, attributes, NothingUnsupported), kind);
    }

    [Fact]
    public void change_round_user_with_only_some_attributes_is_incomplete_and_says_nothing_of_its_manager()
    {
        var user = Read("""{"id":"11111111-1111-1111-1111-111111111111","displayName":"Amy","jobTitle":null}""",
            SourceObjectType.User, GraphReadKind.ChangeRound, "jobTitle", "mobile", "manager");

        Assert.False(user.Complete);
        Assert.False(user.ManagerKnown);
        Assert.True(user.Attributes["jobTitle"].IsNull);
        Assert.Equal("Amy", user.Attributes["displayName"].Text);
    }

    [Fact]
    public void manager_delta_with_a_removed_entry_or_an_empty_list_means_no_manager()
    {
        var removed = Read("""
            {"id":"11111111-1111-1111-1111-111111111111",
             "manager@delta":[{"@odata.type":"#microsoft.graph.user","id":"22222222-2222-2222-2222-222222222222","@removed":{"reason":"deleted"}}]}
            """, SourceObjectType.User, GraphReadKind.ChangeRound, "manager");
        var empty = Read("""{"id":"11111111-1111-1111-1111-111111111111","manager@delta":[]}""",
            SourceObjectType.User, GraphReadKind.ChangeRound, "manager");
        var replaced = Read("""
            {"id":"11111111-1111-1111-1111-111111111111",
             "manager@delta":[{"@odata.type":"#microsoft.graph.user","id":"22222222-2222-2222-2222-222222222222","@removed":{"reason":"deleted"}},
                              {"@odata.type":"#microsoft.graph.user","id":"33333333-3333-3333-3333-333333333333"}]}
            """, SourceObjectType.User, GraphReadKind.ChangeRound, "manager");

        Assert.True(removed.ManagerKnown);
        Assert.True(removed.Attributes["manager"].IsNull);
        Assert.True(empty.ManagerKnown);
        Assert.True(empty.Attributes["manager"].IsNull);
        Assert.Equal(ExpressionValue.FromReference("33333333-3333-3333-3333-333333333333"), replaced.Attributes["manager"]);
    }

    [Fact]
    public void members_delta_keeps_users_and_groups_and_skips_other_kinds_of_member()
    {
        var group = Read("""
            {"id":"44444444-4444-4444-4444-444444444444","displayName":"Team",
             "members@delta":[
               {"@odata.type":"#microsoft.graph.user","id":"11111111-1111-1111-1111-111111111111"},
               {"@odata.type":"#microsoft.graph.group","id":"55555555-5555-5555-5555-555555555555","@removed":{"reason":"deleted"}},
               {"@odata.type":"#microsoft.graph.device","id":"66666666-6666-6666-6666-666666666666"},
               {"@odata.type":"#microsoft.graph.orgContact","id":"77777777-7777-7777-7777-777777777777"}]}
            """, SourceObjectType.Group, GraphReadKind.FullRound, "displayName");

        Assert.Equal(
        [
            new MemberChange("11111111-1111-1111-1111-111111111111", SourceObjectType.User, false),
            new MemberChange("55555555-5555-5555-5555-555555555555", SourceObjectType.Group, true),
        ], group.MemberChanges);
    }

    [Fact]
    public void removed_reasons_are_soft_and_hard_deletes()
    {
        var changed = Read("""{"id":"11111111-1111-1111-1111-111111111111","@removed":{"reason":"changed"}}""",
            SourceObjectType.User, GraphReadKind.ChangeRound);
        var deleted = Read("""{"id":"11111111-1111-1111-1111-111111111111","@removed":{"reason":"deleted"}}""",
            SourceObjectType.User, GraphReadKind.ChangeRound);

        Assert.Equal(RemovalKind.SoftDeleted, changed.Removal);
        Assert.Equal(RemovalKind.HardDeleted, deleted.Removal);
        Assert.False(deleted.Complete);
        Assert.False(deleted.ManagerKnown);
    }

    [Fact]
    public void whole_user_reads_expanded_manager_phones_and_on_premises_extension_attributes()
    {
        var user = Read("""
            {"id":"11111111-1111-1111-1111-111111111111","userPrincipalName":"amy@contoso.com","businessPhones":[],
             "faxNumber":"+1 555 0150","onPremisesExtensionAttributes":{"extensionAttribute3":"cost-42","extensionAttribute4":null},
             "extension_0123456789abcdef0123456789abcdef_costCenter":"C1",
             "manager":{"@odata.type":"#microsoft.graph.user","id":"22222222-2222-2222-2222-222222222222"}}
            """, SourceObjectType.User, GraphReadKind.Whole,
            "telephoneNumber", "facsimileTelephoneNumber", "extensionAttribute3", "extensionAttribute4",
            "extension_0123456789abcdef0123456789abcdef_costCenter", "manager");

        Assert.True(user.Attributes["telephoneNumber"].IsNull);
        Assert.Equal("+1 555 0150", user.Attributes["facsimileTelephoneNumber"].Text);
        Assert.Equal("cost-42", user.Attributes["extensionAttribute3"].Text);
        Assert.True(user.Attributes["extensionAttribute4"].IsNull);
        Assert.Equal("C1", user.Attributes["extension_0123456789abcdef0123456789abcdef_costCenter"].Text);
        Assert.Equal(ExpressionValue.FromReference("22222222-2222-2222-2222-222222222222"), user.Attributes["manager"]);
        Assert.True(user.Complete && user.ManagerKnown);
    }

    [Fact]
    public void the_same_id_read_twice_is_one_string()
    {
        var first = Read("""{"id":"11111111-1111-1111-1111-111111111111"}""", SourceObjectType.User, GraphReadKind.Whole);
        var member = Read("""
            {"id":"44444444-4444-4444-4444-444444444444","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"11111111-1111-1111-1111-111111111111"}]}
            """, SourceObjectType.Group, GraphReadKind.FullRound);

        Assert.Same(first.Id, member.MemberChanges[0].MemberId);
    }
}
