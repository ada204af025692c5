using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>
/// What <c>idbridge tenant app|role|user ...</c> do, through the service the commands are a thin layer over, on a
/// running tenant's store: the results are checked where a user meets them (Graph, metadata, sign-in).
/// </summary>
public sealed class EnterpriseAppsTests(PermissionTenant tenant) : IClassFixture<PermissionTenant>
{
    private EnterpriseApps Apps
    {
        get
        {
            var services = tenant.App.Services;
            return new EnterpriseApps(tenant.App.Directory, services.GetRequiredService<SamlApplications>(),
                services.GetRequiredService<TokenSigningCertificates>(), services.GetRequiredService<DirectoryRoles>(), tenant.Clock);
        }
    }

    private GraphClient Reader => tenant.With("Application.Read.All");

    private async Task<SamlApplication> NewAppAsync(string name)
    {
        var created = await Apps.CreateAsync(name, null, "test", default);
        Assert.True(created.Succeeded, created.Problem);
        return created.Value!;
    }

    private static string ObjectId(SamlApplication app) => IdentityBridge.Tenant.Directory.GraphIds.FromSysId(app.ServicePrincipalSysId);

    [Fact]
    public async Task choosing_saml_sets_up_the_app_as_graph_and_its_metadata_show_it()
    {
        var scope = tenant.NewScope();
        var app = await NewAppAsync(scope + "ServiceNow");
        Assert.Equal(app.AppId, (await Apps.FindAsync(scope + "ServiceNow", default)).Value!.AppId);
        Assert.Equal(app.AppId, (await Apps.FindAsync(ObjectId(app), default)).Value!.AppId);
        var identifier = $"https://{scope}contoso.service-now.com";

        var changed = await Apps.ChangeSingleSignOnAsync(app, new SingleSignOnChange
        {
            Mode = "saml",
            Identifiers = [identifier],
            ReplyUrls = [identifier + "/navpage.do", identifier + "/consumer.do"],
            DefaultReplyUrl = identifier + "/consumer.do",
            SignOnUrl = identifier + "/login_with_sso.do",
            RelayState = "/now/nav/ui",
            LogoutUrl = identifier + "/logout.do",
            NameIdSource = "user.mail",
            NameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            SetClaims = [new SamlClaim("employee", "user.employeeid")],
            RemoveClaims = ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
            GroupClaims = "all",
            RoleClaims = false,
            SigningOption = "responseAndAssertion",
            SigningAlgorithm = "sha256",
            AssignmentRequired = true,
            NotificationEmailAddresses = ["admin@contoso.com"],
        }, "test", default);
        Assert.True(changed.Succeeded, changed.Problem);

        var read = (await Reader.GetAsync($"/v1.0/servicePrincipals/{ObjectId(app)}")).ShouldBe(HttpStatusCode.OK).Body;
        Assert.Equal("saml", read.Text("preferredSingleSignOnMode"));
        Assert.Equal(identifier + "/login_with_sso.do", read.Text("loginUrl"));
        Assert.True(read.GetProperty("appRoleAssignmentRequired").GetBoolean());
        var settings = read.GetProperty("samlSingleSignOnSettings");
        Assert.Equal(identifier + "/consumer.do", settings.Text("defaultRedirectUri"));
        Assert.Equal("/now/nav/ui", settings.Text("relayState"));
        Assert.Equal("all", settings.Text("groupClaims"));
        Assert.Equal("responseAndAssertion", settings.Text("signingOption"));
        var claims = settings.GetProperty("claims").EnumerateArray().Select(c => c.Text("name")).ToList();
        Assert.Contains("employee", claims);
        Assert.DoesNotContain("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", claims);
        // SAML needs a signing certificate; choosing it made the first one, active.
        Assert.False(string.IsNullOrEmpty(read.Text("preferredTokenSigningKeyThumbprint")));

        var endpoints = EnterpriseApps.EndpointsOf(changed.Value!, "https://127.0.0.1:5100/", tenant.App.TenantId);
        Assert.Equal($"https://127.0.0.1:5100/{tenant.App.TenantId}/saml2", endpoints.LoginUrl);
        Assert.Equal($"https://sts.windows.net/{tenant.App.TenantId}/", endpoints.Issuer);
        var metadata = await Reader.GetAsync(new Uri(endpoints.MetadataUrl).PathAndQuery);
        metadata.ShouldBe(HttpStatusCode.OK);
        Assert.Contains(endpoints.Issuer, metadata.Text);

        // A later change names only what changes.
        var again = await Apps.ChangeSingleSignOnAsync(changed.Value!, new SingleSignOnChange { RelayState = "", SignOnUrl = "" }, "test", default);
        Assert.True(again.Succeeded, again.Problem);
        Assert.Null(again.Value!.Settings.RelayState);
        Assert.Null(again.Value.SignOnUrl);
        Assert.Equal(identifier + "/consumer.do", again.Value.DefaultReplyUrl!.Uri);
        Assert.Equal(GroupClaimKind.All, again.Value.Settings.GroupClaims);
        Assert.Single(await Apps.CertificatesOfAsync(app, default));
    }

