using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// A large group as <see cref="LatencyStrategy"/> ranks it, taken every <see cref="Refresh"/> rather than on every
/// decision: its unmeasured endpoints, its stalest, and those whose mean is near the best, for whole-request latency
/// and for time to first token.
/// </summary>
internal sealed class LatencyPicture
{
    /// <summary>How long a picture serves: snapshots change about this often, and a decision's pick reads its
    /// candidates' own state anyway.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    /// <summary>Places in a shortlist (<see cref="GroupView.BuiltInShortlist"/>) for unmeasured endpoints, and for stale
    /// ones; the rest go to those near the best.</summary>
    private const int Unmeasured = 4, Stale = 4;

    private readonly ImmutableArray<EndpointDefinition> _of;
    private readonly DateTimeOffset _at;
    private readonly Side _latency;
    private readonly Side _timeToFirstToken;
    private readonly bool _timeToFirstTokenUsable;
    private readonly int[] _stalest;

    /// <param name="Unmeasured">Positions without a sample, idle ones first (at most <see cref="LatencyPicture.Unmeasured"/>).</param>
    /// <param name="NearBest">Positions whose mean is at most <paramref name="Limit"/>, fastest first (every position when none is measured).</param>
    private sealed record Side(int[] Unmeasured, int[] NearBest, double Limit);

    private LatencyPicture(ImmutableArray<EndpointDefinition> of, DateTimeOffset at, Side latency, Side timeToFirstToken, bool timeToFirstTokenUsable,
        int[] stalest) =>
        (_of, _at, _latency, _timeToFirstToken, _timeToFirstTokenUsable, _stalest) = (of, at, latency, timeToFirstToken, timeToFirstTokenUsable, stalest);

    /// <summary>The group changed, or the picture is older than <see cref="Refresh"/>.</summary>
    public bool IsOutdated(ImmutableArray<EndpointDefinition> endpoints, DateTimeOffset now) =>
        _of != endpoints || now - _at >= Refresh || now < _at;

    /// <summary>Whether a request compares time to first token: a streaming one, when every measured endpoint of the group has it.</summary>
    public bool UsesTimeToFirstToken(bool stream) => stream && _timeToFirstTokenUsable;

    /// <summary>The slowest mean near the group's best (<see cref="double.MaxValue"/> when none is measured).</summary>
    public double NearBestLimit(bool timeToFirstToken) => (timeToFirstToken ? _timeToFirstToken : _latency).Limit;

    /// <summary>Unmeasured endpoints, the stalest, then a random run of those near the best (all of them when they fit).</summary>
    public int Shortlist(RoutingContext context, Span<int> shortlist)
    {
        var side = UsesTimeToFirstToken(context.Request.Stream) ? _timeToFirstToken : _latency;
        var count = 0;
        foreach (var position in side.Unmeasured) Add(shortlist, ref count, position);
        foreach (var position in _stalest) Add(shortlist, ref count, position);
        var near = side.NearBest;
        var run = Math.Min(near.Length, Math.Min(GroupView.BuiltInShortlist, shortlist.Length) - count);
        var start = near.Length > run ? context.Random.Next(near.Length) : 0;
        for (var k = 0; k < run; k++) Add(shortlist, ref count, near[(start + k) % near.Length]);
        return count;
    }

    private static void Add(Span<int> shortlist, ref int count, int position)
    {
        if (count < shortlist.Length && !shortlist[..count].Contains(position)) shortlist[count++] = position;
    }

    /// <param name="reprobedAt">When the strategy last re-probed each endpoint: one re-probed within the window is not stale.</param>
    public static LatencyPicture Take(GroupView group, RoutingContext context, IReadOnlyDictionary<string, DateTimeOffset> reprobedAt)
    {
        var endpoints = group.Endpoints;
        var candidates = new EndpointCandidate[endpoints.Length];
        for (var p = 0; p < candidates.Length; p++) candidates[p] = group[p];
        var staleBefore = LatencyStrategy.StaleBefore(context);
        var stalest = staleBefore is not { } before ? [] : candidates
            .Where(c => (c.Snapshot.LastSampleAt ?? DateTimeOffset.MinValue) < before &&
                        !(reprobedAt.TryGetValue(c.Id, out var probedAt) && probedAt > before))
            .OrderBy(c => c.Snapshot.LastSampleAt ?? DateTimeOffset.MinValue)
            .Take(Stale).Select(c => c.Position).ToArray();
        return new LatencyPicture(endpoints, context.Now, SideOf(candidates, false, context.Settings), SideOf(candidates, true, context.Settings),
            LatencyStrategy.UseTimeToFirstToken(candidates, stream: true), stalest);
    }

    private static Side SideOf(EndpointCandidate[] candidates, bool timeToFirstToken, StrategySettings settings)
    {
        var unmeasured = candidates.Where(c => LatencyStrategy.Metric(c.Snapshot, timeToFirstToken).Samples == 0)
            .OrderBy(c => c.InFlight == 0 ? 0 : 1).Take(Unmeasured).Select(c => c.Position).ToArray();
        var measured = candidates.Where(c => LatencyStrategy.Metric(c.Snapshot, timeToFirstToken).Samples > 0)
            .OrderBy(c => LatencyStrategy.Metric(c.Snapshot, timeToFirstToken).MeanMs).ToArray();
        if (measured.Length == 0) return new Side(unmeasured, [.. candidates.Select(c => c.Position)], double.MaxValue);
        var best = LatencyStrategy.Metric(measured[0].Snapshot, timeToFirstToken);
        var limit = LatencyStrategy.NearBestLimit(best.MeanMs, Math.Max(0, best.P95Ms - best.P50Ms), settings);
        return new Side(unmeasured,
            [.. measured.TakeWhile(c => LatencyStrategy.Metric(c.Snapshot, timeToFirstToken).MeanMs <= limit).Select(c => c.Position)], limit);
    }
}
