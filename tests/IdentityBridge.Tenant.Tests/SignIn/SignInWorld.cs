using IdentityBridge.Storage.Queries;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Tenant.Tests.Hosting;
using IdentityBridge.Tenant.Tests.Saml;
using IdentityBridge.Testing.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>A user the tests created through Graph, with the password they gave it.</summary>
public sealed record TestUser(string Id, string UserPrincipalName, string Password)
{
    public string SysId => GraphIds.ToSysId(Guid.Parse(Id));
}

/// <summary>The small builders of the sign-in tests: users, apps and assignments made over Graph, and a browser.</summary>
public static class SignInWorld
{
    public static TenantBrowser NewBrowser(this HttpsTenant tenant) =>
        new(tenant.BaseUrl, tenant.App.Services.GetRequiredService<TenantOptions>().Certificate!);

    public static string LoginPath(this HttpsTenant tenant) => $"/{tenant.App.TenantId}/login";

    /// <summary>Creates an enabled user with a password of its own through Graph.</summary>
    public static async Task<TestUser> CreateUserAsync(this HttpsTenant tenant, string name, object? more = null)
    {
        var upn = $"{name}@{RunningTenant.Domain}";
        var password = "Pw-" + Guid.NewGuid().ToString("n")[..12];
        var values = new Dictionary<string, object?>
        {
            ["accountEnabled"] = true,
            ["displayName"] = name,
            ["mailNickname"] = name.Replace(".", "").Replace("-", ""),
            ["userPrincipalName"] = upn,
            ["passwordProfile"] = new { password },
        };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject())
                values[property.Name] = property.Value;
        var created = (await tenant.Admin.PostAsync("/v1.0/users", values)).ShouldBe(HttpStatusCode.Created).Body;
        return new TestUser(created.Id(), upn, password);
    }

    /// <summary>Opens the sign-in form and posts it, as a person would.</summary>
    public static Task<BrowserPage> SignInAsync(this TenantBrowser browser, HttpsTenant tenant, string login, string password,
        string? continuePath = null) =>
        browser.SignInAsync(tenant.App.TenantId, login, password, continuePath);

    public static async Task<BrowserPage> SignInAsync(this TenantBrowser browser, string tenantId, string login, string password,
        string? continuePath = null)
    {
        var loginPath = $"/{tenantId}/login";
        var path = loginPath + (continuePath is null ? "" : "?continue=" + Uri.EscapeDataString(continuePath));
        var form = (await browser.GetAsync(path)).ShouldBe(HttpStatusCode.OK);
        return await browser.PostFormAsync(loginPath, new Dictionary<string, string>
        {
            ["canary"] = form.HiddenField("canary")!,
            ["continue"] = form.HiddenField("continue")!,
            ["login"] = login,
            ["passwd"] = password,
        });
    }

    public static async Task AssignAsync(this HttpsTenant tenant, string servicePrincipalId, string principalId) =>
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{servicePrincipalId}/appRoleAssignedTo",
            new { principalId, resourceId = servicePrincipalId, appRoleId = "00000000-0000-0000-0000-000000000000" }))
        .ShouldBe(HttpStatusCode.Created);

    public static async Task<string> CreateGroupAsync(this HttpsTenant tenant, string name) =>
        (await tenant.Admin.PostAsync("/v1.0/groups", new
        {
            displayName = name,
            mailEnabled = false,
            mailNickname = name.Replace(".", "").Replace("-", ""),
            securityEnabled = true,
        })).ShouldBe(HttpStatusCode.Created).Body.Id();

    public static async Task AddMemberAsync(this HttpsTenant tenant, string groupId, string memberId) =>
        (await tenant.Admin.PostAsync($"/v1.0/groups/{groupId}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{memberId}" }))
        .ShouldBe(HttpStatusCode.NoContent);

    /// <summary>The sign-in log rows of one user name (in no particular order: the pinned clock gives them one time).</summary>
    public static async Task<IReadOnlyList<RecordRow>> SignInLogAsync(this HttpsTenant tenant, string userPrincipalName) =>
        (await tenant.App.Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.SignInLog,
            Query = EncodedQuery.Where("user_principal_name", userPrincipalName),
            Limit = 1000,
        })).Rows;

    public static T Service<T>(this HttpsTenant tenant) where T : notnull => tenant.App.Services.GetRequiredService<T>();

    /// <summary>The AADSTS code the page shows, or null.</summary>
    public static string? ErrorCode(this BrowserPage page) =>
        System.Text.RegularExpressions.Regex.Match(page.Body, "AADSTS[0-9]+") is { Success: true } match ? match.Value : null;
}
