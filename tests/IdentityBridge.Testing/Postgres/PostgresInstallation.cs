using System.Globalization;

namespace IdentityBridge.Testing.Postgres;

/// <summary>
/// The PostgreSQL server binaries of this machine, as Debian's <c>postgresql</c> package lays them out
/// (<c>/usr/lib/postgresql/&lt;major&gt;/bin</c>); the newest major version wins.
/// </summary>
public sealed record PostgresInstallation(int MajorVersion, string BinDirectory)
{
    public const string Root = "/usr/lib/postgresql";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>The newest installation with both initdb and pg_ctl, or null when PostgreSQL is not installed.</summary>
    public static PostgresInstallation? Find()
    {
        if (!Directory.Exists(Root)) return null;
        return Directory.EnumerateDirectories(Root)
            .Select(directory => int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture,
                out var major) ? new PostgresInstallation(major, Path.Combine(directory, "bin")) : null)
            .OfType<PostgresInstallation>()
            .Where(i => File.Exists(i.InitDb) && File.Exists(i.PgCtl))
            .MaxBy(i => i.MajorVersion);
    }
}
