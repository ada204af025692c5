using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Graph;

/// <summary>
/// An enterprise app's single sign-on settings through Graph's servicePrincipal: every property written by PATCH is
/// read back by GET, refusals are Graph errors naming the property, and the IdP sees what Graph wrote.
/// </summary>
public sealed class SsoSettingsTests(SqliteTenant tenant) : IClassFixture<SqliteTenant>
{
    private const string Email = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

    private async Task<JsonElement> CreateAppAsync(string name, object? more = null)
    {
        var values = new Dictionary<string, object?> { ["appId"] = Guid.NewGuid(), ["displayName"] = name };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject()) values[property.Name] = property.Value;
        return (await tenant.Admin.PostAsync("/v1.0/servicePrincipals", values)).ShouldBe(HttpStatusCode.Created).Body;
    }

    private async Task<JsonElement> GetAsync(string id) =>
        (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{id}")).ShouldBe(HttpStatusCode.OK).Body;

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();

    [Fact]
    public async Task every_single_sign_on_property_patched_is_read_back_on_get_and_in_the_list()
    {
        var scope = tenant.NewScope();
        var app = await CreateAppAsync(scope + "ServiceNow");
        var appId = app.Text("appId")!;

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}", new
        {
            preferredSingleSignOnMode = "saml",
            loginUrl = "https://contoso.service-now.com/login_with_sso.do?glide_sso_id=abc",
            logoutUrl = "https://contoso.service-now.com/logout.do",
            notificationEmailAddresses = new[] { "admin@contoso.com" },
            info = new { logoUrl = "https://contoso.com/logo.png" },
            servicePrincipalNames = new[] { "https://contoso.service-now.com", appId, "https://contoso-test.service-now.com" },
            replyUrls = new[] { "https://contoso.service-now.com/navpage.do", "https://contoso.service-now.com/consumer.do" },
            appRoleAssignmentRequired = true,
            samlSingleSignOnSettings = new
            {
                relayState = "/now/nav/ui",
                nameIdSource = "user.mail",
                nameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                claims = new[] { new { name = Email, source = "user.mail" }, new { name = "employee", source = "user.employeeid" } },
                groupClaims = "securityGroups",
                roleClaims = false,
                signingOption = "responseAndAssertion",
                signingAlgorithm = "sha1",
            },
        })).ShouldBe(HttpStatusCode.NoContent);

        var read = await GetAsync(app.Id());
        Assert.Equal("saml", read.Text("preferredSingleSignOnMode"));
        Assert.Equal("https://contoso.service-now.com/login_with_sso.do?glide_sso_id=abc", read.Text("loginUrl"));
        Assert.Equal("https://contoso.service-now.com/logout.do", read.Text("logoutUrl"));
        Assert.Equal(["admin@contoso.com"], Strings(read.GetProperty("notificationEmailAddresses")));
        Assert.Equal("https://contoso.com/logo.png", read.GetProperty("info").Text("logoUrl"));
        Assert.Equal(["https://contoso.service-now.com", "https://contoso-test.service-now.com", appId], Strings(read.GetProperty("servicePrincipalNames")));
        Assert.Equal(["https://contoso.service-now.com/navpage.do", "https://contoso.service-now.com/consumer.do"], Strings(read.GetProperty("replyUrls")));
        Assert.True(read.GetProperty("appRoleAssignmentRequired").GetBoolean());
        var settings = read.GetProperty("samlSingleSignOnSettings");
        Assert.Equal("/now/nav/ui", settings.Text("relayState"));
        Assert.Equal("https://contoso.service-now.com/navpage.do", settings.Text("defaultRedirectUri"));
        Assert.Equal("user.mail", settings.Text("nameIdSource"));
        Assert.Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", settings.Text("nameIdFormat"));
        Assert.Equal([Email, "employee"], settings.GetProperty("claims").EnumerateArray().Select(c => c.Text("name")).ToList());
        Assert.Equal("user.employeeid", settings.GetProperty("claims")[1].Text("source"));
        Assert.Equal("securityGroups", settings.Text("groupClaims"));
        Assert.False(settings.GetProperty("roleClaims").GetBoolean());
        Assert.Equal("responseAndAssertion", settings.Text("signingOption"));
        Assert.Equal("sha1", settings.Text("signingAlgorithm"));
        var replies = settings.GetProperty("replyUrlSettings").EnumerateArray().ToList();
        Assert.Equal([0, 1], replies.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([true, false], replies.Select(r => r.GetProperty("isDefault").GetBoolean()));

        var listed = Assert.Single((await tenant.Admin.GetAsync(
            $"/v1.0/servicePrincipals?$filter={Uri.EscapeDataString($"displayName eq '{scope}ServiceNow'")}")).ShouldBe(HttpStatusCode.OK).Value);
        foreach (var property in new[] { "preferredSingleSignOnMode", "loginUrl", "logoutUrl", "notificationEmailAddresses", "info", "servicePrincipalNames", "replyUrls", "samlSingleSignOnSettings" })
            Assert.Equal(read.GetProperty(property).GetRawText(), listed.GetProperty(property).GetRawText());

        // The identity provider reads the same settings Graph wrote.
        var seen = (await tenant.App.Services.GetRequiredService<SamlApplications>().FindByIdentifierAsync("https://contoso-test.service-now.com", default))!;
        Assert.Equal(appId, seen.AppId);
        Assert.True(seen.AssignmentRequired);
        Assert.Equal(IdentityBridge.Saml.Messages.SigningOption.ResponseAndAssertion, seen.Settings.SigningOption);
        Assert.Equal("https://contoso.service-now.com/navpage.do", seen.DefaultReplyUrl!.Uri);
    }

    [Fact]
    public async Task a_partial_patch_of_saml_settings_changes_only_the_members_it_names()
    {
        var app = await CreateAppAsync(tenant.NewScope() + "ServiceNow", new
        {
            replyUrls = new[] { "https://a.example.com/acs", "https://b.example.com/acs" },
            samlSingleSignOnSettings = new { relayState = "/start", signingOption = "response" },
        });
        Assert.Equal("/start", app.GetProperty("samlSingleSignOnSettings").Text("relayState"));

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { samlSingleSignOnSettings = new { defaultRedirectUri = "https://b.example.com/acs", nameIdSource = "user.objectid" } }))
            .ShouldBe(HttpStatusCode.NoContent);

        var settings = (await GetAsync(app.Id())).GetProperty("samlSingleSignOnSettings");
        Assert.Equal("/start", settings.Text("relayState"));
        Assert.Equal("response", settings.Text("signingOption"));
        Assert.Equal("user.objectid", settings.Text("nameIdSource"));
        Assert.Equal("https://b.example.com/acs", settings.Text("defaultRedirectUri"));
        Assert.Equal(4, settings.GetProperty("claims").GetArrayLength());
        Assert.Equal("sha256", settings.Text("signingAlgorithm"));
    }

    [Fact]
    public async Task reply_url_settings_give_each_url_its_index_and_the_default()
    {
        var app = await CreateAppAsync(tenant.NewScope() + "ServiceNow");

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}", new
        {
            samlSingleSignOnSettings = new
            {
                replyUrlSettings = new object[]
                {
                    new { uri = "https://second.example.com/acs", index = 5, isDefault = true },
                    new { uri = "https://first.example.com/acs", index = 1 },
                },
            },
        })).ShouldBe(HttpStatusCode.NoContent);

        var read = await GetAsync(app.Id());
        Assert.Equal(["https://first.example.com/acs", "https://second.example.com/acs"], Strings(read.GetProperty("replyUrls")));
        var replies = read.GetProperty("samlSingleSignOnSettings").GetProperty("replyUrlSettings").EnumerateArray().ToList();
        Assert.Equal([1, 5], replies.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal("https://second.example.com/acs", read.GetProperty("samlSingleSignOnSettings").Text("defaultRedirectUri"));
    }

    [Fact]
    public async Task an_identifier_belongs_to_one_app_only()
    {
        var scope = tenant.NewScope();
        var identifier = $"https://{scope}instance.service-now.com";
        var first = await CreateAppAsync(scope + "first", new { servicePrincipalNames = new[] { identifier } });
        var second = await CreateAppAsync(scope + "second");

        var message = (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{second.Id()}", new { servicePrincipalNames = new[] { identifier } }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Contains("servicePrincipalNames", message);
        Assert.Contains(identifier, message);
        Assert.Equal([second.Text("appId")], Strings((await GetAsync(second.Id())).GetProperty("servicePrincipalNames")));

        // Once the first app lets it go, the second may take it.
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{first.Id()}", new { servicePrincipalNames = Array.Empty<string>() }))
            .ShouldBe(HttpStatusCode.NoContent);
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{second.Id()}", new { servicePrincipalNames = new[] { identifier } }))
            .ShouldBe(HttpStatusCode.NoContent);
        Assert.Equal([identifier, second.Text("appId")], Strings((await GetAsync(second.Id())).GetProperty("servicePrincipalNames")));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { """{"preferredSingleSignOnMode":"kerberos"}""", "preferredSingleSignOnMode" },
        { """{"preferredSingleSignOnMode":7}""", "preferredSingleSignOnMode" },
        { """{"loginUrl":"ftp://contoso.com/login"}""", "loginUrl" },
        { """{"logoutUrl":"http://contoso.com/logout"}""", "logoutUrl" },
        { """{"logoutUrl":true}""", "logoutUrl" },
        { """{"notificationEmailAddresses":["not-an-address"]}""", "notificationEmailAddresses" },
        { """{"notificationEmailAddresses":"admin@contoso.com"}""", "notificationEmailAddresses" },
        { """{"info":{"logoUrl":"logo.png"}}""", "info" },
        { """{"info":"https://contoso.com/logo.png"}""", "info" },
        { """{"servicePrincipalNames":["has space"]}""", "servicePrincipalNames" },
        { """{"servicePrincipalNames":[1]}""", "servicePrincipalNames" },
        { """{"replyUrls":["https://contoso.com/acs#frag"]}""", "replyUrls" },
        { """{"replyUrls":["https://a.com/acs","https://a.com/acs"]}""", "replyUrls" },
        { """{"replyUrls":{"uri":"https://a.com"}}""", "replyUrls" },
        { """{"samlSingleSignOnSettings":"saml"}""", "samlSingleSignOnSettings" },
        { """{"samlSingleSignOnSettings":{"relayState":5}}""", "samlSingleSignOnSettings.relayState" },
        { """{"samlSingleSignOnSettings":{"nameIdSource":"user.shoesize"}}""", "samlSingleSignOnSettings" },
        { """{"samlSingleSignOnSettings":{"nameIdFormat":"urn:made:up"}}""", "samlSingleSignOnSettings" },
        { """{"samlSingleSignOnSettings":{"signingAlgorithm":"md5"}}""", "samlSingleSignOnSettings" },
        { """{"samlSingleSignOnSettings":{"signingOption":"never"}}""", "samlSingleSignOnSettings.signingOption" },
        { """{"samlSingleSignOnSettings":{"groupClaims":"some"}}""", "samlSingleSignOnSettings.groupClaims" },
        { """{"samlSingleSignOnSettings":{"roleClaims":"yes"}}""", "samlSingleSignOnSettings.roleClaims" },
        { """{"samlSingleSignOnSettings":{"claims":[{"name":"a b","source":"user.mail"}]}}""", "samlSingleSignOnSettings.claims" },
        { """{"samlSingleSignOnSettings":{"claims":[{"name":"http://schemas.microsoft.com/identity/claims/tenantid","source":"user.mail"}]}}""", "samlSingleSignOnSettings.claims" },
        { """{"samlSingleSignOnSettings":{"claims":[{"name":"x"}]}}""", "samlSingleSignOnSettings.claims" },
        { """{"samlSingleSignOnSettings":{"defaultRedirectUri":"https://elsewhere.com/acs"}}""", "samlSingleSignOnSettings.defaultRedirectUri" },
        { """{"samlSingleSignOnSettings":{"colour":"blue"}}""", "samlSingleSignOnSettings.colour" },
        { """{"appRoleAssignmentRequired":"yes"}""", "appRoleAssignmentRequired" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task a_refused_value_is_a_graph_error_naming_the_property_and_changes_nothing(string body, string property)
    {
        var app = await CreateAppAsync(tenant.NewScope() + "ServiceNow", new { loginUrl = "https://contoso.com/sso" });
        var before = await GetAsync(app.Id());

        var message = (await tenant.Admin.SendRawAsync(HttpMethod.Patch, $"/v1.0/servicePrincipals/{app.Id()}", body))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");

        Assert.Contains($"'{property}", message);
        Assert.Equal(before.GetRawText(), (await GetAsync(app.Id())).GetRawText());
    }

    [Fact]
    public async Task a_refused_create_leaves_no_app_behind()
    {
        var name = tenant.NewScope() + "ServiceNow";
        var message = (await tenant.Admin.PostAsync("/v1.0/servicePrincipals", new { appId = Guid.NewGuid(), displayName = name, replyUrls = new[] { "not a url" } }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Contains("replyUrls", message);
        Assert.Empty((await tenant.Admin.GetAsync($"/v1.0/servicePrincipals?$filter={Uri.EscapeDataString($"displayName eq '{name}'")}"))
            .ShouldBe(HttpStatusCode.OK).Value);
    }

    [Fact]
    public async Task the_list_shows_each_apps_signing_certificates_and_the_preferred_thumbprint()
    {
        var scope = tenant.NewScope();
        var app = await CreateAppAsync(scope + "ServiceNow");
        var added = (await tenant.Admin.PostAsync($"/v1.0/servicePrincipals/{app.Id()}/addTokenSigningCertificate", new { displayName = "CN=Contoso SSO" }))
            .ShouldBe(HttpStatusCode.OK).Body;

        var reply = (await tenant.Admin.GetAsync(
            $"/v1.0/servicePrincipals?$filter={Uri.EscapeDataString($"startswith(displayName,'{scope}')")}")).ShouldBe(HttpStatusCode.OK);
        var listed = Assert.Single(reply.Value);
        Assert.Equal(added.Text("thumbprint"), listed.Text("preferredTokenSigningKeyThumbprint"));
        Assert.Equal(["Sign", "Verify"], listed.GetProperty("keyCredentials").EnumerateArray().Select(c => c.Text("usage")).Order());
        Assert.DoesNotContain("PRIVATE KEY", reply.Text, StringComparison.OrdinalIgnoreCase);

        var selected = Assert.Single((await tenant.Admin.GetAsync(
            $"/v1.0/servicePrincipals?$select=displayName,loginUrl&$filter={Uri.EscapeDataString($"startswith(displayName,'{scope}')")}"))
            .ShouldBe(HttpStatusCode.OK).Value);
        Assert.True(selected.TryGetProperty("loginUrl", out _));
        Assert.False(selected.TryGetProperty("keyCredentials", out _));
        Assert.False(selected.TryGetProperty("samlSingleSignOnSettings", out _));
    }

    [Fact]
    public async Task an_unknown_app_is_not_found_and_a_reader_may_not_change_one()
    {
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{Guid.NewGuid()}", new { loginUrl = "https://contoso.com" }))
            .ShouldBeError(HttpStatusCode.NotFound, "Request_ResourceNotFound");
        var app = await CreateAppAsync(tenant.NewScope() + "ServiceNow");
        (await tenant.Reader.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}", new { loginUrl = "https://contoso.com" }))
            .ShouldBeError(HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }
}

/// <summary>
/// The same settings through Microsoft's Graph SDK with real tokens: the v1.0 members land in the SDK's typed
/// properties, and the extension members of samlSingleSignOnSettings travel in its AdditionalData both ways.
/// </summary>
public sealed class SsoSettingsSdkTests(IdentityBridge.Tenant.Tests.Sdk.SqliteSdkTenant tenant) : IClassFixture<IdentityBridge.Tenant.Tests.Sdk.SqliteSdkTenant>
{
    [Fact]
    public async Task the_graph_sdk_writes_and_reads_single_sign_on_settings()
    {
        var scope = tenant.NewScope();
        var appId = Guid.NewGuid().ToString("D");
        var admin = await tenant.ClientAsync(scope + "sso admin", "Application.ReadWrite.All");
        var sp = await admin.ServicePrincipals.PostAsync(new Microsoft.Graph.Models.ServicePrincipal { AppId = appId, DisplayName = scope + "ServiceNow" });

        await admin.ServicePrincipals[sp!.Id].PatchAsync(new Microsoft.Graph.Models.ServicePrincipal
        {
            PreferredSingleSignOnMode = "saml",
            LoginUrl = "https://contoso.service-now.com/login_with_sso.do",
            ReplyUrls = ["https://contoso.service-now.com/navpage.do"],
            ServicePrincipalNames = [$"https://{scope}contoso.service-now.com"],
            SamlSingleSignOnSettings = new Microsoft.Graph.Models.SamlSingleSignOnSettings
            {
                RelayState = "/now/nav/ui",
                AdditionalData = new Dictionary<string, object> { ["signingOption"] = "response", ["nameIdSource"] = "user.mail" },
            },
        });

        var read = await tenant.Reader.ServicePrincipals[sp.Id].GetAsync();
        Assert.Equal("saml", read!.PreferredSingleSignOnMode);
        Assert.Equal("https://contoso.service-now.com/login_with_sso.do", read.LoginUrl);
        Assert.Equal(["https://contoso.service-now.com/navpage.do"], read.ReplyUrls!);
        Assert.Equal([$"https://{scope}contoso.service-now.com", appId], read.ServicePrincipalNames!);
        Assert.Equal("/now/nav/ui", read.SamlSingleSignOnSettings!.RelayState);
        Assert.Equal("response", read.SamlSingleSignOnSettings.AdditionalData["signingOption"]?.ToString());
        Assert.Equal("user.mail", read.SamlSingleSignOnSettings.AdditionalData["nameIdSource"]?.ToString());

        var saml = await tenant.Reader.ServicePrincipals.GetAsync(r => r.QueryParameters.Filter = "preferredSingleSignOnMode eq 'saml'");
        Assert.Contains(saml!.Value!, s => s.Id == sp.Id);

        var refused = await Assert.ThrowsAsync<Microsoft.Graph.Models.ODataErrors.ODataError>(() =>
            admin.ServicePrincipals[sp.Id].PatchAsync(new Microsoft.Graph.Models.ServicePrincipal { LoginUrl = "ftp://contoso.com" }));
        Assert.Equal(400, refused.ResponseStatusCode);
        Assert.Contains("loginUrl", refused.Error!.Message);
    }
}
