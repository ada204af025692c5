using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>Directory roles through Graph's <c>/roleManagement/directory</c>, with Graph's permissions.</summary>
public sealed class RoleAssignmentTests(PermissionTenant tenant) : IClassFixture<PermissionTenant>
{
    private const string ApplicationAdministrator = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
    private const string Assignments = "/v1.0/roleManagement/directory/roleAssignments";

    private GraphClient Writer => tenant.With("RoleManagement.ReadWrite.Directory");
    private GraphClient Reader => tenant.With("RoleManagement.Read.Directory");

    [Fact]
    public async Task a_role_given_through_graph_lets_the_user_manage_apps_until_it_is_removed()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "admin");
        var roles = tenant.App.Services.GetRequiredService<DirectoryRoles>();
        var userSysId = user.Id().Replace("-", "", StringComparison.Ordinal);
        Assert.False(await roles.ManagesApplicationsAsync(userSysId, default));

        var created = (await Writer.PostAsync(Assignments,
            new { principalId = user.Id(), roleDefinitionId = ApplicationAdministrator, directoryScopeId = "/" })).ShouldBe(HttpStatusCode.Created).Body;
        Assert.Equal(user.Id(), created.Text("principalId"));
        Assert.Equal(ApplicationAdministrator, created.Text("roleDefinitionId"));
        Assert.Equal("/", created.Text("directoryScopeId"));
        Assert.True(await roles.ManagesApplicationsAsync(userSysId, default));

        var listed = Assert.Single((await Reader.GetAsync($"{Assignments}?$filter={Uri.EscapeDataString($"principalId eq '{user.Id()}'")}"))
            .ShouldBe(HttpStatusCode.OK).Value);
        Assert.Equal(created.Id(), listed.Id());
        Assert.Equal(created.Id(), (await Reader.GetAsync($"{Assignments}/{created.Id()}")).ShouldBe(HttpStatusCode.OK).Body.Id());
        (await Writer.PostAsync(Assignments, new { principalId = user.Id(), roleDefinitionId = ApplicationAdministrator }))
            .ShouldBeError(HttpStatusCode.Conflict, "Request_BadRequest");

        (await Writer.DeleteAsync($"{Assignments}/{created.Id()}")).ShouldBe(HttpStatusCode.NoContent);
        Assert.False(await roles.ManagesApplicationsAsync(userSysId, default));
        (await Reader.GetAsync($"{Assignments}/{created.Id()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await Writer.DeleteAsync($"{Assignments}/{created.Id()}")).ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [Fact]
    public async Task reading_roles_does_not_allow_giving_them()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "hopeful");
        var body = new { principalId = user.Id(), roleDefinitionId = ApplicationAdministrator, directoryScopeId = "/" };

        (await Reader.PostAsync(Assignments, body)).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        // Graph keeps role changes to RoleManagement.ReadWrite.Directory, even for an app that may write the directory.
        (await tenant.With("Directory.ReadWrite.All").PostAsync(Assignments, body)).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        (await tenant.With("User.Read.All").GetAsync(Assignments)).ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        (await tenant.With("Directory.Read.All").GetAsync(Assignments)).ShouldBe(HttpStatusCode.OK);
        Assert.Empty((await Reader.GetAsync($"{Assignments}?$filter={Uri.EscapeDataString($"principalId eq '{user.Id()}'")}")).ShouldBe(HttpStatusCode.OK).Value);
    }

    [Fact]
    public async Task bad_assignments_are_refused_with_graphs_error()
    {
        var user = await tenant.CreateUserAsync(tenant.NewScope() + "target");

        Assert.Contains("roleDefinitions", (await Writer.PostAsync(Assignments, new { principalId = user.Id(), roleDefinitionId = Guid.NewGuid() }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        Assert.Contains("directoryScopeId", (await Writer.PostAsync(Assignments,
                new { principalId = user.Id(), roleDefinitionId = ApplicationAdministrator, directoryScopeId = "/administrativeUnits/x" }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        Assert.Contains("principalId", (await Writer.PostAsync(Assignments, new { principalId = 5, roleDefinitionId = ApplicationAdministrator }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest"));
        (await Writer.PostAsync(Assignments, new { principalId = Guid.NewGuid(), roleDefinitionId = ApplicationAdministrator }))
            .ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (await Writer.SendRawAsync(HttpMethod.Post, Assignments, "[1]")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        (await Reader.GetAsync($"{Assignments}?$filter={Uri.EscapeDataString("displayName eq 'x'")}")).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task role_definitions_list_the_built_in_roles()
    {
        var definitions = (await Reader.GetAsync("/v1.0/roleManagement/directory/roleDefinitions")).ShouldBe(HttpStatusCode.OK).Value;

        Assert.Equal(DirectoryRoles.BuiltIn.Select(r => r.DisplayName), definitions.Select(d => d.Text("displayName")));
        var administrator = Assert.Single(definitions, d => d.Id() == ApplicationAdministrator);
        Assert.Equal("Application Administrator", administrator.Text("displayName"));
        Assert.True(administrator.GetProperty("isBuiltIn").GetBoolean());
        Assert.Equal(ApplicationAdministrator, administrator.Text("templateId"));
        Assert.Equal("Application Administrator",
            (await Reader.GetAsync($"/v1.0/roleManagement/directory/roleDefinitions/{ApplicationAdministrator}")).ShouldBe(HttpStatusCode.OK).Body.Text("displayName"));
    }
}
