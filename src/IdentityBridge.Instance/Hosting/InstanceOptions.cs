using IdentityBridge.Storage.Security;

namespace IdentityBridge.Instance.Hosting;

/// <summary>How an instance runs. Every option has a safe default.</summary>
public sealed record InstanceOptions
{
    /// <summary>Addresses to listen on; loopback by default.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5200";
    /// <summary>Directory of the SQLite file (<c>instance.db</c>) when no PostgreSQL connection string is given.</summary>
    public string DataDirectory { get; init; } = "./data/instance";
    public string? PostgresConnectionString { get; init; }
    /// <summary>
    /// The URL users and identity providers reach the instance at (<c>https://sso.example.org</c>), when it differs
    /// from the listen address (behind a proxy). The SAML ACS URLs and the default entity id are built from it.
    /// Default: the first listen address.
    /// </summary>
    public string? PublicBaseUrl { get; init; }
    /// <summary>Password of the <c>admin</c> user created on first start; generated and printed once when absent.</summary>
    public string? AdminPassword { get; init; }
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;
    /// <summary>Largest request body accepted by the REST APIs.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Where a generated admin password is announced; standard output by default.</summary>
    public TextWriter? Announce { get; init; }
}
