using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace IdentityBridge.Provisioning.Tests.World;

/// <summary>What a finished <c>idbridge</c> run printed and answered.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>
/// Runs the real <c>idbridge</c> as a child process (<c>dotnet idbridge.dll</c>, built by the test project's
/// reference to the CLI with the same configuration), as a user runs it: arguments, environment, exit code and
/// both output streams. Started runs can be interrupted (SIGINT, as Ctrl+C) or killed outright (SIGKILL), for
/// tests of what survives either.
/// </summary>
public sealed class CliRunner
{
    private static readonly Lazy<string> Dll = new(Locate);

    /// <summary>Variables set for every run; inherited <c>IDBRIDGE_*</c> variables are removed first so the host's environment cannot leak in.</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>How long <see cref="RunAsync(string[])"/> waits before it kills the process and fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);

    public string? WorkingDirectory { get; init; }

    /// <summary>The path of idbridge.dll that runs.</summary>
    public static string CliPath => Dll.Value;

    /// <summary>A runner like this one with one more environment variable (or one removed, with null).</summary>
    public CliRunner With(string name, string? value)
    {
        var runner = new CliRunner { Timeout = Timeout, WorkingDirectory = WorkingDirectory };
        foreach (var (key, existing) in Environment) runner.Environment[key] = existing;
        runner.Environment[name] = value;
        return runner;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        await using var process = Start(args);
        return await process.WaitForExitAsync(Timeout);
    }

    public CliProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = WorkingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("IDBRIDGE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        foreach (var (name, value) in Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return new CliProcess(start);
    }

    /// <summary>The dotnet host running the tests, so the CLI runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = System.Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        return "dotnet";
    }

    /// <summary>
    /// idbridge.dll of the same configuration as this test assembly, under the repository's src/IdentityBridge.Cli;
    /// <c>IDBRIDGE_CLI_DLL</c> points elsewhere.
    /// </summary>
    private static string Locate()
    {
        if (System.Environment.GetEnvironmentVariable("IDBRIDGE_CLI_DLL") is { Length: > 0 } given) return Path.GetFullPath(given);
        var configuration = typeof(CliRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "IdentityBridge.slnx"))) continue;
            var dll = Path.Combine(directory.FullName, "src", "IdentityBridge.Cli", "bin", configuration, "net10.0", "idbridge.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"idbridge.dll is not at {dll}; build src/IdentityBridge.Cli with -c {configuration} (the test project's reference does).");
        }
        throw new DirectoryNotFoundException($"No IdentityBridge.slnx above {AppContext.BaseDirectory}; set IDBRIDGE_CLI_DLL to idbridge.dll.");
    }
}

/// <summary>A started <c>idbridge</c>: its output so far, waits on it, and signals.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal CliProcess(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _output, _outputClosed);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _error, _errorClosed);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public string Error
    {
        get
        {
            lock (_output) return _error.ToString();
        }
    }

    private void OnLine(string? line, StringBuilder into, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            lock (_output)
                if (_outputClosed.Task.IsCompleted && _errorClosed.Task.IsCompleted)
                    foreach (var (_, found) in _waiters) found.TrySetException(new InvalidOperationException("The process ended before the line was printed."));
            return;
        }
        lock (_output)
        {
            into.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => w.Predicate(line)).ToList())
            {
                waiter.Found.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>The first line (stdout or stderr, printed before or after the call) that <paramref name="predicate"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var seen = (_output + "\n" + _error).Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(predicate);
            if (seen is not null) return seen;
            if (_outputClosed.Task.IsCompleted && _errorClosed.Task.IsCompleted)
                throw new InvalidOperationException($"The process ended without printing the line.\n{Output}\n{Error}");
            _waiters.Add((predicate, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No such line within {timeout}.\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}");
        }
    }

    /// <summary>Sends SIGINT, what Ctrl+C sends.</summary>
    public void Interrupt() => Signal("INT");

    /// <summary>Sends SIGTERM, what a service manager sends to stop.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Kills the process at once (SIGKILL): nothing of it runs any more, as in a crash or a power cut.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private void Signal(string signal)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Signals are sent with kill(1), which Windows does not have.");
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {Id} failed with exit code {kill.ExitCode}.");
    }

    /// <summary>Waits for the process to end and its output to be read; kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"idbridge did not end within {timeout}.\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}");
        }
        return new CliResult(_process.ExitCode, Output, Error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
