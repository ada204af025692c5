using System.Diagnostics;
using System.Globalization;

namespace IdentityBridge.Cli.Bench;

/// <summary>The process's counters, and the whole machine's CPU time where the OS tells it, at one moment.</summary>
internal readonly record struct ResourceSnapshot(
    TimeSpan ProcessorTime, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long LockContentions, MachineCpu? Machine)
{
    public static ResourceSnapshot Take()
    {
        using var process = Process.GetCurrentProcess();
        return new ResourceSnapshot(process.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), Monitor.LockContentionCount, MachineCpu.Read());
    }
}

/// <summary>
/// The machine's busy and total CPU time from /proc/stat (Linux). On a shared machine the bench competes with
/// whatever else runs; the difference between the machine's busy time and the bench's own says how much.
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    public static MachineCpu? Read()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: >= 8 } || fields[0] != "cpu") return null;
            var values = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = values.Sum();
            return new MachineCpu(total - values[3] - values[4], total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}

/// <summary>
/// What the process spent during a phase and its memory when the phase ended. The bench client and the instance
/// share the process, so every figure covers both sides of the HTTP connection.
/// </summary>
internal sealed record ResourceUsage(
    double CpuPercentOfMachine,
    double? OtherProcessesCpuPercent,
    double AllocatedBytesPerOperation,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    long LockContentions,
    int PoolThreads,
    long WorkingSetBytes,
    long PeakWorkingSetBytes,
    long GcHeapBytes)
{
    public static ResourceUsage Between(ResourceSnapshot before, ResourceSnapshot after, TimeSpan elapsed, long operations)
    {
        using var process = Process.GetCurrentProcess();
        var own = (after.ProcessorTime - before.ProcessorTime) / (elapsed * Environment.ProcessorCount) * 100;
        double? others = null;
        if (before.Machine is { } b && after.Machine is { } a && a.Total > b.Total)
            others = Math.Max(0, (a.Busy - b.Busy) * 100.0 / (a.Total - b.Total) - own);
        return new ResourceUsage(
            own,
            others,
            operations == 0 ? 0 : (after.AllocatedBytes - before.AllocatedBytes) / (double)operations,
            after.Gen0 - before.Gen0,
            after.Gen1 - before.Gen1,
            after.Gen2 - before.Gen2,
            after.LockContentions - before.LockContentions,
            ThreadPool.ThreadCount,
            process.WorkingSet64,
            process.PeakWorkingSet64,
            GC.GetGCMemoryInfo().HeapSizeBytes);
    }
}
