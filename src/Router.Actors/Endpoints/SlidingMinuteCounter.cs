namespace Router.Actors.Endpoints;

/// <summary>
/// Sum of amounts (requests or tokens) over the last minute, in sixty one-second buckets, so memory stays
/// constant however busy the endpoint is. A bucket leaves the window 60 s after its second began.
/// </summary>
internal sealed class SlidingMinuteCounter
{
    private const int Buckets = 60;
    private readonly long[] _secondOf = new long[Buckets];
    private readonly long[] _amount = new long[Buckets];

    public void Add(DateTimeOffset now, long amount)
    {
        var second = now.ToUnixTimeSeconds();
        var slot = (int)(second % Buckets);
        if (_secondOf[slot] != second)
        {
            _secondOf[slot] = second;
            _amount[slot] = 0;
        }
        _amount[slot] += amount;
    }

    public long Total(DateTimeOffset now)
    {
        var oldest = now.ToUnixTimeSeconds() - Buckets + 1;
        long total = 0;
        for (var i = 0; i < Buckets; i++)
            if (_secondOf[i] >= oldest) total += _amount[i];
        return Math.Max(0, total);
    }

    /// <summary>
    /// How long until the total drops to at most <paramref name="ceiling"/>, as buckets leave the window in order.
    /// </summary>
    public TimeSpan TimeUntilTotalAtMost(DateTimeOffset now, long ceiling)
    {
        var nowSecond = now.ToUnixTimeSeconds();
        var total = Total(now);
        for (var second = nowSecond - Buckets + 1; second <= nowSecond && total > ceiling; second++)
        {
            var slot = (int)(((second % Buckets) + Buckets) % Buckets);
            if (_secondOf[slot] != second) continue;
            total -= _amount[slot];
            if (total <= ceiling)
                return DateTimeOffset.FromUnixTimeSeconds(second + Buckets) - now;
        }
        return total <= ceiling ? TimeSpan.Zero : TimeSpan.FromSeconds(Buckets);
    }
}
