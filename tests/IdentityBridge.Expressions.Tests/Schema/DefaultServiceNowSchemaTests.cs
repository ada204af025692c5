using System.Text.Json.Nodes;
using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Expressions.Tests.Support;

namespace IdentityBridge.Expressions.Tests.Schema;

/// <summary>The shipped default schema for ServiceNow (spec §1.7).</summary>
public class DefaultServiceNowSchemaTests
{
    private static CompiledSchema Compiled()
    {
        var compilation = SchemaCompiler.Compile(DefaultSchemas.ServiceNow);
        Assert.True(compilation.Succeeded, string.Join("\n", compilation.Problems));
        return compilation.Schema!;
    }

    [Fact]
    public void the_shipped_schema_validates_without_problems() =>
        Assert.Empty(SchemaCompiler.Validate(DefaultSchemas.ServiceNow));

    [Fact]
    public void users_go_to_sys_user_matched_on_user_name_from_user_principal_name()
    {
        var users = Compiled().For("User")!;
        Assert.Equal("sys_user", users.TargetObjectName);
        var matching = Assert.Single(users.MatchingAttributes);
        Assert.Equal("user_name", matching.TargetAttributeName);
        Assert.Equal("[userPrincipalName]", matching.Expression!.Text);
    }

    [Fact]
    public void a_user_maps_to_the_documented_sys_user_fields()
    {
        var user = new AttributeBag
        {
            ["userPrincipalName"] = "ann.lee@contoso.com",
            ["IsSoftDeleted"] = ExpressionValue.False,
            ["mail"] = "ann.lee@contoso.com",
            ["givenName"] = "Ann",
            ["surname"] = "Lee",
            ["jobTitle"] = "Engineer",
            ["department"] = "Research",
            ["telephoneNumber"] = "+1 425 555 0100",
            ["mobile"] = "+1 425 555 0199",
            ["employeeId"] = "E1001",
            ["manager"] = ExpressionValue.FromReference("5c1f"),
            ["city"] = "Redmond",
            ["companyName"] = "Contoso",
        };
        var record = Compiled().For("User")!.AttributeMappings
            .ToDictionary(m => m.TargetAttributeName, m => m.Expression!.Evaluate(user).Value);
        Assert.Equal("ann.lee@contoso.com", record["user_name"].Text);
        Assert.Equal("1", record["active"].Text);
        Assert.Equal("ann.lee@contoso.com", record["email"].Text);
        Assert.Equal("Ann", record["first_name"].Text);
        Assert.Equal("Lee", record["last_name"].Text);
        Assert.Equal("Engineer", record["title"].Text);
        Assert.Equal("Research", record["department"].Text);
        Assert.Equal("+1 425 555 0100", record["phone"].Text);
        Assert.Equal("+1 425 555 0199", record["mobile_phone"].Text);
        Assert.Equal("E1001", record["employee_number"].Text);
        Assert.Equal(ExpressionValue.FromReference("5c1f"), record["manager"]);
        Assert.Equal("Redmond", record["location"].Text);
        Assert.Equal("Contoso", record["company"].Text);
    }

    [Fact]
    public void a_soft_deleted_user_is_made_inactive()
    {
        var active = Compiled().For("User")!.AttributeMappings.Single(m => m.TargetAttributeName == "active");
        Assert.Equal("Switch([IsSoftDeleted], , \"False\", \"1\", \"True\", \"0\")", active.Expression!.Text);
        Assert.Equal("0", active.Expression.Evaluate(new AttributeBag { ["IsSoftDeleted"] = ExpressionValue.True }).Value.Text);
    }

    [Fact]
    public void groups_go_to_sys_user_group_matched_on_name_with_description_email_and_members()
    {
        var groups = Compiled().For("Group")!;
        Assert.Equal("sys_user_group", groups.TargetObjectName);
        Assert.Equal("name", Assert.Single(groups.MatchingAttributes).TargetAttributeName);
        Assert.Equal(
            [("name", "[displayName]"), ("description", "[description]"), ("email", "[mail]"), ("members", "[members]")],
            groups.AttributeMappings.Select(m => (m.TargetAttributeName, m.Expression!.Text)));
    }

    [Fact]
    public void references_name_the_servicenow_tables_they_resolve_against()
    {
        var sysUser = DefaultSchemas.ServiceNow.Directories!.Single(d => d.Name == "ServiceNow").Objects!.Single(o => o.Name == "sys_user");
        var references = sysUser.Attributes!.Where(a => a.Type == "Reference")
            .ToDictionary(a => a.Name!, a => a.ReferencedObjects!.Single().ReferencedObjectName);
        Assert.Equal("cmn_department", references["department"]);
        Assert.Equal("cmn_location", references["location"]);
        Assert.Equal("core_company", references["company"]);
        Assert.Equal("sys_user", references["manager"]);
    }

    [Fact]
    public void every_default_not_confirmed_by_microsoft_says_so_in_the_file()
    {
        var json = JsonNode.Parse(DefaultSchemas.ServiceNowJson)!;
        var objectMappings = json["synchronizationRules"]![0]!["objectMappings"]!.AsArray();
        string[] confirmed = ["user_name", "active", "name"];
        foreach (var mapping in objectMappings.SelectMany(o => o!["attributeMappings"]!.AsArray()))
        {
            var target = (string)mapping!["targetAttributeName"]!;
            var note = mapping["@IdentityBridge.unconfirmed"];
            if (confirmed.Contains(target)) Assert.Null(note);
            else Assert.False(string.IsNullOrWhiteSpace((string?)note), $"{target} has no note");
        }
    }

    [Fact]
    public void the_shipped_schema_round_trips()
    {
        var written = SynchronizationSchemaJson.Write(DefaultSchemas.ServiceNow);
        Assert.Equal(written, SynchronizationSchemaJson.Write(SynchronizationSchemaJson.Read(written).Schema!));
        Assert.True(JsonMeaning.Same(DefaultSchemas.ServiceNowJson, written));
    }
}
