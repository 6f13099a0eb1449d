using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Prefers the fastest endpoints: mean latency, or mean time to first token for streaming requests.
/// Unmeasured endpoints are tried first, stale ones are re-probed now and then so a once-slow endpoint can
/// recover, and otherwise the pick is random among those within <see cref="StrategySettings.LatencyBuffer"/>
/// of the best, or within the best one's own spread of samples (p95 − p50), so the fastest endpoint is not flooded.
/// </summary>
/// <remarks>
/// In a large group the group's picture (<see cref="LatencyPicture"/>: its unmeasured endpoints, its stalest, and
/// those near the best) is taken again every <see cref="LatencyPicture.Refresh"/>; a decision's shortlist is a few
/// unmeasured, the stalest few, and a random run of those near the best, and the pick applies the same three rules to
/// them, with the group's best as the measure of "near".
/// </remarks>
public sealed class LatencyStrategy : IRoutingStrategy
{
    public const string StrategyName = "latency";

    // When this instance last sent a re-probe to each endpoint: without it every request arriving before
    // the probe's sample lands would see the same stale endpoint and stampede it.
    private readonly Dictionary<string, DateTimeOffset> _reprobedAt = new(StringComparer.Ordinal);

    private LatencyPicture? _picture;

    public string Name => StrategyName;

    public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
    {
        if (_picture is null || _picture.IsOutdated(group.Endpoints, context.Now))
            _picture = LatencyPicture.Take(group, context, _reprobedAt);
        return _picture.Shortlist(context, shortlist);
    }

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var shortlisted = context.Shortlisted && _picture is not null;
        var stream = shortlisted ? _picture!.UsesTimeToFirstToken(context.Request.Stream) : UseTimeToFirstToken(candidates, context.Request.Stream);

        // (a) No sample yet: nothing to compare, so measure it, one request at a time so a new endpoint
        // is not flooded before its first sample lands.
        for (var i = 0; i < candidates.Count; i++)
            if (Metric(candidates[i].Snapshot, stream).Samples == 0 && candidates[i].InFlight == 0)
                return i;

        // (b) Re-probe the stalest endpoint whose last sample is older than the window, at most once per
        // window per endpoint. A zero or negative window disables re-probing.
        if (Stalest(candidates, context) is var stalest and >= 0)
        {
            _reprobedAt[candidates[stalest].Id] = context.Now;
            return stalest;
        }

        // (c) Uniformly among measured endpoints near the best: the group's best in a shortlist, else the candidates'.
        var limit = shortlisted ? _picture!.NearBestLimit(stream) : NearBestLimit(candidates, stream, context.Settings);
        var near = NearBest(candidates, stream, limit, context.Random);
        // None of the shortlist is near the group's best any more (they slowed down since the picture): the candidates' best.
        return near >= 0 || !shortlisted ? near : NearBest(candidates, stream, NearBestLimit(candidates, stream, context.Settings), context.Random);
    }

    /// <summary>The stalest candidate whose last sample is older than the re-probe window and that this instance has not
    /// re-probed within it; -1 for none.</summary>
    private int Stalest(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        if (StaleBefore(context) is not { } staleBefore) return -1;
        var stalest = -1;
        var stalestAt = DateTimeOffset.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var lastSample = c.Snapshot.LastSampleAt ?? DateTimeOffset.MinValue;
            if (lastSample >= staleBefore || lastSample >= stalestAt)
                continue;
            if (_reprobedAt.TryGetValue(c.Id, out var probedAt) && probedAt > staleBefore)
                continue;
            stalest = i;
            stalestAt = lastSample;
        }
        return stalest;
    }

    /// <summary>A sample before this is stale; null when re-probing is off (a zero or negative window).</summary>
    internal static DateTimeOffset? StaleBefore(RoutingContext context)
    {
        var window = context.Settings.LatencyReprobeAfter;
        if (window <= TimeSpan.Zero) return null;
        // Guarded so a Now near DateTimeOffset.MinValue cannot underflow.
        return context.Now > DateTimeOffset.MinValue + window ? context.Now - window : DateTimeOffset.MinValue;
    }

    /// <summary>
    /// The slowest mean still near the best of <paramref name="candidates"/>: within the buffer, or within the best one's own
    /// spread; <see cref="double.MaxValue"/> when none is measured (then every candidate is near).
    /// </summary>
    private static double NearBestLimit(IReadOnlyList<EndpointCandidate> candidates, bool stream, StrategySettings settings)
    {
        var bestMs = double.MaxValue;
        var bestSpread = 0.0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var metric = Metric(candidates[i].Snapshot, stream);
            if (metric.Samples > 0 && metric.MeanMs < bestMs) (bestMs, bestSpread) = (metric.MeanMs, Math.Max(0, metric.P95Ms - metric.P50Ms));
        }
        return NearBestLimit(bestMs, bestSpread, settings);
    }

    /// <remarks>A mean within the best endpoint's own noise is not measurably slower: without the spread, equally fast
    /// endpoints fell out of a 10% buffer by chance, got no further samples until a re-probe, and the group's load
    /// gathered on the few that happened to measure lowest (3x their fair share in the routing-core bench).</remarks>
    internal static double NearBestLimit(double bestMs, double bestSpread, StrategySettings settings) =>
        bestMs == double.MaxValue ? double.MaxValue : Math.Max(bestMs * (1 + Math.Max(0, settings.LatencyBuffer)), bestMs + bestSpread);

    /// <summary>Uniformly among the measured candidates whose mean is at most <paramref name="limit"/>, or among all when
    /// the limit is <see cref="double.MaxValue"/> (reservoir sampling, no allocation); -1 for none.</summary>
    private static int NearBest(IReadOnlyList<EndpointCandidate> candidates, bool stream, double limit, IRandomSource random)
    {
        var picked = -1;
        var eligible = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var metric = Metric(candidates[i].Snapshot, stream);
            var near = limit == double.MaxValue || (metric.Samples > 0 && metric.MeanMs <= limit);
            if (near && random.Next(++eligible) == 0)
                picked = i;
        }
        return picked;
    }

    /// <summary>
    /// Streaming requests compare time to first token, but only when every measured candidate has it:
    /// one endpoint's TTFT must never be compared with another's whole-request latency.
    /// </summary>
    internal static bool UseTimeToFirstToken(IReadOnlyList<EndpointCandidate> candidates, bool stream)
    {
        if (!stream) return false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var snapshot = candidates[i].Snapshot;
            if (snapshot.Latency.Samples > 0 && snapshot.TimeToFirstToken.Samples == 0) return false;
        }
        return true;
    }

    internal static WindowStats Metric(EndpointSnapshot snapshot, bool timeToFirstToken) =>
        timeToFirstToken ? snapshot.TimeToFirstToken : snapshot.Latency;
}
