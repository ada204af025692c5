using IdentityBridge.Storage.Queries;

namespace IdentityBridge.Storage.Tests.Queries;

/// <summary>Reading encoded-query text, without a database (spec/servicenow.md section 2).</summary>
public sealed class EncodedQueryParserTests
{
    [Fact]
    public void caret_separates_clauses_and_or_joins_a_condition_to_the_clause_before_it()
    {
        var query = EncodedQuery.Parse("active=true^state=1^ORstate=2^ORstate=3^logins>5");

        var group = Assert.Single(query.Groups);
        Assert.Equal(
            [["active=true"], ["state=1", "state=2", "state=3"], ["logins>5"]],
            group.Clauses.Select(c => c.Alternatives.Select(a => a.Text).ToArray()).ToArray());
    }

    [Fact]
    public void nq_starts_a_new_group()
    {
        var query = EncodedQuery.Parse("a=1^b=2^ORc=3^NQd=4^e=5^NQf=6");

        Assert.Equal(
            [["a=1", "b=2|c=3"], ["d=4", "e=5"], ["f=6"]],
            query.Groups.Select(g => g.Clauses.Select(c => string.Join("|", c.Alternatives.Select(a => a.Text))).ToArray()).ToArray());
    }

    [Fact]
    public void orderby_terms_are_collected_wherever_they_stand()
    {
        var query = EncodedQuery.Parse("ORDERBYDESClogins^active=true^ORDERBYname^NQstate=new^ORDERBYmanager.name");

        Assert.Equal([new OrderTerm("logins", true), new OrderTerm("name", false), new OrderTerm("manager.name", false)], query.Order);
        Assert.Equal(2, query.Groups.Count);
        Assert.Empty(query.InvalidTerms);
    }

    [Fact]
    public void orderby_is_not_mistaken_for_an_or()
    {
        var query = EncodedQuery.Parse("a=1^ORDERBYb^ORc=2");

        Assert.Equal([new OrderTerm("b", false)], query.Order);
        Assert.Equal(["a=1", "c=2"], Assert.Single(Assert.Single(query.Groups).Clauses).Alternatives.Select(a => a.Text));
    }

    [Fact]
    public void eq_ends_the_query()
    {
        var query = EncodedQuery.Parse("active=true^EQ^state=new");

        Assert.Equal(["active=true"], Assert.Single(query.Groups).Clauses.Select(c => c.Alternatives.Single().Text));
        Assert.Empty(query.InvalidTerms);
        Assert.Single(EncodedQuery.Parse("active=true^EQ").Groups.Single().Clauses);
    }

    [Fact]
    public void doubled_caret_is_a_caret_inside_the_value()
    {
        var query = EncodedQuery.Parse("title=a^^b^ORtitle=^^^^");

        Assert.Equal(["a^b", "^^"], Assert.Single(Assert.Single(query.Groups).Clauses).Alternatives.Select(a => a.Value));
    }

    [Theory]
    [InlineData("name=x", "name", QueryOperator.Equals, "x")]
    [InlineData("name!=x", "name", QueryOperator.NotEquals, "x")]
    [InlineData("nameLIKEx", "name", QueryOperator.Like, "x")]
    [InlineData("name*x", "name", QueryOperator.Like, "x")]
    [InlineData("nameNOT LIKEx", "name", QueryOperator.NotLike, "x")]
    [InlineData("name!*x", "name", QueryOperator.NotLike, "x")]
    [InlineData("nameSTARTSWITHx", "name", QueryOperator.StartsWith, "x")]
    [InlineData("nameENDSWITHx", "name", QueryOperator.EndsWith, "x")]
    [InlineData("name%x", "name", QueryOperator.EndsWith, "x")]
    [InlineData("nameINa,b", "name", QueryOperator.In, "a,b")]
    [InlineData("nameNOT INa,b", "name", QueryOperator.NotIn, "a,b")]
    [InlineData("nameISEMPTY", "name", QueryOperator.IsEmpty, "")]
    [InlineData("nameISNOTEMPTY", "name", QueryOperator.IsNotEmpty, "")]
    [InlineData("nameANYTHING", "name", QueryOperator.Anything, "")]
    [InlineData("nameEMPTYSTRING", "name", QueryOperator.EmptyString, "")]
    [InlineData("logins<5", "logins", QueryOperator.LessThan, "5")]
    [InlineData("logins<=5", "logins", QueryOperator.LessThanOrEquals, "5")]
    [InlineData("logins>5", "logins", QueryOperator.GreaterThan, "5")]
    [InlineData("logins>=5", "logins", QueryOperator.GreaterThanOrEquals, "5")]
    [InlineData("loginsBETWEEN1@3", "logins", QueryOperator.Between, "1@3")]
    [InlineData("nameSAMEASnickname", "name", QueryOperator.SameAs, "nickname")]
    [InlineData("nameNSAMEASnickname", "name", QueryOperator.NotSameAs, "nickname")]
    [InlineData("manager.department.name=Sales", "manager.department.name", QueryOperator.Equals, "Sales")]
    [InlineData("manager=NULL", "manager", QueryOperator.IsEmpty, "")]
    [InlineData("manager!=NULL", "manager", QueryOperator.IsNotEmpty, "")]
    [InlineData("name=a=b", "name", QueryOperator.Equals, "a=b")]
    [InlineData("name=", "name", QueryOperator.Equals, "")]
    public void term_is_read_as_field_operator_and_value(string term, string field, QueryOperator op, string value)
    {
        var condition = EncodedQuery.Parse(term).Groups.Single().Clauses.Single().Alternatives.Single();

        Assert.Equal(new QueryCondition(field, op, value), condition with { Text = "" });
        Assert.Equal(term, condition.Text);
    }

    [Theory]
    [InlineData("Name=x")]
    [InlineData("name")]
    [InlineData("nameISEMPTYx")]
    [InlineData("name=javascript:gs.getUserID()")]
    [InlineData("=x")]
    [InlineData("name..first=x")]
    [InlineData("1name=x")]
    [InlineData("name x=y")]
    public void term_that_is_not_field_operator_value_is_kept_as_invalid(string term)
    {
        var query = EncodedQuery.Parse("active=true^" + term);

        Assert.Equal([term], query.InvalidTerms);
        Assert.Single(query.Groups.Single().Clauses);
    }

    [Fact]
    public void blank_query_is_empty()
    {
        Assert.True(EncodedQuery.Parse(null).IsEmpty);
        Assert.True(EncodedQuery.Parse("  ").IsEmpty);
        Assert.True(EncodedQuery.Parse("^").IsEmpty);
    }
}
