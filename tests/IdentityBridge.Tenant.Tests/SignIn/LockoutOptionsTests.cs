using IdentityBridge.Tenant.Hosting;
using IdentityBridge.Testing.Stores;

namespace IdentityBridge.Tenant.Tests.SignIn;

/// <summary>Smart lockout's options are checked when the tenant starts, with a message that says what to give.</summary>
public sealed class LockoutOptionsTests
{
    [Theory]
    [InlineData(0, 60, "LockoutThreshold")]
    [InlineData(10, 0, "LockoutDuration")]
    [InlineData(10, 7200, "LockoutDuration")]
    public async Task a_tenant_with_unusable_lockout_options_does_not_start(int threshold, int seconds, string option)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-tenant-tests", Guid.NewGuid().ToString("n"));
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => TenantApp.StartAsync(new TenantOptions
            {
                Urls = "http://127.0.0.1:0",
                DataDirectory = dataDirectory,
                PasswordIterations = TestStores.PasswordIterations,
                LockoutThreshold = threshold,
                LockoutDuration = TimeSpan.FromSeconds(seconds),
            }, logging => { }));

            Assert.Contains("TenantOptions." + option, error.Message);
            Assert.Contains("Entra's default", error.Message);
        }
        finally
        {
            if (System.IO.Directory.Exists(dataDirectory)) System.IO.Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
