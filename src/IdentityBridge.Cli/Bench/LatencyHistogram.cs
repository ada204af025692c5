using System.Numerics;

namespace IdentityBridge.Cli.Bench;

/// <summary>
/// Latencies in microseconds, counted in log-linear buckets (HdrHistogram's layout): exact below 128 µs, then 64
/// buckets per power of two, so a percentile is within 1.6 % of the true value. Recording is a shift and an
/// increment on a pre-allocated array, so measuring does not allocate or contend: each worker owns one histogram
/// and they are merged when the phase ends.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int ExactBelow = 128;
    private const int SubBuckets = 64;
    private const int SubBucketBits = 6;
    // 2^40 µs is twelve days: beyond anything a request may take, so the last bucket never saturates in practice.
    private const int MaxExponent = 40;
    private const int BucketCount = ExactBelow + (MaxExponent - 7 + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }
    public long MaxMicroseconds { get; private set; }

    public void Record(TimeSpan elapsed)
    {
        var micros = Math.Max(0, elapsed.Ticks / TimeSpan.TicksPerMicrosecond);
        _counts[Index(micros)]++;
        Count++;
        if (micros > MaxMicroseconds) MaxMicroseconds = micros;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        MaxMicroseconds = Math.Max(MaxMicroseconds, other.MaxMicroseconds);
    }

    /// <summary>The latency below which the given fraction of the recorded ones fall, in milliseconds.</summary>
    public double PercentileMilliseconds(double fraction)
    {
        if (Count == 0) return double.NaN;
        var rank = Math.Max(1, (long)Math.Ceiling(fraction * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(Midpoint(i), MaxMicroseconds) / 1000.0;
        }
        return MaxMicroseconds / 1000.0;
    }

    private static int Index(long micros)
    {
        if (micros < ExactBelow) return (int)micros;
        var exponent = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)micros), MaxExponent);
        var shift = exponent - SubBucketBits;
        var mantissa = (int)Math.Min(micros >> shift, 2 * SubBuckets - 1); // in [64, 128)
        return ExactBelow + (exponent - 7) * SubBuckets + (mantissa - SubBuckets);
    }

    private static double Midpoint(int index)
    {
        if (index < ExactBelow) return index;
        var k = index - ExactBelow;
        var shift = 7 + k / SubBuckets - SubBucketBits;
        var low = (long)(SubBuckets + k % SubBuckets) << shift;
        return low + ((1L << shift) - 1) / 2.0;
    }
}
