namespace Router.Actors.Endpoints;

/// <summary>
/// Sum of amounts (requests or tokens) over the last minute, in sixty one-second buckets, so memory stays
/// constant however busy the endpoint is. A bucket leaves the window 60 s after its second began.
/// </summary>
internal sealed class SlidingMinuteCounter
{
    public const int Buckets = 60;
    private readonly long[] _secondOf = new long[Buckets];
    private readonly long[] _amount = new long[Buckets];

    public void Add(DateTimeOffset now, long amount) => AddAt(now, amount, now);

    /// <summary>
    /// Adds to the bucket of <paramref name="at"/> (a past grant's second: corrections and rebuilt windows land
    /// where the grant was counted), unless that second has left the window. A bucket never goes below zero.
    /// </summary>
    public void AddAt(DateTimeOffset at, long amount, DateTimeOffset now)
    {
        var second = at.ToUnixTimeSeconds();
        if (second <= now.ToUnixTimeSeconds() - Buckets) return;
        var slot = (int)(((second % Buckets) + Buckets) % Buckets);
        if (_secondOf[slot] > second) return; // reused by a later second: this one is out of the window
        if (_secondOf[slot] != second)
        {
            _secondOf[slot] = second;
            _amount[slot] = 0;
        }
        _amount[slot] = Math.Max(0, _amount[slot] + amount);
    }

    public long Total(DateTimeOffset now) => TotalInWindowEndingAt(now, includeLater: true);

    /// <summary>The sum over the minute ending at <paramref name="end"/> (later seconds only if asked).</summary>
    public long TotalInWindowEndingAt(DateTimeOffset end, bool includeLater = false)
    {
        var last = end.ToUnixTimeSeconds();
        var oldest = last - Buckets + 1;
        long total = 0;
        for (var i = 0; i < Buckets; i++)
            if (_secondOf[i] >= oldest && (includeLater || _secondOf[i] <= last)) total += _amount[i];
        return Math.Max(0, total);
    }

    /// <summary>The non-empty buckets of the window, oldest first.</summary>
    public IEnumerable<(DateTimeOffset Second, long Amount)> Window(DateTimeOffset now)
    {
        var oldest = now.ToUnixTimeSeconds() - Buckets + 1;
        for (var second = oldest; second <= now.ToUnixTimeSeconds(); second++)
        {
            var slot = (int)(second % Buckets);
            if (_secondOf[slot] == second && _amount[slot] != 0) yield return (DateTimeOffset.FromUnixTimeSeconds(second), _amount[slot]);
        }
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
