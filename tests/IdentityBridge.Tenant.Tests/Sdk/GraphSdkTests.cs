using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Serialization.Json;

namespace IdentityBridge.Tenant.Tests.Sdk;

/// <summary>
/// The tenant as Microsoft's Graph .NET SDK meets it: every request and every answer goes through
/// <see cref="GraphServiceClient"/>, so what these tests assert is what an SDK user sees (typed models, the page
/// iterator, delta links, <see cref="ODataError"/>s).
/// </summary>
public abstract class GraphSdkTests(SdkTenant tenant)
{
    private Task<User> CreateUserAsync(string name, string? jobTitle = null) =>
        tenant.Admin.Users.PostAsync(new User
        {
            AccountEnabled = true,
            DisplayName = name,
            MailNickname = name.Replace("-", "", StringComparison.Ordinal),
            UserPrincipalName = SdkTenant.Upn(name),
            JobTitle = jobTitle,
            PasswordProfile = new PasswordProfile { Password = "Pw-" + Guid.NewGuid().ToString("n")[..12], ForceChangePasswordNextSignIn = false },
        })!;

    private Task<Group> CreateGroupAsync(string name) =>
        tenant.Admin.Groups.PostAsync(new Group
        {
            DisplayName = name,
            MailEnabled = false,
            MailNickname = name.Replace("-", "", StringComparison.Ordinal),
            SecurityEnabled = true,
        })!;

    private static ReferenceCreate Reference(string id) => new() { OdataId = $"https://graph.microsoft.com/v1.0/directoryObjects/{id}" };

    /// <summary>Graph's annotation as the SDK keeps it in AdditionalData (an untyped node), read back as JSON.</summary>
    private static async Task<JsonElement> AnnotationAsync(IDictionary<string, object> additionalData, string name)
    {
        Assert.True(additionalData.TryGetValue(name, out var value), $"no {name} in {string.Join(", ", additionalData.Keys)}");
        return value switch
        {
            UntypedNode node => JsonDocument.Parse(await KiotaJsonSerializer.SerializeAsStringAsync(node)).RootElement.Clone(),
            JsonElement element => element,
            _ => throw new InvalidOperationException($"{name} came as {value?.GetType().FullName ?? "null"}"),
        };
    }

    [BackendFact]
    public async Task page_iterator_lists_users_across_pages_with_select_filter_and_count()
    {
        var scope = tenant.NewScope();
        var expected = new List<string>();
        for (var i = 0; i < 7; i++) expected.Add((await CreateUserAsync($"{scope}A{i}", jobTitle: "Engineer")).Id!);
        await CreateUserAsync($"{scope}B0");
        var filter = $"startswith(displayName,'{scope}A')";

        var firstPage = await tenant.Reader.Users.GetAsync(r =>
        {
            r.QueryParameters.Top = 3;
            r.QueryParameters.Select = ["id", "displayName", "userPrincipalName"];
            r.QueryParameters.Filter = filter;
        });
        Assert.NotNull(firstPage?.OdataNextLink);
        Assert.Equal(3, firstPage!.Value!.Count);
        var seen = new List<User>();
        var pages = 1;
        var iterator = PageIterator<User, UserCollectionResponse>.CreatePageIterator(tenant.Reader, firstPage,
            user =>
            {
                seen.Add(user);
                return true;
            },
            request =>
            {
                pages++;
                return request;
            });
        await iterator.IterateAsync();

        Assert.Equal(PagingState.Complete, iterator.State);
        Assert.Equal(3, pages);
        Assert.Equal(expected.Order(), seen.Select(u => u.Id!).Order());
        Assert.All(seen, u =>
        {
            Assert.StartsWith(scope + "A", u.DisplayName);
            Assert.Equal(SdkTenant.Upn(u.DisplayName!), u.UserPrincipalName);
            Assert.Null(u.JobTitle); // not selected
        });

        var counted = await tenant.Reader.Users.GetAsync(r =>
        {
            r.QueryParameters.Count = true;
            r.QueryParameters.Filter = filter;
            r.QueryParameters.Select = ["id"];
            r.Headers.Add("ConsistencyLevel", "eventual");
        });
        Assert.Equal(7, counted!.OdataCount);
        Assert.Equal(7, counted.Value!.Count);
        Assert.Null(counted.OdataNextLink);
    }

