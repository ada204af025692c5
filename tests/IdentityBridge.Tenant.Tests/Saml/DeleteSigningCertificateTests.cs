using IdentityBridge.Saml.Metadata;
using IdentityBridge.Storage.Records;
using IdentityBridge.Tenant.Directory;
using IdentityBridge.Tenant.Graph;
using IdentityBridge.Tenant.Saml;
using IdentityBridge.Tenant.SignIn;
using IdentityBridge.Tenant.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Tenant.Tests.Saml;

/// <summary>
/// Deleting an app's inactive token-signing certificate, the last step of Entra's rollover: by Graph, a PATCH whose
/// <c>keyCredentials</c> leave out the certificate's Sign and Verify entries; on the command line,
/// <c>idbridge tenant app cert delete</c>. Afterwards the app's federation metadata no longer lists it, so a service
/// provider that refreshes stops trusting it. The certificate that signs cannot be deleted, and nothing can be added
/// or changed through <c>keyCredentials</c>.
/// </summary>
public sealed class DeleteSigningCertificateTests(HttpsTenant tenant) : IClassFixture<HttpsTenant>
{
    private sealed record RolledOver(JsonElement App, JsonElement First, JsonElement Second);

    /// <summary>An app with two certificates, the second active, the first inactive: where a rollover leaves it.</summary>
    private async Task<RolledOver> RolledOverAsync()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        var first = await tenant.AddCertificateAsync(app.Id());
        var second = await tenant.AddCertificateAsync(app.Id());
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { preferredTokenSigningKeyThumbprint = second.Text("thumbprint") })).ShouldBe(HttpStatusCode.NoContent);
        return new RolledOver(app, first, second);
    }

    private async Task<List<JsonElement>> KeyCredentialsAsync(JsonElement app) =>
        (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{app.Id()}")).ShouldBe(HttpStatusCode.OK).Body
        .GetProperty("keyCredentials").EnumerateArray().Select(c => c.Clone()).ToList();

    private async Task<string[]> MetadataThumbprintsAsync(JsonElement app) =>
        new MetadataReader(tenant.Clock).Read(await tenant.Http.GetStringAsync(tenant.MetadataPath(app.Text("appId"))))
            .RequireIdentityProvider().SigningCertificates.Select(c => c.Thumbprint.ToUpperInvariant()).ToArray();

    private Task<GraphReply> PatchKeyCredentialsAsync(JsonElement app, IEnumerable<object> keyCredentials) =>
        tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}", new { keyCredentials = keyCredentials.ToArray() });

    private async Task<IReadOnlyList<RecordRow>> StoredRowsAsync(JsonElement app) =>
        (await tenant.App.Store.QueryAsync(new RecordQuery
        {
            Table = DirectoryTables.TokenSigningCertificate,
            Query = Storage.Queries.EncodedQuery.Where("service_principal", GraphIds.TryToSysId(app.Id(), out var sysId) ? sysId : ""),
            Fields = ["thumbprint", "private_key"],
        })).Rows;

    private EnterpriseApps Apps
    {
        get
        {
            var services = tenant.App.Services;
            return new EnterpriseApps(tenant.App.Directory, services.GetRequiredService<SamlApplications>(),
                services.GetRequiredService<TokenSigningCertificates>(), services.GetRequiredService<DirectoryRoles>(), tenant.Clock);
        }
    }

    [Fact]
    public async Task patching_key_credentials_without_the_old_certificate_deletes_it_from_graph_the_metadata_and_the_store()
    {
        var world = await RolledOverAsync();
        var first = world.First.Text("thumbprint")!;
        var second = world.Second.Text("thumbprint")!;
        Assert.Equal([second, first], await MetadataThumbprintsAsync(world.App));
        var read = await KeyCredentialsAsync(world.App);

        // What a Graph client does: read keyCredentials, drop the old certificate's entries, write the rest back.
        (await PatchKeyCredentialsAsync(world.App, read.Where(c => c.Text("keyId") != world.First.Text("keyId")).Cast<object>()))
            .ShouldBe(HttpStatusCode.NoContent);

        var after = await KeyCredentialsAsync(world.App);
        Assert.Equal(2, after.Count);
        Assert.All(after, c => Assert.Equal(world.Second.Text("keyId"), c.Text("keyId")));
        Assert.Equal(["Sign", "Verify"], after.Select(c => c.Text("usage")).Order(StringComparer.Ordinal));
        Assert.Equal(second, (await tenant.Admin.GetAsync($"/v1.0/servicePrincipals/{world.App.Id()}")).Body.Text("preferredTokenSigningKeyThumbprint"));
        Assert.Equal([second], await MetadataThumbprintsAsync(world.App));
        // The row goes, and its encrypted private key with it.
        Assert.Equal(second, Assert.Single(await StoredRowsAsync(world.App))["thumbprint"]);
    }

    [Fact]
    public async Task entries_matched_by_custom_key_identifier_alone_keep_their_certificate()
    {
        var world = await RolledOverAsync();
        var kept = (await KeyCredentialsAsync(world.App)).Where(c => c.Text("keyId") == world.Second.Text("keyId"))
            .Select(c => (object)new { customKeyIdentifier = c.Text("customKeyIdentifier"), usage = c.Text("usage") });

        (await PatchKeyCredentialsAsync(world.App, kept)).ShouldBe(HttpStatusCode.NoContent);

        Assert.Equal([world.Second.Text("thumbprint")!], await MetadataThumbprintsAsync(world.App));
    }

    [Fact]
    public async Task dropping_the_active_certificate_is_refused_naming_key_credentials_and_nothing_changes()
    {
        var world = await RolledOverAsync();
        var read = await KeyCredentialsAsync(world.App);

        var message = (await PatchKeyCredentialsAsync(world.App, read.Where(c => c.Text("keyId") != world.Second.Text("keyId")).Cast<object>()))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");

        Assert.Contains("'keyCredentials'", message);
        Assert.Contains("activate another certificate first", message);
        Assert.Equal(4, (await KeyCredentialsAsync(world.App)).Count);
        Assert.Equal(2, (await StoredRowsAsync(world.App)).Count);
        // Dropping everything is dropping the active one too.
        (await PatchKeyCredentialsAsync(world.App, [])).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
        Assert.Equal(4, (await KeyCredentialsAsync(world.App)).Count);
    }

    [Fact]
    public async Task one_patch_can_activate_the_new_certificate_and_drop_the_old_one()
    {
        var app = await tenant.CreateAppAsync(tenant.NewScope() + "ServiceNow");
        var first = await tenant.AddCertificateAsync(app.Id());
        var second = await tenant.AddCertificateAsync(app.Id());
        var kept = (await KeyCredentialsAsync(app)).Where(c => c.Text("keyId") == second.Text("keyId")).Cast<object>().ToArray();

        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{app.Id()}",
            new { preferredTokenSigningKeyThumbprint = second.Text("thumbprint"), keyCredentials = kept })).ShouldBe(HttpStatusCode.NoContent);

        Assert.Equal([second.Text("thumbprint")!], await MetadataThumbprintsAsync(app));
        Assert.DoesNotContain(await StoredRowsAsync(app), r => r["thumbprint"] == first.Text("thumbprint"));
    }

    [Fact]
    public async Task new_changed_or_half_listed_key_credentials_are_refused_naming_the_property_and_nothing_changes()
    {
        var world = await RolledOverAsync();
        var read = await KeyCredentialsAsync(world.App);
        using var foreign = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(
            Convert.FromBase64String((await tenant.AddCertificateAsync((await tenant.CreateAppAsync(tenant.NewScope() + "Other")).Id())).Text("key")!));
        var newKey = new
        {
            customKeyIdentifier = (string?)null, keyId = (string?)null, type = "AsymmetricX509Cert", usage = "Verify",
            key = Convert.ToBase64String(foreign.RawData),
        };
        var changedKey = new
        {
            keyId = world.First.Text("keyId"), type = "AsymmetricX509Cert", usage = "Verify", key = Convert.ToBase64String(foreign.RawData),
        };
        var unknownKeyId = new { keyId = Guid.NewGuid().ToString(), type = "AsymmetricX509Cert", usage = "Verify" };

        var refusals = new Dictionary<string, object[]>
        {
            ["addTokenSigningCertificate"] = [.. read, newKey],
            ["different key"] = [.. read.Where(c => c.Text("usage") == "Sign"), changedKey, read.Single(c => c.Text("usage") == "Verify" && c.Text("keyId") == world.Second.Text("keyId"))],
            ["not one of this service principal's"] = [.. read, unknownKeyId],
            ["Sign and Verify"] = [.. read.Where(c => !(c.Text("keyId") == world.First.Text("keyId") && c.Text("usage") == "Verify"))],
        };
        foreach (var (expected, body) in refusals)
        {
            var message = (await PatchKeyCredentialsAsync(world.App, body)).ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");
            Assert.Contains("'keyCredentials'", message);
            Assert.Contains(expected, message);
        }
        (await tenant.Admin.PatchAsync($"/v1.0/servicePrincipals/{world.App.Id()}", new { keyCredentials = "none" }))
            .ShouldBeError(HttpStatusCode.BadRequest, "Request_BadRequest");

        Assert.Equal(read.Select(c => c.GetRawText()), (await KeyCredentialsAsync(world.App)).Select(c => c.GetRawText()));
        Assert.Equal(2, (await StoredRowsAsync(world.App)).Count);
    }

    [Fact]
    public async Task the_command_line_deletes_an_inactive_certificate_and_says_how_to_fix_a_refusal()
    {
        var world = await RolledOverAsync();
        var app = (await Apps.FindAsync(world.App.Id(), default)).Value!;

        var active = await Apps.DeleteCertificateAsync(app, world.Second.Text("thumbprint")!, "test", default);
        var unknown = await Apps.DeleteCertificateAsync(app, "00112233445566778899AABBCCDDEEFF00112233", "test", default);
        var deleted = await Apps.DeleteCertificateAsync(app, world.First.Text("thumbprint")!.ToLowerInvariant(), "test", default);
        var again = await Apps.DeleteCertificateAsync(app, world.First.Text("thumbprint")!, "test", default);

        Assert.Contains("activate another certificate first", active.Problem);
        Assert.Contains("cert activate", active.Problem);
        Assert.Contains("no signing certificate with the thumbprint '00112233445566778899AABBCCDDEEFF00112233'", unknown.Problem);
        Assert.Contains("cert list", unknown.Problem);
        Assert.True(deleted.Succeeded, deleted.Problem);
        Assert.Equal(world.First.Text("thumbprint"), deleted.Value!.Thumbprint);
        Assert.False(again.Succeeded);
        Assert.Equal([world.Second.Text("thumbprint")!], (await Apps.CertificatesOfAsync(app, default)).Select(c => c.Thumbprint));
        Assert.Equal([world.Second.Text("thumbprint")!], await MetadataThumbprintsAsync(world.App));
    }
}
