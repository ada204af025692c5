using IdentityBridge.Expressions.Schema;

namespace IdentityBridge.Expressions.Tests.Schema;

/// <summary>Validation reports every problem of a schema at once, each with its path in the document.</summary>
public class SchemaValidationTests
{
    private const string Broken = """
        {
          "synchronizationRules": [ {
            "sourceDirectoryName": "Azure Active Directory",
            "targetDirectoryName": "ServiceNow",
            "objectMappings": [
              {
                "name": "users", "enabled": true, "flowTypes": "Add, Update, Purge",
                "sourceObjectName": "User", "targetObjectName": "sys_user",
                "scope": { "groups": [ { "name": "f", "clauses": [ { "operatorName": "LIKE", "sourceOperandName": "department", "targetOperand": { "values": [ "x" ] } } ] } ] },
                "attributeMappings": [
                  { "targetAttributeName": "user_name", "matchingPriority": 1, "source": { "expression": "[userPrincipalName]", "type": "Attribute", "name": "userPrincipalName" } },
                  { "targetAttributeName": "u_shoe_size", "source": { "expression": "[shoeSize]", "type": "Attribute", "name": "shoeSize" } },
                  { "targetAttributeName": "email", "source": { "expression": "[mail]", "type": "Attribute", "name": "mail" } },
                  { "targetAttributeName": "EMAIL", "source": { "expression": "[otherMails]", "type": "Attribute", "name": "otherMails" } },
                  { "targetAttributeName": "title", "flowType": "Sometimes", "source": { "expression": "Append([jobTitle], \"x\"", "type": "Function", "name": "Append" } },
                  { "targetAttributeName": "employee_number", "matchingPriority": 1, "source": { "expression": "[employeeId]", "type": "Attribute", "name": "employeeId" } },
                  { "targetAttributeName": "first_name", "source": { "expression": "SelectUniqueValue([givenName], [nickname])", "type": "Function", "name": "SelectUniqueValue" } }
                ]
              },
              {
                "name": "groups", "enabled": true,
                "sourceObjectName": "Group", "targetObjectName": "sys_user_group",
                "attributeMappings": [ { "targetAttributeName": "name", "source": { "expression": "[displayName]", "type": "Attribute", "name": "displayName" } } ]
              }
            ]
          } ],
          "directories": [ {
            "name": "ServiceNow",
            "objects": [ { "name": "sys_user", "attributes": [
              { "name": "user_name", "type": "String" }, { "name": "email", "type": "String" }, { "name": "title", "type": "Text" },
              { "name": "employee_number", "type": "String" }, { "name": "first_name", "type": "String" } ] } ]
          } ]
        }
        """;

    [Fact]
    public void every_problem_is_reported_at_once_with_its_path()
    {
        var problems = SchemaCompiler.Validate(SynchronizationSchemaJson.Read(Broken).Schema!);
        const string users = "$.synchronizationRules[0].objectMappings[0]";
        Assert.Equal(
        [
            ("$.directories[0].objects[0].attributes[2].type", ErrorCodes.InvalidEnumerationValue),
            ($"{users}.flowTypes", ErrorCodes.InvalidEnumerationValue),
            ($"{users}.scope.groups[0].clauses[0].operatorName", ErrorCodes.UnknownScopingOperator),
            ($"{users}.attributeMappings[1].targetAttributeName", ErrorCodes.UnknownTargetAttribute),
            ($"{users}.attributeMappings[3].targetAttributeName", ErrorCodes.DuplicateTargetAttribute),
            ($"{users}.attributeMappings[4].flowType", ErrorCodes.InvalidEnumerationValue),
            ($"{users}.attributeMappings[4].source.expression", ErrorCodes.ExpressionDoesNotParse),
            ($"{users}.attributeMappings[5].matchingPriority", ErrorCodes.DuplicateMatchingPriority),
            ($"{users}.attributeMappings[6].flowType", ErrorCodes.SelectUniqueValueMisused),
            ("$.synchronizationRules[0].objectMappings[1].attributeMappings", ErrorCodes.NoMatchingAttribute),
        ], problems.Select(p => (p.Path, p.Code)));
    }

    [Fact]
    public void a_problem_says_what_to_do()
    {
        var problems = SchemaCompiler.Validate(SynchronizationSchemaJson.Read(Broken).Schema!);
        Assert.Contains(problems, p => p.Message.Contains("sys_user has no attribute u_shoe_size") && p.Message.Contains("add it"));
        Assert.Contains(problems, p => p.Message.Contains("is already the target of attributeMappings[2]"));
        Assert.Contains(problems, p => p.Message.Contains("IDB3006 at character 23"));
    }

    [Fact]
    public void a_disabled_object_mapping_needs_no_matching_attribute()
    {
        var schema = SynchronizationSchemaJson.Read("""
            { "synchronizationRules": [ { "sourceDirectoryName": "A", "targetDirectoryName": "B", "objectMappings": [
              { "enabled": false, "sourceObjectName": "Group", "targetObjectName": "g", "attributeMappings": [] } ] } ] }
            """).Schema!;
        Assert.Empty(SchemaCompiler.Validate(schema));
    }

    [Fact]
    public void a_schema_without_rules_is_a_problem() =>
        Assert.Equal(ErrorCodes.MissingProperty, Assert.Single(SchemaCompiler.Validate(new SynchronizationSchema())).Code);

    [Fact]
    public void a_source_tree_with_an_unknown_parameter_or_type_is_a_problem()
    {
        var schema = SynchronizationSchemaJson.Read("""
            { "synchronizationRules": [ { "sourceDirectoryName": "A", "targetDirectoryName": "B", "objectMappings": [
              { "sourceObjectName": "User", "targetObjectName": "u", "attributeMappings": [
                { "targetAttributeName": "a", "matchingPriority": 1, "source": { "type": "Function", "name": "Left",
                  "parameters": [ { "key": "string", "value": { "type": "Attribute", "name": "x" } }, { "key": "count", "value": { "type": "Constant", "name": "2" } } ] } },
                { "targetAttributeName": "b", "source": { "type": "Variable", "name": "x" } }
              ] } ] } ] }
            """).Schema!;
        Assert.Equal(
        [
            ("$.synchronizationRules[0].objectMappings[0].attributeMappings[0].source.parameters[1].key", ErrorCodes.InvalidSourceTree),
            ("$.synchronizationRules[0].objectMappings[0].attributeMappings[1].source.type", ErrorCodes.InvalidEnumerationValue),
        ], SchemaCompiler.Validate(schema).Select(p => (p.Path, p.Code)));
    }
}
