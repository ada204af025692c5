using IdentityBridge.Provisioning.Target;

namespace IdentityBridge.Provisioning.Tests.Target;

public sealed class EncodedQueryTextTests
{
    [Theory]
    [InlineData("alice", true)]
    [InlineData("NULL", true)]
    [InlineData("a,b", false)]
    [InlineData("a^b", false)]
    [InlineData("a=b", false)]
    [InlineData("a\nb", false)]
    [InlineData(" a", false)]
    [InlineData("a ", false)]
    [InlineData("", false)]
    [InlineData("javascript:x", false)]
    public void only_plain_values_go_into_an_in_list(string value, bool expected) =>
        Assert.Equal(expected, EncodedQueryText.CanGoInList(value));

    [Theory]
    [InlineData("a,b", true)]
    [InlineData(" spaced ", true)]
    [InlineData("NULL", false)]
    [InlineData("", false)]
    [InlineData("JavaScript:gs.getUserID()", false)]
    [InlineData("nul\0", false)]
    public void a_value_stands_alone_unless_field_equals_value_means_something_else(string value, bool expected) =>
        Assert.Equal(expected, EncodedQueryText.CanStandAlone(value));

    [Theory]
    [InlineData(null, "nameINa,b")]
    [InlineData("", "nameINa,b")]
    [InlineData("active=true", "nameINa,b^active=true")]
    [InlineData("active=true^ORvip=true", "nameINa,b^active=true^ORvip=true")]
    [InlineData("^ORactive=true", "nameINa,b^active=true")]
    [InlineData("active=true^NQvip=true", "nameINa,b^active=true^NQnameINa,b^vip=true")]
    [InlineData("title=R^^D", "nameINa,b^title=R^^D")]
    [InlineData("active=true^ORDERBYname", "nameINa,b^active=true^ORDERBYname")]
    public void a_term_narrows_every_group_of_a_query(string? query, string expected) =>
        Assert.Equal(expected, EncodedQueryText.And("nameINa,b", query));

    [Fact]
    public void a_caret_is_doubled_and_nothing_else_is_touched() =>
        Assert.Equal("a^^b,c=d", EncodedQueryText.Escape("a^b,c=d"));
}
