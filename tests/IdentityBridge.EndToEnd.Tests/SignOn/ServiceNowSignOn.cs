using System.Text.RegularExpressions;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.Tenant.Saml;
using Microsoft.Playwright;

namespace IdentityBridge.EndToEnd.Tests.SignOn;

/// <summary>
/// A ServiceNow instance set up for sign-in from the tenant as Microsoft's ServiceNow tutorial has the two admins do
/// it, for one test: on the tenant an enterprise app with the instance URL as Identifier, navpage.do as Reply URL and
/// Logout URL, SAML mode, a signing certificate and user assignment required; on the instance an identity provider
/// record imported from the app's federation metadata, matching users on email.
/// </summary>
public sealed record ServiceNowSignOn(Stack Stack, StackInstance Instance, EnterpriseApp App, string RecordId)
{
    /// <summary>Starts the instance, creates the app and imports its metadata into the instance.</summary>
    public static async Task<ServiceNowSignOn> SetUpAsync(Stack stack)
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance, new SamlApplicationUpdate
        {
            LogoutUrl = instance.NavpageUrl,
            AssignmentRequired = true,
        });
        await stack.TrustTenantHttpsAsync(instance);
        var record = await stack.ImportInstanceIdentityProviderAsync(app);
        return new ServiceNowSignOn(stack, instance, app, record);
    }

    /// <summary>
    /// A tenant user with a password and their user on the instance (email = their mail), assigned to the app
    /// unless <paramref name="assigned"/> is false.
    /// </summary>
    public async Task<(TenantUser TenantUser, InstanceUser InstanceUser)> UserAsync(string givenName, string surname, bool assigned = true)
    {
        var user = await Stack.CreateTenantUserAsync(givenName, surname);
        if (assigned) await Stack.AssignAsync(App, user);
        return (user, await Instance.CreateUserAsync(user));
    }

    /// <summary>The instance's sessions of a user, read as its security admin reads sys_user_session.</summary>
    public async Task<IReadOnlyList<JsonElement>> InstanceSessionsAsync(InstanceUser user) =>
        (await Instance.TableAsync(HttpMethod.Get, $"sys_user_session?sysparm_query=user={user.SysId}", null, HttpStatusCode.OK))
        .EnumerateArray().ToList();

    /// <summary>The tenant's sign-in page, wherever it continues to.</summary>
    public Regex TenantSignInUrl => new("^" + Regex.Escape($"{Stack.TenantUrl}/{Stack.TenantId}/login") + @"(\?|$)");

    /// <summary>What a user does on the tenant's sign-in form: type their user name and password, press Sign in.</summary>
    public static async Task SignInAsync(IPage page, TenantUser user)
    {
        await page.GetByLabel("Email address or username").FillAsync(user.UserPrincipalName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>The app's tile on My Apps, found by its accessible name as a screen reader user finds it.</summary>
    public ILocator Tile(IPage page) => page.GetByRole(AriaRole.Link, new() { Name = App.DisplayName, Exact = true });
}
