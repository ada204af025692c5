using IdentityBridge.Expressions.Evaluation;

namespace IdentityBridge.Expressions.Functions;

/// <summary>
/// The app role functions (spec §3.3). <c>[appRoleAssignments]</c> holds the user's assignments to this app as
/// complex values with at least <c>displayName</c> and <c>value</c> (the app role's display name and the value it
/// sends); a bare string is taken as both.
/// </summary>
internal static class AppRoleFunctions
{
    public static IEnumerable<FunctionImplementation> All =>
    [
        new("AppRoleAssignmentsComplex", AppRoleAssignmentsComplex),
        new("AssertiveAppRoleAssignmentsComplex", AssertiveAppRoleAssignmentsComplex),
        new("SingleAppRoleAssignment", SingleAppRoleAssignment),
    ];

    /// <summary>The role type Entra writes into SCIM <c>roles</c> values.</summary>
    internal const string RoleType = "WindowsAzureActiveDirectoryRole";

    /// <summary>Every role as <c>{primary: false, type, display, value}</c>; the engine adds them to the target's roles.</summary>
    private static ExpressionValue AppRoleAssignmentsComplex(FunctionNode call, ref EvaluationFrame frame)
    {
        var assignments = call.Argument(0, ref frame);
        if (assignments.IsError || assignments.IsNull) return assignments;
        var roles = new List<ExpressionValue>();
        foreach (var assignment in Items(assignments))
        {
            var (display, value) = Role(assignment);
            if (value is null && display is null) continue;
            roles.Add(ExpressionValue.FromComplex(
            [
                new("primary", ExpressionValue.False),
                new("type", ExpressionValue.FromString(RoleType)),
                new("display", ExpressionValue.FromString(display ?? value)),
                new("value", ExpressionValue.FromString(value ?? display)),
            ]));
        }
        return ExpressionValue.FromValues(roles);
    }

    /// <summary>The same roles, but the target's roles are replaced by them, so roles removed in Entra go (spec §3.3).</summary>
    private static ExpressionValue AssertiveAppRoleAssignmentsComplex(FunctionNode call, ref EvaluationFrame frame)
    {
        frame.ReplaceValues = true;
        return AppRoleAssignmentsComplex(call, ref frame);
    }

    /// <summary>
    /// One role's value. Microsoft leaves undefined which role is returned when there are several; this returns the
    /// first in the order the source lists them, so the result is at least stable.
    /// </summary>
    private static ExpressionValue SingleAppRoleAssignment(FunctionNode call, ref EvaluationFrame frame)
    {
        var assignments = call.Argument(0, ref frame);
        if (assignments.IsError || assignments.IsNull) return assignments;
        foreach (var assignment in Items(assignments))
        {
            var (display, value) = Role(assignment);
            if ((value ?? display) is { } role) return ExpressionValue.FromString(role);
        }
        return ExpressionValue.Null;
    }

    private static IEnumerable<ExpressionValue> Items(ExpressionValue value) =>
        value.Kind == ValueKind.MultiValued ? value.Values : [value];

    private static (string? Display, string? Value) Role(ExpressionValue assignment) =>
        assignment.Kind == ValueKind.Complex
            ? (assignment.Part("displayName").Text, assignment.Part("value").Text)
            : (assignment.Text, assignment.Text);
}
