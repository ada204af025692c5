namespace IdentityBridge.Instance.Tests.Hosting;

/// <summary>
/// Four users and two departments under one scope prefix, made through the Table API as admin. Abel heads Sales;
/// Beth reports to Abel; Charlie (first and last name alike, a caret in the title, inactive) reports to Beth and
/// works in Engineering; Dana has no department, manager, title or employee number.
/// </summary>
public sealed record Cast(string Scope, string Sales, string Engineering, string Abel, string Beth, string Charlie, string Dana)
{
    public string SalesName => Scope + "Sales";
    public string EngineeringName => Scope + "Engineering";
    public string UserName(string who) => Scope + who;

    public static async Task<Cast> CreateAsync(RunningInstance instance)
    {
        var scope = instance.NewScope();
        var sales = (await instance.CreateAsync("cmn_department", new { name = scope + "Sales" })).SysId();
        var engineering = (await instance.CreateAsync("cmn_department", new { name = scope + "Engineering" })).SysId();
        var abel = (await instance.CreateAsync("sys_user", new
        {
            user_name = scope + "abel",
            first_name = "Abel",
            last_name = "Tuter",
            title = "Head of Sales",
            email = "abel@example.org",
            employee_number = "300",
            failed_attempts = "12",
            department = sales,
            city = "Paris",
        })).SysId();
        var beth = (await instance.CreateAsync("sys_user", new
        {
            user_name = scope + "beth",
            first_name = "Beth",
            last_name = "Anglin",
            title = "Account Manager",
            email = "beth@example.org",
            employee_number = "200",
            failed_attempts = "3",
            department = sales,
            manager = abel,
            city = "Lyon",
        })).SysId();
        var charlie = (await instance.CreateAsync("sys_user", new
        {
            user_name = scope + "charlie",
            first_name = "Charlie",
            last_name = "Charlie",
            title = "R^D Engineer",
            employee_number = "100",
            failed_attempts = "2",
            active = "false",
            department = engineering,
            manager = beth,
            city = "Lyon",
        })).SysId();
        var dana = (await instance.CreateAsync("sys_user", new { user_name = scope + "dana", first_name = "Dana", last_name = "Ross" }))
            .SysId();
        return new Cast(scope, sales, engineering, abel, beth, charlie, dana);
    }
}
