using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// Prefers the fastest endpoints: mean latency, or mean time to first token for streaming requests.
/// Unmeasured endpoints are tried first, stale ones are re-probed now and then so a once-slow endpoint can
/// recover, and otherwise the pick is random among those within <see cref="StrategySettings.LatencyBuffer"/>
/// of the best, or within the best one's own spread of samples (p95 − p50), so the fastest endpoint is not flooded.
/// </summary>
public sealed class LatencyStrategy : IRoutingStrategy
{
    public const string StrategyName = "latency";

    // When this instance last sent a re-probe to each endpoint: without it every request arriving before
    // the probe's sample lands would see the same stale endpoint and stampede it.
    private readonly Dictionary<string, DateTimeOffset> _reprobedAt = new(StringComparer.Ordinal);

    public string Name => StrategyName;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var stream = UseTimeToFirstToken(candidates, context.Request.Stream);

        // (a) No sample yet: nothing to compare, so measure it, one request at a time so a new endpoint
        // is not flooded before its first sample lands.
        for (var i = 0; i < candidates.Count; i++)
            if (Metric(candidates[i].Snapshot, stream).Samples == 0 && candidates[i].InFlight == 0)
                return i;

        // (b) Re-probe the stalest endpoint whose last sample is older than the window, at most once per
        // window per endpoint. A zero or negative window disables re-probing.
        var window = context.Settings.LatencyReprobeAfter;
        if (window > TimeSpan.Zero)
        {
            // Guarded so a Now near DateTimeOffset.MinValue cannot underflow.
            var staleBefore = context.Now > DateTimeOffset.MinValue + window ? context.Now - window : DateTimeOffset.MinValue;
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

            if (stalest >= 0)
            {
                _reprobedAt[candidates[stalest].Id] = context.Now;
                return stalest;
            }
        }

        // (c) Uniformly among measured endpoints within the buffer of the best (reservoir sampling, no
        // allocation); when none is measured yet, uniformly among all.
        var bestMs = double.MaxValue;
        var bestSpread = 0.0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var metric = Metric(candidates[i].Snapshot, stream);
            if (metric.Samples > 0 && metric.MeanMs < bestMs) (bestMs, bestSpread) = (metric.MeanMs, Math.Max(0, metric.P95Ms - metric.P50Ms));
        }
        // A mean within the best endpoint's own noise is not measurably slower: without the spread, equally fast
        // endpoints fell out of a 10% buffer by chance, got no further samples until a re-probe, and the group's load
        // gathered on the few that happened to measure lowest (3x their fair share in the routing-core bench).
        var limit = Math.Max(bestMs * (1 + Math.Max(0, context.Settings.LatencyBuffer)), bestMs + bestSpread);

        var picked = -1;
        var eligible = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var metric = Metric(candidates[i].Snapshot, stream);
            var measuredAndNearBest = metric.Samples > 0 && metric.MeanMs <= limit;
            if ((measuredAndNearBest || bestMs == double.MaxValue) && context.Random.Next(++eligible) == 0)
                picked = i;
        }

        return picked;
    }

    /// <summary>
    /// Streaming requests compare time to first token, but only when every measured candidate has it:
    /// one endpoint's TTFT must never be compared with another's whole-request latency.
    /// </summary>
    private static bool UseTimeToFirstToken(IReadOnlyList<EndpointCandidate> candidates, bool stream)
    {
        if (!stream) return false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var snapshot = candidates[i].Snapshot;
            if (snapshot.Latency.Samples > 0 && snapshot.TimeToFirstToken.Samples == 0) return false;
        }
        return true;
    }

    private static WindowStats Metric(EndpointSnapshot snapshot, bool timeToFirstToken) =>
        timeToFirstToken ? snapshot.TimeToFirstToken : snapshot.Latency;
}
