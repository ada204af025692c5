using System.Xml;
using IdentityBridge.Saml.Messages;
using IdentityBridge.Saml.Xml;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Saml;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Saml.IdentityProvider;

/// <summary>What a response says: NameID by source and format, claims, groups, roles, and how it is signed.</summary>
public sealed class ResponseContentTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private readonly IdentityProviderWorld _world = new(tenant);

    private async Task<(PostedForm Form, IdentityBridge.Saml.Validation.ValidatedAssertion Assertion)> SignOnAsync(TestApp app, TestUser user,
        string? nameIdFormat = null, bool allowSha1 = false)
    {
        using var browser = await _world.SignedInBrowserAsync(user);
        var request = _world.Request(app, nameIdFormat: nameIdFormat);
        var form = (await browser.GetAsync(_world.RedirectUrl(request.ToXml()))).ShouldBe(HttpStatusCode.OK).Form();
        var result = await _world.ValidateAsync(app, form, request.Id, allowSha1);
        Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => $"{p.Code}: {p.Message}")));
        return (form, result.Assertion!);
    }

    [Fact]
    public async Task a_persistent_name_id_is_stable_per_app_and_opaque_and_a_transient_one_changes_every_time()
    {
        var persistent = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { NameIdFormat = SamlNames.NameIdPersistent } });
        var other = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { NameIdFormat = SamlNames.NameIdPersistent } });
        var transient = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { NameIdFormat = SamlNames.NameIdTransient } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "pair");

        var first = (await SignOnAsync(persistent, user)).Assertion;
        var second = (await SignOnAsync(persistent, user)).Assertion;
        var elsewhere = (await SignOnAsync(other, user)).Assertion;

        Assert.Equal(SamlNames.NameIdPersistent, first.NameIdFormat);
        Assert.Equal(first.NameId, second.NameId);
        Assert.NotEqual(first.NameId, elsewhere.NameId);
        Assert.DoesNotContain(user.SysId, first.NameId, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(user.Upn, first.NameId, StringComparison.OrdinalIgnoreCase);
        var once = (await SignOnAsync(transient, user)).Assertion;
        var twice = (await SignOnAsync(transient, user)).Assertion;
        Assert.Equal(SamlNames.NameIdTransient, once.NameIdFormat);
        Assert.NotEqual(once.NameId, twice.NameId);
    }

    [Fact]
    public async Task the_requests_name_id_policy_wins_and_unspecified_leaves_the_apps_setting()
    {
        var app = await _world.CreateAppAsync(u => u with
        {
            Settings = new SamlSettings { NameIdSource = "user.mail", NameIdFormat = SamlNames.NameIdEmail },
        });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "pol", new { mail = "pol@contoso.example" });

        var configured = (await SignOnAsync(app, user, SamlNames.NameIdUnspecified)).Assertion;
        Assert.Equal(SamlNames.NameIdEmail, configured.NameIdFormat);
        Assert.Equal("pol@contoso.example", configured.NameId);

        var asked = (await SignOnAsync(app, user, SamlNames.NameIdPersistent)).Assertion;
        Assert.Equal(SamlNames.NameIdPersistent, asked.NameIdFormat);
        Assert.NotEqual("pol@contoso.example", asked.NameId);
    }

    [Fact]
    public async Task a_user_without_a_value_for_the_name_id_source_gets_an_error_page_naming_the_attribute()
    {
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { NameIdSource = "user.employeeid" } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "noid");
        using var browser = await _world.SignedInBrowserAsync(user);

        var text = (await browser.GetAsync(_world.RedirectUrl(_world.Request(app).ToXml()))).ShouldBeAadsts(50000, HttpStatusCode.OK);

        Assert.Contains("user.employeeid", text);
        Assert.DoesNotContain("SAMLResponse", text);
        Assert.Contains(await _world.SignInLogAsync(app.AppId), l => l["error_code"] == "50000");
    }

    [Fact]
    public async Task claims_follow_the_apps_list_in_order_and_empty_values_are_left_out()
    {
        var app = await _world.CreateAppAsync(u => u with
        {
            Settings = new SamlSettings
            {
                Claims =
                [
                    new("http://schemas.example/department", "user.department"),
                    new("http://schemas.example/employee", "user.employeeid"),
                    new("http://schemas.example/upn", "user.userprincipalname"),
                ],
            },
        });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "cl", new { department = "Finance" });

        var (form, _) = await SignOnAsync(app, user);

        var names = IdentityProviderWorld.ResponseXml(form).GetElementsByTagName("Attribute", SamlNames.Assertion).OfType<XmlElement>()
            .Select(a => (a.GetAttribute("Name"), a.InnerText)).ToList();
        Assert.Equal(
        [
            (SamlClaimTypes.TenantId, _world.TenantId),
            (SamlClaimTypes.ObjectId, user.Id),
            (SamlClaimTypes.DisplayName, user.Upn.Split('@')[0]),
            (SamlClaimTypes.IdentityProvider, _world.Issuer),
            (SamlClaimTypes.AuthnMethodsReferences, SamlClaimTypes.PasswordMethod),
            ("http://schemas.example/department", "Finance"),
            ("http://schemas.example/upn", user.Upn),
        ], names);
    }

    [Fact]
    public async Task group_claims_list_the_groups_of_the_chosen_kind_and_roles_carry_the_assigned_app_role_values()
    {
        var itil = Guid.NewGuid().ToString("D");
        var admin = Guid.NewGuid().ToString("D");
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { GroupClaims = GroupClaimKind.SecurityGroups } }, appRoles:
        [
            new { id = itil, value = "itil", displayName = "ITIL", allowedMemberTypes = new[] { "User" } },
            new { id = admin, value = "admin", displayName = "Admin", allowedMemberTypes = new[] { "User" } },
        ]);
        var user = await _world.CreateUserAsync(tenant.NewScope() + "grp");
        var security = await _world.CreateGroupAsync(tenant.NewScope() + "sec");
        var mail = await _world.CreateGroupAsync(tenant.NewScope() + "mail", securityEnabled: false);
        await _world.AddMemberAsync(security, user.Id);
        await _world.AddMemberAsync(mail, user.Id);
        await _world.AssignAsync(app, security, itil);
        await _world.AssignAsync(app, user.Id);

        var assertion = (await SignOnAsync(app, user)).Assertion;

        Assert.Equal([security], assertion.Attributes[SamlClaimTypes.Groups]);
        Assert.Equal(["itil"], assertion.Attributes[SamlClaimTypes.Role]);

        await _world.UpdateAsync(app, new SamlApplicationUpdate { Settings = new SamlSettings { GroupClaims = GroupClaimKind.All } });
        Assert.Equal(new[] { security, mail }.Order(), (await SignOnAsync(app, user)).Assertion.Attributes[SamlClaimTypes.Groups].Order());

        await _world.UpdateAsync(app, new SamlApplicationUpdate { Settings = new SamlSettings { GroupClaims = GroupClaimKind.ApplicationGroups, RoleClaims = false } });
        var appGroups = (await SignOnAsync(app, user)).Assertion;
        Assert.Equal([security], appGroups.Attributes[SamlClaimTypes.Groups]);
        Assert.False(appGroups.Attributes.ContainsKey(SamlClaimTypes.Role));
    }

    [Fact]
    public async Task more_than_150_groups_give_the_groups_link_overage_claim_instead()
    {
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { GroupClaims = GroupClaimKind.All } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "many");
        var directory = tenant.App.Directory;
        var scope = tenant.NewScope();
        for (var i = 0; i < SamlResponseBuilder.GroupLimit + 1; i++)
        {
            var created = await directory.CreateGroupAsync(new Dictionary<string, string?>
            {
                ["sys_id"] = GraphIds.New(),
                ["display_name"] = $"{scope}g{i}",
                ["security_enabled"] = "true",
            }, "test");
            Assert.True(created.Succeeded);
            Assert.True(await directory.AddMemberAsync(created.Row!.SysId, user.SysId, "user", "test"));
        }

        var assertion = (await SignOnAsync(app, user)).Assertion;

        Assert.False(assertion.Attributes.ContainsKey(SamlClaimTypes.Groups));
        Assert.Equal([$"https://graph.windows.net/{_world.TenantId}/users/{user.Id}/getMemberObjects"],
            assertion.Attributes[SamlResponseBuilder.GroupsLinkClaim]);
    }

    [Theory]
    [InlineData(SigningOption.Response, false, true)]
    [InlineData(SigningOption.ResponseAndAssertion, true, true)]
    [InlineData(SigningOption.Assertion, true, false)]
    public async Task the_signing_option_decides_which_elements_carry_a_signature_right_after_their_issuer(SigningOption option,
        bool assertionSigned, bool responseSigned)
    {
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { SigningOption = option } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "sig");

        var (form, _) = await SignOnAsync(app, user);

        var response = IdentityProviderWorld.ResponseXml(form).DocumentElement!;
        var assertion = response.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Assertion");
        Assert.Equal(responseSigned, SignedAfterIssuer(response));
        Assert.Equal(assertionSigned, SignedAfterIssuer(assertion));
    }

    [Fact]
    public async Task sha1_is_used_only_when_chosen_and_a_strict_service_provider_refuses_it()
    {
        var app = await _world.CreateAppAsync(u => u with { Settings = new SamlSettings { SigningAlgorithm = "sha1" } });
        var user = await _world.CreateUserAsync(tenant.NewScope() + "sha1");

        var (form, _) = await SignOnAsync(app, user, allowSha1: true);

        var signature = IdentityProviderWorld.ResponseXml(form).GetElementsByTagName("SignatureMethod", SamlNames.DSig).OfType<XmlElement>().Single();
        Assert.Equal(SamlNames.RsaSha1, signature.GetAttribute("Algorithm"));
        Assert.False((await _world.ValidateAsync(app, form)).IsValid);
    }

    [Fact]
    public async Task the_response_is_signed_with_the_certificate_the_app_metadata_lists_first()
    {
        var app = await _world.CreateAppAsync();
        var user = await _world.CreateUserAsync(tenant.NewScope() + "cert");

        var (_, assertion) = await SignOnAsync(app, user);

        var certificates = tenant.App.Services.GetRequiredService<TokenSigningCertificates>();
        var active = certificates.Signer(await certificates.ListAsync(app.SysId, CancellationToken.None))!;
        Assert.Equal(active.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), assertion.SigningCertificateThumbprint, ignoreCase: true);
    }

    private static bool SignedAfterIssuer(XmlElement element)
    {
        var children = element.ChildNodes.OfType<XmlElement>().ToList();
        var signatures = children.Where(c => c.LocalName == "Signature" && c.NamespaceURI == SamlNames.DSig).ToList();
        if (signatures.Count == 0) return false;
        Assert.Single(signatures);
        Assert.Equal("Issuer", children[0].LocalName);
        Assert.Same(signatures[0], children[1]);
        Assert.Equal("#" + element.GetAttribute("ID"), signatures[0].GetElementsByTagName("Reference", SamlNames.DSig).OfType<XmlElement>().Single().GetAttribute("URI"));
        return true;
    }
}
