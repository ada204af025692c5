using IdentityBridge.Expressions.Evaluation;
using static IdentityBridge.Expressions.Tests.Support.Expressions;

namespace IdentityBridge.Expressions.Tests.Functions;

/// <summary>The app role functions (spec §3.3).</summary>
public class AppRoleFunctionTests
{
    private static ExpressionValue Assignment(string displayName, string value) =>
        ExpressionValue.FromComplex([new("displayName", displayName), new("value", value)]);

    private static readonly AttributeBag User = new()
    {
        ["appRoleAssignments"] = ExpressionValue.FromValues([Assignment("Admin", "WriteAccess"), Assignment("Reader", "ReadAccess")]),
    };

    [Fact]
    public void app_role_assignments_complex_gives_every_role_as_a_complex_value()
    {
        var result = Evaluate("AppRoleAssignmentsComplex([appRoleAssignments])", User);
        Assert.False(result.ReplacesValues);
        Assert.Equal(
            """[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Admin","value":"WriteAccess"},""" +
            """{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"Reader","value":"ReadAccess"}]""",
            result.Value.ToJson());
    }

    [Fact]
    public void assertive_app_role_assignments_complex_replaces_the_targets_roles()
    {
        var result = Evaluate("AssertiveAppRoleAssignmentsComplex([appRoleAssignments])", User);
        Assert.True(result.ReplacesValues);
        Assert.Equal(2, result.Value.Values.Count);
    }

    [Fact]
    public void single_app_role_assignment_gives_the_first_roles_value()
    {
        Assert.Equal("WriteAccess", Text("SingleAppRoleAssignment([appRoleAssignments])", User));
        Assert.Null(Text("SingleAppRoleAssignment([appRoleAssignments])"));
    }

    [Fact]
    public void a_role_given_as_a_plain_string_is_its_own_name_and_value() =>
        Assert.Equal("Admin", Text("SingleAppRoleAssignment([appRoleAssignments])", new() { ["appRoleAssignments"] = ExpressionValue.FromStrings("Admin") }));
}
