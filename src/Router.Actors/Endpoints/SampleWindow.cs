using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>The last N samples of a measurement (latency, time to first token) and their summary.</summary>
internal sealed class SampleWindow(int capacity)
{
    private readonly double[] _samples = new double[Math.Max(1, capacity)];
    private int _count;
    private int _next;
    private WindowStats? _stats = WindowStats.None;

    public void Add(double value)
    {
        _samples[_next] = value;
        _next = (_next + 1) % _samples.Length;
        if (_count < _samples.Length) _count++;
        _stats = null;
    }

    /// <summary>Mean, p50 and p95; computed once per change, not per read.</summary>
    public WindowStats Stats => _stats ??= Compute();

    private WindowStats Compute()
    {
        Span<double> sorted = _count <= 256 ? stackalloc double[_count] : new double[_count];
        _samples.AsSpan(0, _count).CopyTo(sorted);
        sorted.Sort();
        var sum = 0.0;
        foreach (var s in sorted) sum += s;
        return new WindowStats(_count, sum / _count, Percentile(sorted, 0.50), Percentile(sorted, 0.95));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(ReadOnlySpan<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