    [Theory]
    [InlineData("reply", "--reply-url")]
    [InlineData("default", "--default-reply-url")]
    [InlineData("groups", "--group-claims")]
    [InlineData("signing", "--signing-option")]
    [InlineData("remove", "--remove-claim")]
    [InlineData("claim", "--claim")]
    [InlineData("mode", "--mode")]
    public async Task a_refused_change_names_the_option_to_fix_and_changes_nothing(string what, string option)
    {
        var app = await NewAppAsync(tenant.NewScope() + "ServiceNow");
        var before = (await Reader.GetAsync($"/v1.0/servicePrincipals/{ObjectId(app)}")).ShouldBe(HttpStatusCode.OK).Text;
        var change = what switch
        {
            "reply" => new SingleSignOnChange { ReplyUrls = ["http://contoso.com/acs"] },
            "default" => new SingleSignOnChange { DefaultReplyUrl = "https://elsewhere.com/acs" },
            "groups" => new SingleSignOnChange { GroupClaims = "some" },
            "signing" => new SingleSignOnChange { SigningOption = "never" },
            "remove" => new SingleSignOnChange { RemoveClaims = ["no-such-claim"] },
            "claim" => new SingleSignOnChange { SetClaims = [new SamlClaim("shoe", "user.shoesize")] },
            _ => new SingleSignOnChange { Mode = "kerberos" },
        };

        var result = await Apps.ChangeSingleSignOnAsync(app, change, "test", default);

        Assert.False(result.Succeeded);
        Assert.StartsWith(option + ":", result.Problem);
        Assert.Equal(before, (await Reader.GetAsync($"/v1.0/servicePrincipals/{ObjectId(app)}")).ShouldBe(HttpStatusCode.OK).Text);
        Assert.Empty(await Apps.CertificatesOfAsync(app, default));
    }

