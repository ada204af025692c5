using IdentityBridge.Provisioning.Source;

namespace IdentityBridge.Provisioning.Tests.Source;

public sealed class GraphAttributeMapTests
{
    private static readonly HashSet<string> NothingUnsupported = [];

    [Theory]
    [InlineData("ann_fabrikam.com#EXT#@contoso.onmicrosoft.com", "ann@fabrikam.com")]
    [InlineData("ann.lee_mail.fabrikam.co.uk#ext#@contoso.onmicrosoft.com", "ann.lee@mail.fabrikam.co.uk")]
    [InlineData("first_last_fabrikam.com#EXT#@contoso.onmicrosoft.com", "first_last@fabrikam.com")]
    [InlineData("amy@contoso.onmicrosoft.com", "amy@contoso.onmicrosoft.com")]
    [InlineData("noseparator#EXT#@contoso.onmicrosoft.com", "noseparator#EXT#@contoso.onmicrosoft.com")]
    public void guest_suffix_is_stripped_back_to_the_invited_address(string raw, string expected) =>
        Assert.Equal(expected, GraphAttributeMap.StripGuestSuffix(raw));

    [Fact]
    public void schema_names_are_selected_by_their_graph_names_and_computed_ones_never()
    {
        var projection = GraphProjection.Create(SourceObjectType.User,
            ["objectId", "mobile", "telephoneNumber", "physicalDeliveryOfficeName", "officeLocation", "facsimileTelephoneNumber",
             "originalUserPrincipalName", "IsSoftDeleted", "appRoleAssignments", "manager", "extension_0123456789abcdef0123456789abcdef_costCenter",
             "extensionAttribute3", "extensionAttribute7", "city"], NothingUnsupported);

        Assert.Equal(
            "id,userPrincipalName,displayName,accountEnabled,mobilePhone,businessPhones,officeLocation,faxNumber," +
            "extension_0123456789abcdef0123456789abcdef_costCenter,onPremisesExtensionAttributes,city,manager",
            projection.SelectFor(delta: true));
        Assert.DoesNotContain("manager", projection.SelectFor(delta: false));
        Assert.True(projection.ManagerAsked);
    }

    [Fact]
    public void groups_always_select_members_in_delta_and_never_as_an_attribute()
    {
        var projection = GraphProjection.Create(SourceObjectType.Group, ["displayName", "members", "description", "IsSoftDeleted"], NothingUnsupported);

        Assert.Equal("id,displayName,description,members", projection.SelectFor(delta: true));
        Assert.Equal("id,displayName,description", projection.SelectFor(delta: false));
    }

    [Fact]
    public void properties_the_directory_lacks_are_left_out()
    {
        var projection = GraphProjection.Create(SourceObjectType.User, ["preferredLanguage", "city"], new HashSet<string>(["preferredLanguage"]));

        Assert.Equal("id,userPrincipalName,displayName,accountEnabled,city", projection.SelectFor(delta: false));
    }
}
