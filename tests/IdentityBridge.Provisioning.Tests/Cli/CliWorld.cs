using IdentityBridge.Provisioning.Tests.World;

namespace IdentityBridge.Provisioning.Tests.Cli;

/// <summary>
/// One test's command line against the shared tenant and instance: a provisioning store of its own under a
/// temporary directory, the secrets in environment variables as the guide recommends, and the options that create a
/// job on this tenant and instance.
/// </summary>
internal sealed class CliWorld : IDisposable
{
    private readonly ProvisioningWorld _world;

    public CliWorld(ProvisioningWorld world)
    {
        _world = world;
        DataDirectory = Path.Combine(Path.GetTempPath(), "idbridge-cli-tests", Guid.NewGuid().ToString("n"));
        Runner = new CliRunner { WorkingDirectory = Path.GetTempPath() };
        Runner.Environment["IDBRIDGE_PROVISIONING_DATA"] = DataDirectory;
        Runner.Environment["IDBRIDGE_SOURCE_CLIENT_SECRET"] = world.Tenant.ClientSecret;
        Runner.Environment["IDBRIDGE_INSTANCE_PASSWORD"] = InstanceServer.AdminPassword;
    }

    public string DataDirectory { get; }

    public CliRunner Runner { get; }

    public Task<CliResult> RunAsync(params string[] args) => Runner.RunAsync(args);

    /// <summary><c>job create</c> for this tenant and instance, with the given name and more options.</summary>
    public string[] CreateArgs(string name, params string[] more) =>
    [
        "job", "create", "--name", name,
        "--graph-url", _world.Tenant.GraphUrl.ToString(),
        "--tenant-id", _world.Tenant.TenantId,
        "--client-id", _world.Tenant.ClientId,
        "--tenant-certificate-sha256", _world.Tenant.CertificateSha256,
        "--instance-url", _world.Instance.BaseUrl,
        "--instance-user", InstanceServer.AdminUserName,
        .. more,
    ];

    /// <summary>Creates a job through the CLI and fails the test with its output when it does not succeed.</summary>
    public async Task<CliResult> CreateJobAsync(string name, params string[] more)
    {
        var created = await RunAsync(CreateArgs(name, more));
        Assert.True(created.ExitCode == 0, created.ToString());
        return created;
    }

    /// <summary>Writes a file under the test's directory and answers its path.</summary>
    public string File(string name, string content)
    {
        Directory.CreateDirectory(DataDirectory);
        var path = Path.Combine(DataDirectory, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
    }
}