    [BackendFact]
    public async Task gets_a_user_by_user_principal_name_and_by_id()
    {
        var scope = tenant.NewScope();
        var created = await CreateUserAsync(scope + "ada", jobTitle: "Analyst");

        var byUpn = await tenant.Reader.Users[SdkTenant.Upn(scope + "ada")].GetAsync();
        Assert.Equal(created.Id, byUpn!.Id);
        Assert.Equal(scope + "ada", byUpn.DisplayName);
        Assert.Equal("Analyst", byUpn.JobTitle);

        var guestName = $"{scope}ext_mary_fabrikam.com#EXT#";
        var guest = await tenant.Admin.Users.PostAsync(new User
        {
            AccountEnabled = true, DisplayName = "Mary (guest)", MailNickname = scope.Replace("-", "", StringComparison.Ordinal) + "mary",
            UserPrincipalName = SdkTenant.Upn(guestName), UserType = "Guest",
            PasswordProfile = new PasswordProfile { Password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
        });
        var guestByUpn = await tenant.Reader.Users[SdkTenant.Upn(guestName)].GetAsync(r => r.QueryParameters.Select = ["userType", "userPrincipalName"]);
        Assert.Equal(guest!.Id, guestByUpn!.Id);
        Assert.Equal("Guest", guestByUpn.UserType);
        Assert.Equal(SdkTenant.Upn(guestName), guestByUpn.UserPrincipalName);

        var byId = await tenant.Reader.Users[created.Id].GetAsync(r => r.QueryParameters.Select = ["displayName", "accountEnabled", "createdDateTime"]);
        Assert.Equal(scope + "ada", byId!.DisplayName);
        Assert.True(byId.AccountEnabled);
        Assert.NotNull(byId.CreatedDateTime);
        Assert.Null(byId.JobTitle);

        // Clearing a property: the SDK sends it as null, and Graph answers it as null afterwards.
        await tenant.Admin.Users[created.Id].PatchAsync(new User { JobTitle = null, Department = "Research" });
        var cleared = await tenant.Reader.Users[created.Id].GetAsync(r => r.QueryParameters.Select = ["jobTitle", "department"]);
        Assert.Null(cleared!.JobTitle);
        Assert.Equal("Research", cleared.Department);
    }

    /// <summary>Follows the SDK's nextLinks to the end of a round and answers every user and the deltaLink.</summary>
    private async Task<(List<User> Users, string DeltaLink)> UserRoundAsync(string? deltaLink)
    {
        var users = new List<User>();
        var page = deltaLink is null
            ? await tenant.Reader.Users.Delta.GetAsDeltaGetResponseAsync(r =>
            {
                r.QueryParameters.Select = ["displayName", "jobTitle"];
                r.QueryParameters.Top = 5;
            })
            : await tenant.Reader.Users.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync();
        for (var pages = 1; ; pages++)
        {
            Assert.True(pages < 1000, "paging does not end");
            users.AddRange(page!.Value!);
            if (page.OdataNextLink is null) break;
            page = await tenant.Reader.Users.Delta.WithUrl(page.OdataNextLink).GetAsDeltaGetResponseAsync();
        }
        Assert.NotNull(page.OdataDeltaLink);
        return (users, page.OdataDeltaLink!);
    }

    [BackendFact]
    public async Task user_delta_round_trip_through_create_update_soft_delete_restore_and_hard_delete()
    {
        var scope = tenant.NewScope();
        var before = await CreateUserAsync(scope + "before");
        var (initial, link) = await UserRoundAsync(null);
        Assert.Contains(initial, u => u.Id == before.Id);
        Assert.Contains("$deltatoken=", link, StringComparison.Ordinal);

        var fresh = await CreateUserAsync(scope + "fresh");
        await tenant.Admin.Users[before.Id].PatchAsync(new User { JobTitle = "Lead" });
        var (round, next) = await UserRoundAsync(link);
        Assert.Equal(new[] { before.Id, fresh.Id }.Order(), round.Select(u => u.Id).Order());
        Assert.Equal("Lead", round.Single(u => u.Id == before.Id).JobTitle);
        Assert.Equal(scope + "fresh", round.Single(u => u.Id == fresh.Id).DisplayName);
        Assert.All(round, u => Assert.False(u.AdditionalData.ContainsKey("@removed")));
        link = next;

        (round, link) = await UserRoundAsync(link);
        Assert.Empty(round);

        await tenant.Admin.Users[fresh.Id].DeleteAsync();
        (round, link) = await UserRoundAsync(link);
        var softDeleted = Assert.Single(round);
        Assert.Equal(fresh.Id, softDeleted.Id);
        Assert.Equal("changed", (await AnnotationAsync(softDeleted.AdditionalData, "@removed")).GetProperty("reason").GetString());

        var deleted = await tenant.Reader.Directory.DeletedItems.GraphUser.GetAsync(r => r.QueryParameters.Filter = $"startswith(displayName,'{scope}')");
        var listed = Assert.Single(deleted!.Value!);
        Assert.Equal(fresh.Id, listed.Id);
        Assert.NotNull(listed.DeletedDateTime);

        var restored = await tenant.Admin.Directory.DeletedItems[fresh.Id].Restore.PostAsync();
        Assert.Equal(fresh.Id, Assert.IsType<User>(restored).Id);
        (round, link) = await UserRoundAsync(link);
        var back = Assert.Single(round);
        Assert.Equal(scope + "fresh", back.DisplayName);
        Assert.False(back.AdditionalData.ContainsKey("@removed"));

        await tenant.Admin.Users[fresh.Id].DeleteAsync();
        await tenant.Admin.Directory.DeletedItems[fresh.Id].DeleteAsync();
        (round, _) = await UserRoundAsync(link);
        var purged = Assert.Single(round);
        Assert.Equal(fresh.Id, purged.Id);
        Assert.Equal("deleted", (await AnnotationAsync(purged.AdditionalData, "@removed")).GetProperty("reason").GetString());

        var gone = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users[fresh.Id].GetAsync());
        Assert.Equal(404, gone.ResponseStatusCode);
    }

