using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace IdentityBridge.Testing.Postgres;

/// <summary>
/// A real PostgreSQL server of the test run's own: <c>initdb</c> into a fresh directory, listening on a free port of
/// 127.0.0.1 only, each test getting a brand-new database from <see cref="CreateDatabaseAsync"/>. Authentication is
/// <c>trust</c> and durability is off (fsync, synchronous_commit, full_page_writes): the server is loopback-only and
/// thrown away with its directory when it stops.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Set to <c>1</c> to skip, rather than fail, the PostgreSQL tests where PostgreSQL is not installed.</summary>
    public const string SkipVariable = "IDBRIDGE_SKIP_POSTGRES";

    public const string Superuser = "postgres";

    private const string DirectoryPrefix = "idbridge-pg-";
    private const string RunUser = "/usr/sbin/runuser";

    // One server per test process: starting PostgreSQL costs a second or two, a database a few milliseconds.
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly PostgresInstallation _installation;
    private readonly bool _asPostgresUser;
    private readonly NpgsqlDataSource _admin;
    private int _databases;
    private int _stopped;

    private PostgresServer(PostgresInstallation installation, bool asPostgresUser, string directory, int port)
    {
        _installation = installation;
        _asPostgresUser = asPostgresUser;
        Directory = directory;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Database = "postgres",
            Timeout = 30,
            CommandTimeout = 60,
            IncludeErrorDetail = true,
        }.ConnectionString;
        _admin = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>True when the PostgreSQL server binaries are installed on this machine.</summary>
    public static bool IsAvailable => PostgresInstallation.Find() is not null;

    /// <summary>
    /// Why the PostgreSQL tests are skipped, or null when they must run. They are skipped only where PostgreSQL is
    /// missing and <see cref="SkipVariable"/> is 1; where it is installed they always run.
    /// </summary>
    public static string? SkipReason =>
        !IsAvailable && Environment.GetEnvironmentVariable(SkipVariable) == "1"
            ? $"PostgreSQL is not installed and {SkipVariable}=1."
            : null;

    public static string NotInstalledMessage =>
        $"PostgreSQL is not installed: no {PostgresInstallation.Root}/<version>/bin/initdb. Install it with " +
        "`apt-get install postgresql` (the tests start a server of their own; no cluster needs to run), or set " +
        $"{SkipVariable}=1 to skip the PostgreSQL variants of the tests.";

    /// <summary>The directory that holds the data directory, the socket and the server log.</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>The superuser's connection string to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    private string DataDirectory => Path.Combine(Directory, "data");
    private string LogFile => Path.Combine(Directory, "server.log");

    /// <summary>The server shared by every test of this process, started on first use and stopped at exit.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var installation = PostgresInstallation.Find() ?? throw new InvalidOperationException(NotInstalledMessage);
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The test server runs on Linux.");
        // initdb and postgres refuse to run as root, so root runs them as the postgres user the package creates.
        var asPostgresUser = Environment.UserName == "root";
        var parent = asPostgresUser ? "/tmp" : Path.GetTempPath();
        RemoveAbandoned(installation, asPostgresUser, parent);

        var directory = Path.Combine(parent,
            $"{DirectoryPrefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        System.IO.Directory.CreateDirectory(directory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        try
        {
            if (asPostgresUser) await RunAsync(["chown", $"{Superuser}:{Superuser}", directory], directory, cancellationToken);
            return await InitializeAndStartAsync(installation, asPostgresUser, directory, cancellationToken);
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    private static async Task<PostgresServer> InitializeAndStartAsync(PostgresInstallation installation, bool asPostgresUser,
        string directory, CancellationToken cancellationToken)
    {
        var data = Path.Combine(directory, "data");
        await RunAsync(AsPostgresUser(asPostgresUser, installation.InitDb,
                "-D", data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"),
            directory, cancellationToken);
        await File.AppendAllLinesAsync(Path.Combine(data, "postgresql.conf"),
        [
            "# IdentityBridge test server: loopback only, thrown away after the run.",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{directory}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 300",
        ], cancellationToken);

        // The port is free when chosen but another process may take it before the server binds; try again then.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var server = new PostgresServer(installation, asPostgresUser, directory, port);
            try
            {
                await RunAsync(AsPostgresUser(asPostgresUser, installation.PgCtl, "-D", data, "-l", server.LogFile,
                        "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)}", "-w", "-t", "60", "start"),
                    directory, cancellationToken);
                server.StartWatchdog();
                return server;
            }
            catch (InvalidOperationException e)
            {
                await server._admin.DisposeAsync();
                var log = File.Exists(server.LogFile) ? await File.ReadAllTextAsync(server.LogFile, cancellationToken) : "";
                if (attempt < 3 && log.Contains("could not bind", StringComparison.Ordinal)) continue;
                throw new InvalidOperationException($"PostgreSQL did not start in {directory}: {e.Message}\n{Tail(log)}", e);
            }
        }
    }

    /// <summary>Creates an empty database with a name of its own and returns the connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = "idbridge_" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture);
        await using (var command = _admin.CreateCommand($"CREATE DATABASE \"{name}\""))
            await command.ExecuteNonQueryAsync(cancellationToken);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the server at once (its data is thrown away) and deletes its directory.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _admin.Dispose();
        StopServer(_installation, _asPostgresUser, DataDirectory);
        TryDelete(Directory);
    }

    private static void StopServer(PostgresInstallation installation, bool asPostgresUser, string data)
    {
        if (!File.Exists(Path.Combine(data, "postmaster.pid"))) return;
        try
        {
            RunAsync(AsPostgresUser(asPostgresUser, installation.PgCtl, "-D", data, "-m", "immediate", "-w", "stop"),
                Path.GetDirectoryName(data)!, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the directory goes anyway.
        }
    }

    /// <summary>
    /// Stops the server and deletes its directory once this process is gone, however it ended: the test host may
    /// be killed before exit handlers run, and a server must not outlive its test run. The watchdog runs in a session
    /// of its own so that stopping the test run's process group does not take it down first.
    /// </summary>
    private void StartWatchdog()
    {
        const string script = """
            pid=$1; dir=$2; shift 2
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$pid" && [ -d "$dir" ]; do sleep 1; done
            if [ -f "$dir/data/postmaster.pid" ]; then "$@" -D "$dir/data" -m immediate -w stop; fi
            rm -rf "$dir"
            """;
        var start = new ProcessStartInfo { FileName = "setsid", UseShellExecute = false, WorkingDirectory = "/" };
        string[] arguments = ["/bin/sh", "-c", script, "idbridge-pg-watchdog",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Directory, .. AsPostgresUser(_asPostgresUser, _installation.PgCtl)];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var watchdog = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No setsid: the exit handler still stops the server when the process ends normally.
        }
    }

    /// <summary>Stops and deletes the servers of earlier test processes that were killed before they could.</summary>
    private static void RemoveAbandoned(PostgresInstallation installation, bool asPostgresUser, string parent)
    {
        foreach (var directory in System.IO.Directory.EnumerateDirectories(parent, DirectoryPrefix + "*"))
        {
            var name = Path.GetFileName(directory)[DirectoryPrefix.Length..];
            var dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (IsRunning(pid)) continue;
            StopServer(installation, asPostgresUser, Path.Combine(directory, "data"));
            TryDelete(directory);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The command line that runs a command as the postgres user: runuser, or su where it is missing.</summary>
    private static string[] AsPostgresUser(bool asPostgresUser, params string[] command) =>
        !asPostgresUser ? command
        : File.Exists(RunUser) ? [RunUser, "-u", Superuser, "--", .. command]
        : ["su", "-s", "/bin/sh", "-c", "exec \"$0\" \"$@\"", "--", Superuser, .. command];

    private static async Task RunAsync(IReadOnlyList<string> command, string workingDirectory,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = command[0],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{string.Join(" ", command)} exited with code {process.ExitCode}: {(await output + await error).Trim()}");
    }

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    private static void TryDelete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
