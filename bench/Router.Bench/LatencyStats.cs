using System.Diagnostics;

namespace Router.Bench;

/// <summary>Percentiles of decision latency, in milliseconds, over every caller's samples.</summary>
public sealed record LatencyStats(int Samples, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static LatencyStats From(IEnumerable<LatencyRecorder> recorders)
    {
        var all = new long[recorders.Sum(r => r.Count)];
        var offset = 0;
        foreach (var recorder in recorders)
        {
            recorder.Samples.CopyTo(all.AsSpan(offset));
            offset += recorder.Count;
        }
        if (all.Length == 0) return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        Array.Sort(all);
        return new LatencyStats(all.Length, Ms(Percentile(all, 0.50)), Ms(Percentile(all, 0.90)), Ms(Percentile(all, 0.99)), Ms(all[^1]));
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static long Percentile(long[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
