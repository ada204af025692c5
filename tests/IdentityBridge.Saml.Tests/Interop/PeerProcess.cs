using System.Diagnostics;
using System.Text;

namespace IdentityBridge.Saml.Tests.Interop;

/// <summary>What an independent implementation printed and how it exited.</summary>
internal sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the independent SAML implementations the interop tests sign, verify and judge with (xmlsec1, node and python
/// scripts): one process, input on stdin, both outputs read, killed with its children when it overruns.
/// </summary>
internal static class PeerProcess
{
    /// <summary>How long one peer may take; the slowest (pysaml2 calling xmlsec1) needs well under a second.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The nearest directory at or above <paramref name="start"/> that holds IdentityBridge.slnx.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "IdentityBridge.slnx")))
                return directory.FullName;
        throw new InvalidOperationException($"No IdentityBridge.slnx in {start} or any directory above it; the interop tests run from a build inside the repository.");
    }

    /// <summary>The full path of an executable on <paramref name="searchPath"/> (PATH's format), or null.</summary>
    public static string? FindOnPath(string executable, string? searchPath)
    {
        foreach (var directory in (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static async Task<ProcessOutput> RunAsync(string executable, IReadOnlyList<string> arguments, string workingDirectory,
        string? stdin, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // No byte-order mark: JSON.parse refuses one.
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        var standardOutput = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var standardError = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds:0} seconds.");
        }
        return new ProcessOutput(process.ExitCode, await standardOutput, await standardError);
    }
}
