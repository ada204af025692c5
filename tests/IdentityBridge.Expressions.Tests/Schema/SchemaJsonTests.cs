using IdentityBridge.Expressions.Evaluation;
using IdentityBridge.Expressions.Schema;
using IdentityBridge.Expressions.Tests.Support;

namespace IdentityBridge.Expressions.Tests.Schema;

/// <summary>Reading and writing Graph's synchronizationSchema JSON (spec §5.4).</summary>
public class SchemaJsonTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schema", "Fixtures", name));

    [Fact]
    public void every_feature_round_trips()
    {
        var original = Fixture("every_feature_round_trips.json");
        var read = SynchronizationSchemaJson.Read(original);
        Assert.True(read.Succeeded, string.Join("; ", read.Problems));
        var written = SynchronizationSchemaJson.Write(read.Schema!);
        Assert.True(JsonMeaning.Same(original, written), written);

        var again = SynchronizationSchemaJson.Write(SynchronizationSchemaJson.Read(written).Schema!);
        Assert.Equal(written, again);
    }

    [Fact]
    public void a_schema_with_every_feature_compiles_including_sources_given_only_as_trees()
    {
        var schema = SynchronizationSchemaJson.Read(Fixture("every_feature_round_trips.json")).Schema!;
        var compilation = SchemaCompiler.Compile(schema);
        Assert.True(compilation.Succeeded, string.Join("\n", compilation.Problems));

        var users = compilation.Schema!.ObjectMappings[0];
        Assert.Equal(["user_name", "employee_number"], users.MatchingAttributes.Select(m => m.TargetAttributeName));
        Assert.Equal(2, users.Scope.FilterCount);
        Assert.Equal(1, users.InputFilter.FilterCount);
        Assert.False(compilation.Schema.ObjectMappings[1].Enabled);
        Assert.Equal(ObjectFlowTypes.Add | ObjectFlowTypes.Update, compilation.Schema.ObjectMappings[1].FlowTypes);

        var title = users.AttributeMappings.Single(m => m.TargetAttributeName == "title");
        Assert.Equal(MappingFlowType.AttributeAddOnly, title.FlowType);
        Assert.Equal("IIF([country] = \"USA\", [jobTitle], [department])", title.Expression!.Text);
        Assert.Equal("Engineer", title.Expression.Evaluate(new AttributeBag { ["country"] = "USA", ["jobTitle"] = "Engineer" }).Value.Text);

        var company = users.AttributeMappings.Single(m => m.TargetAttributeName == "company");
        Assert.Null(company.Expression);
        Assert.Equal("Contoso", company.DefaultValue);
    }

    [Fact]
    public void unknown_properties_are_kept()
    {
        var schema = SynchronizationSchemaJson.Read(Fixture("every_feature_round_trips.json")).Schema!;
        Assert.True(schema.AdditionalProperties!.ContainsKey("@odata.context"));
        Assert.True(schema.SynchronizationRules![0].AdditionalProperties!.ContainsKey("containerFilter"));
        Assert.True(schema.Directories![0].AdditionalProperties!.ContainsKey("discoverabilities"));
    }

    [Fact]
    public void a_document_that_is_not_a_schema_is_a_problem_with_its_path()
    {
        var read = SynchronizationSchemaJson.Read("""{ "synchronizationRules": [ { "priority": "first" } ] }""");
        Assert.False(read.Succeeded);
        var problem = Assert.Single(read.Problems);
        Assert.Equal(ErrorCodes.InvalidJson, problem.Code);
        Assert.Equal("$.synchronizationRules[0].priority", problem.Path);
    }

    [Fact]
    public void broken_json_is_a_problem_with_its_line()
    {
        var problem = Assert.Single(SynchronizationSchemaJson.Read("{\n  \"id\": \"x\",\n  oops\n}").Problems);
        Assert.Contains("line 3", problem.Message);
    }
}