    private async Task<(List<Group> Groups, string DeltaLink)> GroupRoundAsync(string? deltaLink)
    {
        var groups = new List<Group>();
        var page = deltaLink is null
            ? await tenant.Reader.Groups.Delta.GetAsDeltaGetResponseAsync(r => r.QueryParameters.Select = ["displayName", "members"])
            : await tenant.Reader.Groups.Delta.WithUrl(deltaLink).GetAsDeltaGetResponseAsync();
        for (var pages = 1; ; pages++)
        {
            Assert.True(pages < 1000, "paging does not end");
            groups.AddRange(page!.Value!);
            if (page.OdataNextLink is null) break;
            page = await tenant.Reader.Groups.Delta.WithUrl(page.OdataNextLink).GetAsDeltaGetResponseAsync();
        }
        Assert.NotNull(page.OdataDeltaLink);
        return (groups, page.OdataDeltaLink!);
    }

    [BackendFact]
    public async Task group_members_through_refs_list_and_members_delta()
    {
        var scope = tenant.NewScope();
        var group = await CreateGroupAsync(scope + "team");
        Assert.NotNull(group.Id);
        Assert.True(group.SecurityEnabled);
        var ada = await CreateUserAsync(scope + "ada");
        var bob = await CreateUserAsync(scope + "bob");
        var cy = await CreateUserAsync(scope + "cy");
        await tenant.Admin.Groups[group.Id].Members.Ref.PostAsync(Reference(ada.Id!));
        await tenant.Admin.Groups[group.Id].Members.Ref.PostAsync(Reference(bob.Id!));

        var members = await tenant.Reader.Groups[group.Id].Members.GetAsync();
        Assert.Equal(new[] { ada.Id, bob.Id }.Order(), members!.Value!.Select(m => m.Id).Order());
        Assert.All(members.Value!, m => Assert.IsType<User>(m));
        Assert.Equal(new[] { scope + "ada", scope + "bob" }, members.Value!.Cast<User>().Select(u => u.DisplayName).Order());

        var duplicate = await Assert.ThrowsAsync<ODataError>(() => tenant.Admin.Groups[group.Id].Members.Ref.PostAsync(Reference(ada.Id!)));
        Assert.Equal(400, duplicate.ResponseStatusCode);
        Assert.Equal("Request_BadRequest", duplicate.Error!.Code);

        var (initial, link) = await GroupRoundAsync(null);
        var ours = initial.Single(g => g.Id == group.Id);
        Assert.Equal(scope + "team", ours.DisplayName);
        var memberDelta = await AnnotationAsync(ours.AdditionalData, "members@delta");
        Assert.Equal(new[] { ada.Id, bob.Id }.Order(), memberDelta.EnumerateArray().Select(m => m.GetProperty("id").GetString()).Order());
        Assert.All(memberDelta.EnumerateArray(), m => Assert.Equal("#microsoft.graph.user", m.GetProperty("@odata.type").GetString()));

        await tenant.Admin.Groups[group.Id].Members[bob.Id].Ref.DeleteAsync();
        await tenant.Admin.Groups[group.Id].Members.Ref.PostAsync(Reference(cy.Id!));
        var (round, next) = await GroupRoundAsync(link);
        var changed = Assert.Single(round, g => g.Id == group.Id);
        var delta = (await AnnotationAsync(changed.AdditionalData, "members@delta")).EnumerateArray()
            .ToDictionary(m => m.GetProperty("id").GetString()!, m => m.TryGetProperty("@removed", out var removed) ? removed.GetProperty("reason").GetString() : null);
        Assert.Equal(2, delta.Count);
        Assert.Equal("deleted", delta[bob.Id!]);
        Assert.Null(delta[cy.Id!]);

        var after = await tenant.Reader.Groups[group.Id].Members.GetAsync(r => r.QueryParameters.Select = ["id", "displayName"]);
        Assert.Equal(new[] { ada.Id, cy.Id }.Order(), after!.Value!.Select(m => m.Id).Order());

        await tenant.Admin.Groups[group.Id].DeleteAsync();
        (round, _) = await GroupRoundAsync(next);
        var removed = Assert.Single(round, g => g.Id == group.Id);
        Assert.Equal("deleted", (await AnnotationAsync(removed.AdditionalData, "@removed")).GetProperty("reason").GetString());
        var gone = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Groups[group.Id].GetAsync());
        Assert.Equal("Request_ResourceNotFound", gone.Error!.Code);
    }

    [BackendFact]
    public async Task app_role_assignments_on_a_service_principal()
    {
        var scope = tenant.NewScope();
        var roleId = Guid.NewGuid();
        var sp = await tenant.Admin.ServicePrincipals.PostAsync(new ServicePrincipal
        {
            AppId = Guid.NewGuid().ToString(),
            DisplayName = scope + "HR app",
            AppRoles =
            [
                new AppRole
                {
                    Id = roleId, AllowedMemberTypes = ["User", "Group"], DisplayName = "Reader", Value = "HR.Reader",
                    Description = "Reads HR data", IsEnabled = true,
                },
            ],
        });
        Assert.NotNull(sp?.Id);
        var read = await tenant.Reader.ServicePrincipals[sp!.Id].GetAsync();
        var role = Assert.Single(read!.AppRoles!);
        Assert.Equal(roleId, role.Id);
        Assert.Equal("HR.Reader", role.Value);

        var ada = await CreateUserAsync(scope + "ada");
        var group = await CreateGroupAsync(scope + "hr");
        var toUser = await tenant.Admin.ServicePrincipals[sp.Id].AppRoleAssignedTo.PostAsync(new AppRoleAssignment
        {
            PrincipalId = Guid.Parse(ada.Id!), ResourceId = Guid.Parse(sp.Id!), AppRoleId = roleId,
        });
        Assert.Equal("User", toUser!.PrincipalType);
        Assert.Equal(scope + "ada", toUser.PrincipalDisplayName);
        await tenant.Admin.ServicePrincipals[sp.Id].AppRoleAssignedTo.PostAsync(new AppRoleAssignment
        {
            PrincipalId = Guid.Parse(group.Id!), ResourceId = Guid.Parse(sp.Id!), AppRoleId = Guid.Empty,
        });

        var assignments = await tenant.Reader.ServicePrincipals[sp.Id].AppRoleAssignedTo.GetAsync();
        Assert.Equal(2, assignments!.Value!.Count);
        var user = assignments.Value.Single(a => a.PrincipalType == "User");
        Assert.Equal(Guid.Parse(ada.Id!), user.PrincipalId);
        Assert.Equal(roleId, user.AppRoleId);
        Assert.Equal(Guid.Parse(sp.Id!), user.ResourceId);
        Assert.Equal(scope + "HR app", user.ResourceDisplayName);
        Assert.NotNull(user.CreatedDateTime);
        var viaGroup = assignments.Value.Single(a => a.PrincipalType == "Group");
        Assert.Equal(Guid.Parse(group.Id!), viaGroup.PrincipalId);
        Assert.Equal(Guid.Empty, viaGroup.AppRoleId);

        var unknownRole = await Assert.ThrowsAsync<ODataError>(() => tenant.Admin.ServicePrincipals[sp.Id].AppRoleAssignedTo.PostAsync(
            new AppRoleAssignment { PrincipalId = Guid.Parse(ada.Id!), ResourceId = Guid.Parse(sp.Id!), AppRoleId = Guid.NewGuid() }));
        Assert.Equal(400, unknownRole.ResponseStatusCode);

        await tenant.Admin.ServicePrincipals[sp.Id].AppRoleAssignedTo[viaGroup.Id].DeleteAsync();
        var left = await tenant.Reader.ServicePrincipals[sp.Id].AppRoleAssignedTo.GetAsync();
        Assert.Equal(user.Id, Assert.Single(left!.Value!).Id);
    }

    [BackendFact]
    public async Task permission_denied_and_not_found_arrive_as_odata_errors()
    {
        var denied = await Assert.ThrowsAsync<ODataError>(() => tenant.UsersOnly.Groups.GetAsync());
        Assert.Equal(403, denied.ResponseStatusCode);
        Assert.Equal("Authorization_RequestDenied", denied.Error!.Code);
        Assert.False(string.IsNullOrEmpty(denied.Error.Message));
        Assert.False(string.IsNullOrEmpty(denied.Error.InnerError?.RequestId));
        Assert.False(string.IsNullOrEmpty(denied.Error.InnerError?.ClientRequestId));
        Assert.Contains("request-id", denied.ResponseHeaders.Keys, StringComparer.OrdinalIgnoreCase);

        var write = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users.PostAsync(new User { DisplayName = "x" }));
        Assert.Equal(403, write.ResponseStatusCode);
        Assert.Equal("Authorization_RequestDenied", write.Error!.Code);

        var unknown = Guid.NewGuid().ToString();
        var missing = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users[unknown].GetAsync());
        Assert.Equal(404, missing.ResponseStatusCode);
        Assert.Equal("Request_ResourceNotFound", missing.Error!.Code);
        Assert.Contains(unknown, missing.Error.Message, StringComparison.Ordinal);

        var noGroup = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Groups[unknown].Members.GetAsync());
        Assert.Equal(404, noGroup.ResponseStatusCode);
        Assert.Equal("Request_ResourceNotFound", noGroup.Error!.Code);

        var badFilter = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users.GetAsync(r => r.QueryParameters.Filter = "displayName eq"));
        Assert.Equal(400, badFilter.ResponseStatusCode);
        Assert.Equal("Request_BadRequest", badFilter.Error!.Code);
    }

    [BackendFact]
    public async Task manager_expand_orderby_and_transitive_members()
    {
        var scope = tenant.NewScope();
        var boss = await CreateUserAsync(scope + "boss", jobTitle: "Director");
        var cleo = await CreateUserAsync(scope + "cleo");
        var abe = await CreateUserAsync(scope + "abe");
        await tenant.Admin.Users[cleo.Id].Manager.Ref.PutAsync(new ReferenceUpdate { OdataId = $"https://graph.microsoft.com/v1.0/users/{boss.Id}" });

        var manager = await tenant.Reader.Users[cleo.Id].Manager.GetAsync();
        Assert.Equal(boss.Id, Assert.IsType<User>(manager).Id);
        Assert.Equal("Director", ((User)manager!).JobTitle);

        var ordered = await tenant.Reader.Users.GetAsync(r =>
        {
            r.QueryParameters.Filter = $"startswith(displayName,'{scope}')";
            r.QueryParameters.Orderby = ["displayName"];
            r.QueryParameters.Expand = ["manager($select=id,displayName)"];
            r.QueryParameters.Select = ["id", "displayName"];
        });
        Assert.Equal(new[] { scope + "abe", scope + "boss", scope + "cleo" }, ordered!.Value!.Select(u => u.DisplayName));
        var expanded = Assert.IsType<User>(ordered.Value![2].Manager);
        Assert.Equal(boss.Id, expanded.Id);
        Assert.Equal(scope + "boss", expanded.DisplayName);
        Assert.Null(ordered.Value[0].Manager);

        await tenant.Admin.Users[cleo.Id].Manager.Ref.DeleteAsync();
        var none = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users[cleo.Id].Manager.GetAsync());
        Assert.Equal(404, none.ResponseStatusCode);

        var outer = await CreateGroupAsync(scope + "outer");
        var inner = await CreateGroupAsync(scope + "inner");
        await tenant.Admin.Groups[outer.Id].Members.Ref.PostAsync(Reference(abe.Id!));
        await tenant.Admin.Groups[outer.Id].Members.Ref.PostAsync(Reference(inner.Id!));
        await tenant.Admin.Groups[inner.Id].Members.Ref.PostAsync(Reference(cleo.Id!));
        var direct = await tenant.Reader.Groups[outer.Id].Members.GetAsync();
        Assert.Single(direct!.Value!.OfType<Group>(), g => g.Id == inner.Id);
        var transitive = await tenant.Reader.Groups[outer.Id].TransitiveMembers.GetAsync();
        Assert.Equal(new[] { abe.Id, cleo.Id, inner.Id }.Order(), transitive!.Value!.Select(m => m.Id).Order());
        Assert.Equal(2, transitive.Value!.OfType<User>().Count());
        Assert.Single(transitive.Value!.OfType<Group>());

        // The SDK's typed casts: only the users among the members, as UserCollectionResponse.
        var directUsers = await tenant.Reader.Groups[outer.Id].Members.GraphUser.GetAsync(r => r.QueryParameters.Select = ["id", "displayName"]);
        Assert.Equal(abe.Id, Assert.Single(directUsers!.Value!).Id);
        var directGroups = await tenant.Reader.Groups[outer.Id].Members.GraphGroup.GetAsync();
        Assert.Equal(inner.Id, Assert.Single(directGroups!.Value!).Id);
        var transitiveUsers = await tenant.Reader.Groups[outer.Id].TransitiveMembers.GraphUser.GetAsync(r =>
        {
            r.QueryParameters.Count = true;
            r.Headers.Add("ConsistencyLevel", "eventual");
        });
        Assert.Equal(new[] { abe.Id, cleo.Id }.Order(), transitiveUsers!.Value!.Select(u => u.Id).Order());
        Assert.Equal(2, transitiveUsers.OdataCount);
    }

    [BackendFact]
    public async Task delta_with_the_page_iterator_and_a_preferred_page_size()
    {
        var scope = tenant.NewScope();
        for (var i = 0; i < 3; i++) await CreateUserAsync($"{scope}u{i}");
        var first = await tenant.Reader.Users.Delta.GetAsDeltaGetResponseAsync(r =>
        {
            r.QueryParameters.Select = ["displayName"];
            r.Headers.Add("Prefer", "odata.maxpagesize=2");
        });
        Assert.Equal(2, first!.Value!.Count);
        Assert.NotNull(first.OdataNextLink);
        var seen = new List<User>();
        var iterator = PageIterator<User, Microsoft.Graph.Users.Delta.DeltaGetResponse>.CreatePageIterator(tenant.Reader, first,
            user =>
            {
                seen.Add(user);
                return true;
            });
        await iterator.IterateAsync();
        Assert.Equal(PagingState.Delta, iterator.State);
        Assert.NotNull(iterator.Deltalink);
        Assert.Equal(3, seen.Count(u => u.DisplayName!.StartsWith(scope, StringComparison.Ordinal)));

        var later = await CreateUserAsync(scope + "later");
        var round = await tenant.Reader.Users.Delta.WithUrl(iterator.Deltalink).GetAsDeltaGetResponseAsync();
        var only = Assert.Single(round!.Value!);
        Assert.Equal(later.Id, only.Id);
        Assert.Equal(scope + "later", only.DisplayName);
        Assert.NotNull(round.OdataDeltaLink);
    }

    [BackendFact]
    public async Task delta_token_latest_starts_tracking_from_now()
    {
        var scope = tenant.NewScope();
        await CreateUserAsync(scope + "old");
        var latest = await tenant.Reader.Users.Delta.WithUrl($"{tenant.BaseUrl}/v1.0/users/delta?$select=displayName&$deltatoken=latest")
            .GetAsDeltaGetResponseAsync();
        Assert.Empty(latest!.Value!);
        Assert.Null(latest.OdataNextLink);
        Assert.NotNull(latest.OdataDeltaLink);

        var fresh = await CreateUserAsync(scope + "new");
        var (round, _) = await UserRoundAsync(latest.OdataDeltaLink);
        var only = Assert.Single(round);
        Assert.Equal(fresh.Id, only.Id);
        Assert.Equal(scope + "new", only.DisplayName);
    }

    [BackendFact]
    public async Task extension_attributes_travel_in_additional_data()
    {
        var scope = tenant.NewScope();
        var extension = $"extension_{Guid.NewGuid():N}_costCenter";
        var user = await tenant.Admin.Users.PostAsync(new User
        {
            AccountEnabled = true,
            DisplayName = scope + "ext",
            MailNickname = scope.Replace("-", "", StringComparison.Ordinal) + "ext",
            UserPrincipalName = SdkTenant.Upn(scope + "ext"),
            PasswordProfile = new PasswordProfile { Password = "Pw-" + Guid.NewGuid().ToString("n")[..12] },
            OtherMails = ["ext@example.com"],
            AdditionalData = new Dictionary<string, object> { [extension] = "CC-42" },
        });
        var read = await tenant.Reader.Users[user!.Id].GetAsync(r => r.QueryParameters.Select = ["displayName", "otherMails", extension]);
        Assert.Equal(["ext@example.com"], read!.OtherMails!);
        // The SDK keeps a string it has no property for as a plain string.
        Assert.Equal("CC-42", read.AdditionalData[extension]);

        await tenant.Admin.Users[user.Id].PatchAsync(new User { AdditionalData = new Dictionary<string, object> { [extension] = "CC-7" } });
        read = await tenant.Reader.Users[user.Id].GetAsync(r => r.QueryParameters.Select = [extension]);
        Assert.Equal("CC-7", read!.AdditionalData[extension]);
    }

    [BackendFact]
    public async Task finds_a_service_principal_by_app_id()
    {
        var scope = tenant.NewScope();
        var appId = Guid.NewGuid().ToString();
        var sp = await tenant.Admin.ServicePrincipals.PostAsync(new ServicePrincipal { AppId = appId, DisplayName = scope + "sp" });
        var found = await tenant.Reader.ServicePrincipals.GetAsync(r => r.QueryParameters.Filter = $"appId eq '{appId}'");
        var only = Assert.Single(found!.Value!);
        Assert.Equal(sp!.Id, only.Id);
        Assert.Equal(scope + "sp", only.DisplayName);
        Assert.Empty(only.AppRoles!);
    }

    [BackendFact]
    public async Task counts_users_through_the_count_segment()
    {
        var scope = tenant.NewScope();
        for (var i = 0; i < 2; i++) await CreateUserAsync($"{scope}c{i}");
        var count = await tenant.Reader.Users.Count.GetAsync(r =>
        {
            r.QueryParameters.Filter = $"startswith(displayName,'{scope}')";
            r.Headers.Add("ConsistencyLevel", "eventual");
        });
        Assert.Equal(2, count);

        var groups = await tenant.Reader.Groups.Count.GetAsync(r =>
        {
            r.QueryParameters.Filter = $"startswith(displayName,'{scope}')";
            r.Headers.Add("ConsistencyLevel", "eventual");
        });
        Assert.Equal(0, groups);

        var withoutHeader = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users.Count.GetAsync());
        Assert.Equal(400, withoutHeader.ResponseStatusCode);
        Assert.Equal("Request_BadRequest", withoutHeader.Error!.Code);

        var badFilter = await Assert.ThrowsAsync<ODataError>(() => tenant.Reader.Users.Count.GetAsync(r =>
        {
            r.QueryParameters.Filter = "accountEnabled eq 'maybe'";
            r.Headers.Add("ConsistencyLevel", "eventual");
        }));
        Assert.Equal(400, badFilter.ResponseStatusCode);

        var denied = await Assert.ThrowsAsync<ODataError>(() => tenant.UsersOnly.Groups.Count.GetAsync(r => r.Headers.Add("ConsistencyLevel", "eventual")));
        Assert.Equal(403, denied.ResponseStatusCode);
    }

    [BackendFact]
    public async Task organization_and_domains_through_the_sdk()
    {
        var organization = await tenant.Reader.Organization.GetAsync();
        var org = Assert.Single(organization!.Value!);
        Assert.Equal(tenant.App.TenantId, org.Id);
        Assert.Contains(org.VerifiedDomains!, d => d.Name == SdkTenant.Domain && d.IsDefault == true);

        var domains = await tenant.Reader.Domains.GetAsync();
        Assert.Contains(domains!.Value!, d => d.Id == SdkTenant.Domain && d.IsDefault == true);
    }
}

public sealed class GraphSdkTestsOnSqlite(SqliteSdkTenant tenant) : GraphSdkTests(tenant), IClassFixture<SqliteSdkTenant>;

public sealed class GraphSdkTestsOnPostgres(PostgresSdkTenant tenant) : GraphSdkTests(tenant), IClassFixture<PostgresSdkTenant>;
