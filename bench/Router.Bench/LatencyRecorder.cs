namespace Router.Bench;

/// <summary>One caller's decision latencies in <see cref="System.Diagnostics.Stopwatch"/> ticks: a preallocated array, grown only if it fills.</summary>
public sealed class LatencyRecorder(int capacity = 1 << 15)
{
    private long[] _ticks = new long[capacity];

    public int Count { get; private set; }

    public void Add(long ticks)
    {
        if (Count == _ticks.Length) Array.Resize(ref _ticks, _ticks.Length * 2);
        _ticks[Count++] = ticks;
    }

    public ReadOnlySpan<long> Samples => _ticks.AsSpan(0, Count);

    public void Reset() => Count = 0;
}