    [Fact]
    public async Task apps_are_found_only_by_a_reference_that_names_one()
    {
        var scope = tenant.NewScope();
        var appId = Guid.NewGuid().ToString("D");
        Assert.True((await Apps.CreateAsync(scope + "twin", appId, "test", default)).Succeeded);
        await NewAppAsync(scope + "twin");

        Assert.Contains("more than one", (await Apps.FindAsync(scope + "twin", default)).Problem, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(appId, (await Apps.FindAsync(appId, default)).Value!.AppId);
        Assert.Contains("tenant app new", (await Apps.FindAsync(Guid.NewGuid().ToString(), default)).Problem);
        Assert.Contains("already exists", (await Apps.CreateAsync(scope + "copy", appId, "test", default)).Problem);
        Assert.Contains("--app-id", (await Apps.CreateAsync(scope + "bad", "not-a-guid", "test", default)).Problem);
        Assert.Contains("--name", (await Apps.CreateAsync(" ", null, "test", default)).Problem);
    }

    [Fact]
    public async Task assigned_users_and_groups_may_sign_in_until_unassigned()
    {
        var scope = tenant.NewScope();
        var app = (await Apps.ChangeSingleSignOnAsync(await NewAppAsync(scope + "ServiceNow"),
            new SingleSignOnChange { AssignmentRequired = true }, "test", default)).Value!;
        var user = await tenant.CreateUserAsync(scope + "alex");
        var member = await tenant.CreateUserAsync(scope + "sam");
        var upn = user.Text("userPrincipalName")!;
        var group = (await tenant.With("Group.ReadWrite.All").PostAsync("/v1.0/groups",
            new { displayName = scope + "sso-users", mailEnabled = false, mailNickname = scope + "sso", securityEnabled = true })).ShouldBe(HttpStatusCode.Created).Body;
        (await tenant.With("Group.ReadWrite.All").PostAsync($"/v1.0/groups/{group.Id()}/members/$ref",
            new Dictionary<string, string> { ["@odata.id"] = $"https://graph.microsoft.com/v1.0/directoryObjects/{member.Id()}" })).ShouldBe(HttpStatusCode.NoContent);
        var saml = tenant.App.Services.GetRequiredService<SamlApplications>();
        string SysId(JsonElement o) => o.Id().Replace("-", "", StringComparison.Ordinal);

        Assert.True((await Apps.AssignAsync(app, upn, null, null, "test", default)).Succeeded);
        Assert.True((await Apps.AssignAsync(app, null, scope + "sso-users", null, "test", default)).Succeeded);
        Assert.True(await saml.IsAssignedAsync(app, SysId(user), default));
        Assert.True(await saml.IsAssignedAsync(app, SysId(member), default));
        Assert.Contains("already assigned", (await Apps.AssignAsync(app, upn, null, null, "test", default)).Problem);
        Assert.Contains("app role", (await Apps.AssignAsync(app, upn, null, Guid.NewGuid().ToString(), "test", default)).Problem);
        Assert.Contains("either --user", (await Apps.AssignAsync(app, upn, scope + "sso-users", null, "test", default)).Problem);
        Assert.Contains("No user", (await Apps.AssignAsync(app, "nobody@contoso.onmicrosoft.com", null, null, "test", default)).Problem);

        Assert.Equal(1, (await Apps.UnassignAsync(app, upn, null, null, default)).Value);
        Assert.False(await saml.IsAssignedAsync(app, SysId(user), default));
        Assert.Contains("not assigned", (await Apps.UnassignAsync(app, upn, null, null, default)).Problem);
        Assert.Single(await Apps.AssignmentsOfAsync(app, default));
    }

    [Fact]
    public async Task certificates_are_added_inactive_and_activated_by_thumbprint()
    {
        var app = await NewAppAsync(tenant.NewScope() + "ServiceNow");
        var first = (await Apps.AddCertificateAsync(app, 3, "test", default)).Value!;
        var second = (await Apps.AddCertificateAsync(app, 1, "test", default)).Value!;
        Assert.True(first.Active);
        Assert.False(second.Active);
        Assert.Equal(tenant.Clock.GetUtcNow().AddYears(1).Date, second.EndDateTime.UtcDateTime.Date);

        Assert.True((await Apps.ActivateCertificateAsync(app, second.Thumbprint.ToLowerInvariant(), "test", default)).Succeeded);
        Assert.Equal(second.Thumbprint, (await Apps.CertificatesOfAsync(app, default))[0].Thumbprint);
        Assert.Contains("cert list", (await Apps.ActivateCertificateAsync(app, "00FF", "test", default)).Problem);
        Assert.Contains("--years", (await Apps.AddCertificateAsync(app, 4, "test", default)).Problem);
    }

    [Fact]
    public async Task a_password_set_by_the_admin_signs_the_user_in_and_is_stored_hashed()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "casey");
        var upn = user.Text("userPrincipalName")!;

        Assert.True((await Apps.SetPasswordAsync(upn, "Correct-Horse-7", "test", default)).Succeeded);

        Assert.NotNull(await tenant.App.Directory.VerifyPasswordAsync(upn, "Correct-Horse-7"));
        Assert.Null(await tenant.App.Directory.VerifyPasswordAsync(upn, "wrong-password"));
        var stored = await tenant.App.Store.GetPasswordHashAsync(IdentityBridge.Tenant.Directory.DirectoryTables.User,
            user.Id().Replace("-", "", StringComparison.Ordinal), "password");
        Assert.DoesNotContain("Correct-Horse-7", stored ?? "");
        Assert.Contains("8 to 256", (await Apps.SetPasswordAsync(upn, "short", "test", default)).Problem);
        Assert.Contains("No user", (await Apps.SetPasswordAsync("nobody@contoso.onmicrosoft.com", "Long-enough-1", "test", default)).Problem);
    }

    [Fact]
    public async Task a_directory_role_is_given_by_its_portal_name()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "dana");
        var roles = tenant.App.Services.GetRequiredService<DirectoryRoles>();

        var given = await Apps.AssignDirectoryRoleAsync(user.Text("userPrincipalName")!, "application administrator", "test", default);

        Assert.Equal("Application Administrator", given.Value!.DisplayName);
        Assert.True(await roles.ManagesApplicationsAsync(user.Id().Replace("-", "", StringComparison.Ordinal), default));
        Assert.True((await Apps.AssignDirectoryRoleAsync(user.Text("userPrincipalName")!, "Application Administrator", "test", default)).Succeeded);
        Assert.Contains("Global Administrator", (await Apps.AssignDirectoryRoleAsync(user.Text("userPrincipalName")!, "Boss", "test", default)).Problem);
    }
}
