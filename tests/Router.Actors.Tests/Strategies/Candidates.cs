using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Strategies;

/// <summary>Builders shared by the strategy tests.</summary>
internal static class Candidates
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A candidate of group "g". A latency or TTFT value gives the endpoint 10 samples of that mean and,
    /// unless <paramref name="lastSampleAt"/> says otherwise, a fresh last sample at <see cref="Now"/>.
    /// </summary>
    public static EndpointCandidate Make(
        string id,
        int weight = 1,
        int inFlight = 0,
        double? latencyMs = null,
        double? ttftMs = null,
        DateTimeOffset? lastSampleAt = null,
        int? rpm = null,
        long? tpm = null,
        int requestsLastMinute = 0,
        long tokensLastMinute = 0,
        double inputCost = 0,
        double outputCost = 0,
        IReadOnlyList<string>? tags = null)
    {
        var definition = new EndpointDefinition(
            id, "g", $"https://{id}.example/v1", Weight: weight, Rpm: rpm, Tpm: tpm, Tags: tags,
            InputCostPer1KTokens: inputCost, OutputCostPer1KTokens: outputCost);
        var sampled = latencyMs is not null || ttftMs is not null;
        var snapshot = EndpointSnapshot.Empty(id) with
        {
            InFlight = inFlight,
            Latency = Stats(latencyMs),
            TimeToFirstToken = Stats(ttftMs),
            LastSampleAt = lastSampleAt ?? (sampled ? Now : null),
            RequestsLastMinute = requestsLastMinute,
            TokensLastMinute = tokensLastMinute,
        };
        return new EndpointCandidate(definition, snapshot);
    }

    public static EndpointCandidate WithSnapshot(this EndpointCandidate candidate, Func<EndpointSnapshot, EndpointSnapshot> change) =>
        candidate with { Snapshot = change(candidate.Snapshot) };

    public static WindowStats Stats(double? meanMs) => meanMs is { } ms ? new WindowStats(10, ms, ms, ms) : WindowStats.None;

    public static RoutingContext Context(
        IRandomSource? random = null,
        string? sessionKey = null,
        bool stream = false,
        StrategySettings? settings = null,
        DateTimeOffset? now = null) =>
        new(new RouteRequest("g", "req-1", SessionKey: sessionKey, Stream: stream),
            now ?? Now,
            random ?? new SeededRandomSource(1),
            settings ?? StrategySettings.Default);

    /// <summary>Picks <paramref name="picks"/> times and counts the picks per endpoint id (0 for never picked).</summary>
    public static Dictionary<string, int> Tally(
        IRoutingStrategy strategy, IReadOnlyList<EndpointCandidate> candidates, RoutingContext context, int picks)
    {
        var tally = candidates.ToDictionary(c => c.Id, _ => 0);
        for (var i = 0; i < picks; i++)
            tally[strategy.PickCandidate(candidates, context).Id]++;
        return tally;
    }

    /// <summary>The candidate the strategy picks (it answers an index into <paramref name="candidates"/>).</summary>
    public static EndpointCandidate PickCandidate(this IRoutingStrategy strategy, IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) =>
        candidates[strategy.Pick(candidates, context)];

    public static string[] Sequence(IRoutingStrategy strategy, IReadOnlyList<EndpointCandidate> candidates, RoutingContext context, int picks) =>
        Enumerable.Range(0, picks).Select(_ => strategy.PickCandidate(candidates, context).Id).ToArray();
}

/// <summary>Returns scripted values in order and fails the test when the strategy draws more, or out of range.</summary>
internal sealed class ScriptedRandom : IRandomSource
{
    private readonly Queue<int> _ints;
    private readonly Queue<double> _doubles;

    public ScriptedRandom(IEnumerable<int>? ints = null, IEnumerable<double>? doubles = null)
    {
        _ints = new Queue<int>(ints ?? []);
        _doubles = new Queue<double>(doubles ?? []);
    }

    public int Next(int maxExclusive)
    {
        _ints.Should().NotBeEmpty("the strategy drew more integers than scripted");
        var value = _ints.Dequeue();
        value.Should().BeInRange(0, maxExclusive - 1, "a scripted draw must be valid for Next({0})", maxExclusive);
        return value;
    }

    public double NextDouble()
    {
        _doubles.Should().NotBeEmpty("the strategy drew more doubles than scripted");
        return _doubles.Dequeue();
    }
}

/// <summary>Counts the draws made through it.</summary>
internal sealed class CountingRandom(IRandomSource inner) : IRandomSource
{
    public int NextCalls { get; private set; }
    public int NextDoubleCalls { get; private set; }

    public int Next(int maxExclusive)
    {
        NextCalls++;
        return inner.Next(maxExclusive);
    }

    public double NextDouble()
    {
        NextDoubleCalls++;
        return inner.NextDouble();
    }
}
