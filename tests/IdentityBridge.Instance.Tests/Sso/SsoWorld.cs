using IdentityBridge.Instance.Sso;
using Microsoft.Extensions.DependencyInjection;

namespace IdentityBridge.Instance.Tests.Sso;

/// <summary>Builds the records a Multi-Provider SSO test needs, through the Table API as the bootstrap admin.</summary>
public static class SsoWorld
{
    /// <summary>A trust-store certificate record; answers its sys_id.</summary>
    public static async Task<string> CreateCertificateAsync(this RunningInstance instance, string name,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        (await instance.CreateAsync("sys_certificate", new { name, pem_certificate = TestCertificates.Pem(certificate) })).SysId();

    /// <summary>An inactive SAML identity provider with the given entity id and certificates.</summary>
    public static async Task<JsonElement> CreateIdentityProviderAsync(this RunningInstance instance, string name, string entityId,
        params string[] certificates) =>
        await instance.CreateAsync("saml2_update1_properties", new
        {
            name,
            idp = entityId,
            idp_authnrequest_url = entityId + "/saml2",
            x509_cert = string.Join(",", certificates),
        });

    /// <summary>An active identity provider with a current certificate and a passed Test Connection.</summary>
    public static async Task<JsonElement> CreateActiveIdentityProviderAsync(this RunningInstance instance, string name, string entityId,
        object? more = null)
    {
        var certificate = await instance.CreateCertificateAsync(name + " signing", TestCertificates.Current(name));
        var record = await instance.CreateIdentityProviderAsync(name, entityId, certificate);
        await instance.Services.GetRequiredService<IdentityProviderDirectory>().RecordTestResultAsync(record.SysId(), true, default);
        var values = new Dictionary<string, object?> { ["active"] = "true" };
        if (more is not null)
            foreach (var property in JsonSerializer.SerializeToElement(more).EnumerateObject()) values[property.Name] = property.Value;
        return (await instance.Admin.PatchAsync($"/api/now/table/saml2_update1_properties/{record.SysId()}", values))
            .ShouldBe(HttpStatusCode.OK).Result;
    }

    public static async Task<string?> PropertyAsync(this RunningInstance instance, string name) =>
        (await instance.Admin.GetAsync($"/api/now/table/sys_properties?name={name}&sysparm_fields=value"))
        .ShouldBe(HttpStatusCode.OK).Rows.Single().Text("value");
}
