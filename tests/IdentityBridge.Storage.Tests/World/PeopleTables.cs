using IdentityBridge.Storage.Schema;

namespace IdentityBridge.Storage.Tests.World;

/// <summary>
/// The small world the store tests build: departments, and people who have a department and a manager (a
/// reference to another person). Between them they hold every column type the store knows.
/// </summary>
internal static class PeopleTables
{
    public const string DeptTable = "dept";
    public const string PersonTable = "person";

    public static TableDefinition Dept { get; } = new(DeptTable, "Department", "name",
    [
        ColumnDefinition.String("name", "Name", 100),
        ColumnDefinition.String("code", "Code", 10),
    ], [IndexDefinition.UniqueOn("name")]);

    public static TableDefinition Person { get; } = new(PersonTable, "Person", "name",
    [
        ColumnDefinition.String("user_name", "User ID", 40),
        ColumnDefinition.String("first_name", "First name", 50),
        ColumnDefinition.String("last_name", "Last name", 50),
        // Like sys_user.name: the display value, always first name and last name.
        new ColumnDefinition
        {
            Name = "name",
            Type = ColumnType.String,
            Label = "Name",
            MaxLength = 101,
            Calculation = values => string.Join(" ",
                new[] { values.GetValueOrDefault("first_name"), values.GetValueOrDefault("last_name") }
                    .Where(part => !string.IsNullOrEmpty(part))),
        },
        ColumnDefinition.String("nickname", "Nickname", 40),
        ColumnDefinition.String("title", "Title", 100),
        ColumnDefinition.Boolean("active", "Active", defaultValue: true),
        ColumnDefinition.Integer("logins", "Logins"),
        ColumnDefinition.DateTime("last_login", "Last login"),
        ColumnDefinition.Reference("manager", PersonTable, "Manager"),
        ColumnDefinition.Reference("department", DeptTable, "Department"),
        ColumnDefinition.Choice("state", ["new", "active", "retired"], "State"),
        ColumnDefinition.Password("password", "Password"),
    ], [IndexDefinition.UniqueOn("user_name"), IndexDefinition.On("manager")]);

    public static IReadOnlyList<TableDefinition> All { get; } = [Dept, Person];
}
