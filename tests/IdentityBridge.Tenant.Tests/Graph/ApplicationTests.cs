using IdentityBridge.Tenant.Tests.Hosting;

namespace IdentityBridge.Tenant.Tests.Graph;

public abstract class ApplicationTests(RunningTenant tenant)
{
    [BackendFact]
    public async Task users_and_groups_are_assigned_to_a_service_principal()
    {
        var scope = tenant.NewScope();
        var roleId = Guid.NewGuid().ToString("D");
        var sp = (await tenant.Admin.PostAsync("/v1.0/servicePrincipals", new
        {
            appId = Guid.NewGuid(),
            displayName = scope + "ServiceNow",
            appRoles = new[] { new { id = roleId, value = "User", displayName = "User", allowedMemberTypes = new[] { "User" }, isEnabled = true } },
        })).ShouldBe(HttpStatusCode.Created).Body;
        Assert.Equal(roleId, sp.GetProperty("appRoles")[0].Text("id"));
        var user = await tenant.CreateUserAsync(scope + "assigned");
        var group = await tenant.CreateGroupAsync(scope + "assigned-group");

        var assignment = (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo",
            new { principalId = user.Id(), resourceId = sp.Id(), appRoleId = roleId })).ShouldBe(HttpStatusCode.Created).Body;
        Assert.Equal("User", assignment.Text("principalType"));
        Assert.Equal(scope + "assigned", assignment.Text("principalDisplayName"));
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo",
            new { principalId = group.Id(), resourceId = sp.Id(), appRoleId = "00000000-0000-0000-0000-000000000000" })).ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo",
            new { principalId = user.Id(), resourceId = sp.Id(), appRoleId = Guid.NewGuid() })).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo",
            new { principalId = Guid.NewGuid(), resourceId = sp.Id(), appRoleId = roleId })).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");

        var admin = tenant.Admin;
        var (assigned, _) = await tenant.AllPagesAsync(admin, $"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo?$top=1");
        Assert.Equal(new[] { user.Id(), group.Id() }.Order(), assigned.Select(a => a.Text("principalId")!).Order());

        var listed = (await admin.GetAsync($"/v1.0/servicePrincipals?$filter={Uri.EscapeDataString($"displayName eq '{scope}ServiceNow'")}"))
            .ShouldBe(HttpStatusCode.OK);
        Assert.Equal(sp.Id(), Assert.Single(listed.Value).Id());
        (await tenant.Reader.GetAsync("/v1.0/servicePrincipals")).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");

        (await admin.DeleteAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo/{assignment.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        Assert.Single((await admin.GetAsync($"/v1.0/servicePrincipals/{sp.Id()}/appRoleAssignedTo")).ShouldBe(HttpStatusCode.OK).Value);
    }

    [BackendFact]
    public async Task organization_and_domains_describe_the_tenant()
    {
        var organization = Assert.Single((await tenant.Reader.GetAsync("/v1.0/organization")).ShouldBe(HttpStatusCode.OK).Value);
        Assert.Equal(tenant.App.TenantId, organization.Id());
        var domain = Assert.Single((await tenant.Reader.GetAsync("/v1.0/domains")).ShouldBe(HttpStatusCode.OK).Value);
        Assert.Equal(RunningTenant.Domain, domain.Id());
        Assert.True(domain.GetProperty("isDefault").GetBoolean());
    }
}

public sealed class ApplicationTestsOnSqlite(SqliteTenant tenant) : ApplicationTests(tenant), IClassFixture<SqliteTenant>;

public sealed class ApplicationTestsOnPostgres(PostgresTenant tenant) : ApplicationTests(tenant), IClassFixture<PostgresTenant>;
