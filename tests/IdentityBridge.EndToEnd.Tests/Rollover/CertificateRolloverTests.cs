using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IdentityBridge.EndToEnd.Tests.Browser;
using IdentityBridge.EndToEnd.Tests.Hosting;
using IdentityBridge.EndToEnd.Tests.Interop;

namespace IdentityBridge.EndToEnd.Tests.Rollover;

/// <summary>
/// Rolling an app's SAML signing certificate over with no sign-in gap (spec/saml.md 1.5, 1.8): the admin adds a new
/// certificate in the tenant, which stays inactive but is listed in the app's federation metadata at once; the
/// instance's daily "Refresh MultiSSO IDP Metadata" then trusts both; the admin makes the new one active, and the very
/// next sign-in, signed with it, is accepted without waiting for another refresh. The tenant keeps listing the old
/// certificate in the metadata until it expires (it is inactive, not gone, as in Entra), so the instance goes on
/// trusting it until then, unless the admin deletes it: then the next refresh stops trusting it. An instance that did
/// not refresh in between refuses the new signature: the refresh is what closes the gap.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CertificateRolloverTests(Stack stack)
{
    /// <summary>The instance's validation codes (docs/sso.md) for a signature by a key the record does not trust.</summary>
    private static readonly string[] UntrustedSignature = ["CERTIFICATE_MISMATCH", "SIGNATURE_INVALID"];

    private sealed record World(EnterpriseApp App, TenantUser User, string Record, X509Certificate2 First, TenantBrowser Browser);

    /// <summary>An app signing with its first certificate, the instance having imported its metadata, and the user signed in to the tenant.</summary>
    private async Task<World> ImportedAsync()
    {
        var instance = await stack.StartInstanceAsync();
        var app = await stack.CreateEnterpriseAppAsync(stack.NewScope() + "ServiceNow", instance);
        var user = await stack.CreateTenantUserAsync("Diego", "Siciliani");
        await stack.AssignAsync(app, user);
        await instance.CreateUserAsync(user);
        await stack.TrustTenantHttpsAsync(instance);
        var record = await stack.ImportInstanceIdentityProviderAsync(app);
        var browser = new TenantBrowser(stack);
        await browser.SignInAsync(user);
        return new World(app, user, record, await stack.SigningCertificateAsync(app), browser);
    }

    /// <summary>A tile sign-in to the instance: the tenant's response, as the browser posts it to the instance.</summary>
    private static async Task<(SignInLanding Landing, CapturedSamlPost Posted)> TileSignInAsync(World world)
    {
        var posted = await world.Browser.LaunchAsync(world.App);
        return (await world.App.Instance.PostSamlFormAsync(posted, world.Browser.Origin), posted);
    }

    /// <summary>Whether the response carries this certificate in its signature's KeyInfo, as Entra's do: which key signed it.</summary>
    private static bool SignedWith(CapturedSamlPost posted, X509Certificate2 certificate) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(posted.SamlResponse!)).Contains(Convert.ToBase64String(certificate.RawData), StringComparison.Ordinal);

    private static void ShouldHaveSignedIn(SignInLanding landing, string when) =>
        Assert.True(landing.Status == HttpStatusCode.Found && landing.StartedSession, $"The instance refused the sign-in {when}: {landing}");

    private static string[] Thumbprints(params X509Certificate2[] certificates) =>
        certificates.Select(c => c.Thumbprint.ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task new_certificate_trusted_by_a_refresh_before_it_is_activated_signs_in_at_once_with_no_gap()
    {
        var world = await ImportedAsync();
        using var _ = world.Browser;
        var instance = world.App.Instance;

        var second = await stack.AddSigningCertificateAsync(world.App);
        var added = await instance.RefreshMetadataAsync(world.Record);

        Assert.Equal(Instance.Sso.MetadataRefreshStatus.Updated, added.Status);
        Assert.Equal(Thumbprints(world.First, second), await instance.TrustedThumbprintsAsync(stack.TenantIssuer));
        var (beforeSwitch, signedBefore) = await TileSignInAsync(world);
        Assert.True(SignedWith(signedBefore, world.First), "Before the switch the tenant should still sign with the first certificate.");
        ShouldHaveSignedIn(beforeSwitch, "signed with the first certificate while both are trusted");

        await stack.ActivateSigningCertificateAsync(world.App, second);
        var (afterSwitch, signedAfter) = await TileSignInAsync(world);

        Assert.True(SignedWith(signedAfter, second), "Once activated, the second certificate should sign the next response.");
        ShouldHaveSignedIn(afterSwitch, "signed with the just-activated certificate, with no refresh in between");

        // The tenant lists every certificate of the app that has not expired, the inactive first one included, so
        // the next refresh keeps trusting it: it is retired when it expires or the metadata stops listing it.
        var metadata = await stack.TenantGetStringAsync(stack.FederationMetadataUrl(world.App.AppId));
        Assert.Contains(Convert.ToBase64String(world.First.RawData), metadata, StringComparison.Ordinal);
        var next = await instance.RefreshMetadataAsync(world.Record);
        Assert.Equal(Instance.Sso.MetadataRefreshStatus.Unchanged, next.Status);
        Assert.Equal(Thumbprints(world.First, second), await instance.TrustedThumbprintsAsync(stack.TenantIssuer));
        ShouldHaveSignedIn((await TileSignInAsync(world)).Landing, "after the refresh that followed the switch");
    }

    [Fact]
    public async Task instance_that_did_not_refresh_after_the_new_certificate_was_added_refuses_its_signature_until_it_refreshes()
    {
        var world = await ImportedAsync();
        using var _ = world.Browser;
        var instance = world.App.Instance;
        var second = await stack.AddSigningCertificateAsync(world.App);
        await stack.ActivateSigningCertificateAsync(world.App, second);

        var (refused, posted) = await TileSignInAsync(world);

        Assert.True(SignedWith(posted, second));
        Assert.True(refused.Status == HttpStatusCode.Unauthorized && !refused.StartedSession,
            $"The instance should refuse a signature by a certificate it has not imported: {refused}");
        // ServiceNow's words, naming the certificate that signed (by its SHA-256) so the admin sees which one to import.
        Assert.Contains("Could not validate SAML Response", refused.Body);
        Assert.Contains("actual: CN=Microsoft Azure Federated SSO Certificate (SHA-256 " + Convert.ToHexString(SHA256.HashData(second.RawData))[..16], refused.Body);
        Assert.Equal(Thumbprints(world.First), await instance.TrustedThumbprintsAsync(stack.TenantIssuer));
        var logged = await instance.SyslogMessagesAsync("source=SAML2");
        Assert.True(logged.Any(m => UntrustedSignature.Any(code => m.Contains(code, StringComparison.Ordinal))),
            "The instance's log should say the signature is by a key it does not trust; it has: " + string.Join(" | ", logged));

        var refreshed = await instance.RefreshMetadataAsync(world.Record);

        Assert.Equal(Instance.Sso.MetadataRefreshStatus.Updated, refreshed.Status);
        ShouldHaveSignedIn((await TileSignInAsync(world)).Landing, "once the refresh imported the new certificate");
    }

    [Fact]
    public async Task deleting_the_old_certificate_after_the_switch_makes_the_next_refresh_stop_trusting_it()
    {
        var world = await ImportedAsync();
        using var _ = world.Browser;
        var instance = world.App.Instance;
        var second = await stack.AddSigningCertificateAsync(world.App);
        Assert.Equal(Instance.Sso.MetadataRefreshStatus.Updated, (await instance.RefreshMetadataAsync(world.Record)).Status);
        await stack.ActivateSigningCertificateAsync(world.App, second);

        // Entra's "Delete Certificate": the admin's Graph client writes back keyCredentials without the old
        // certificate's Sign and Verify entries.
        var path = $"/v1.0/servicePrincipals/{world.App.Id}";
        var firstKeyId = Convert.ToBase64String(world.First.GetCertHash(HashAlgorithmName.SHA1));
        var read = await stack.GraphAsync(HttpMethod.Get, path, null, HttpStatusCode.OK);
        var kept = read.GetProperty("keyCredentials").EnumerateArray()
            .Where(c => c.GetProperty("customKeyIdentifier").GetString() != firstKeyId).Select(c => c.Clone()).ToArray();
        Assert.Equal(2, kept.Length);
        await stack.GraphAsync(HttpMethod.Patch, path, new { keyCredentials = kept }, HttpStatusCode.NoContent);

        var metadata = await stack.TenantGetStringAsync(stack.FederationMetadataUrl(world.App.AppId));
        Assert.DoesNotContain(Convert.ToBase64String(world.First.RawData), metadata, StringComparison.Ordinal);
        Assert.Contains(Convert.ToBase64String(second.RawData), metadata, StringComparison.Ordinal);
        Assert.Equal(Thumbprints(world.First, second), await instance.TrustedThumbprintsAsync(stack.TenantIssuer));

        var refreshed = await instance.RefreshMetadataAsync(world.Record);

        Assert.Equal(Instance.Sso.MetadataRefreshStatus.Updated, refreshed.Status);
        var trusted = await instance.TrustedThumbprintsAsync(stack.TenantIssuer);
        Assert.DoesNotContain(world.First.Thumbprint.ToUpperInvariant(), trusted);
        Assert.Equal(Thumbprints(second), trusted);
        var (landing, posted) = await TileSignInAsync(world);
        Assert.True(SignedWith(posted, second), "The remaining, active certificate should sign.");
        ShouldHaveSignedIn(landing, "signed with the remaining certificate after the old one was deleted");
    }
}
