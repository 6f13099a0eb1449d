using Microsoft.Extensions.Logging.Abstractions;
using Router.Actors.Endpoints;
using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>
/// In a large group the strategies that used to look at every endpoint (weighted, weighted-random, session affinity,
/// latency) look at a shortlist of their own instead, and still keep their promises: exact weights per round, draws in
/// proportion to weight, the session's owner, the fastest endpoints.
/// </summary>
public class ShortlistTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static RoutingContext Context(IRandomSource random, string? sessionKey = null, DateTimeOffset? now = null, RouteRequest? request = null) =>
        new(request ?? new RouteRequest("g", "r", SessionKey: sessionKey), now ?? Now, random, new StrategySettings());

    private static string Decide(GroupMembers members, GroupStrategy strategy, RoutingContext context, bool expectShortlisted = true)
    {
        var pick = LargeGroups.Decide(members, strategy, context, out var shortlisted);
        shortlisted.Should().Be(expectShortlisted);
        return pick.Id;
    }

    /// <summary>Publishes a snapshot for endpoint <paramref name="id"/> (a newer one each time).</summary>
    private static void Publish(SnapshotCache snapshots, string id, Func<EndpointSnapshot, EndpointSnapshot> change) =>
        snapshots.Apply(change(EndpointSnapshot.Empty(id) with { Incarnation = 1, Sequence = snapshots.LastPublished(id).Sequence + 1, TakenAt = Now }));

    private static WindowStats Measured(double meanMs) => new(20, meanMs, meanMs, meanMs);

    [Fact]
    public void Weighted_in_a_large_group_gives_every_open_endpoint_exactly_its_weight_each_round_and_never_two_turns_in_a_row()
    {
        // 1,000 endpoints of weights 1 to 4; every seventh drained.
        var members = LargeGroups.Build(1_000, (i, e) => e with { Weight = i % 4 + 1, Drained = i % 7 == 0 });
        var strategy = new GroupStrategy(new WeightedRoundRobinStrategy());
        var open = members.Endpoints.Where(e => !e.Drained).ToDictionary(e => e.Id, e => e.Weight);
        var round = open.Values.Sum();
        var random = new SeededRandomSource(1);

        var picks = Enumerable.Range(0, 2 * round).Select(_ => Decide(members, strategy, Context(random))).ToList();

        foreach (var half in new[] { picks.Take(round), picks.Skip(round) })
            half.CountBy(id => id).Should().BeEquivalentTo(open, "each round gives every open endpoint its weight, and no drained one a turn");
        picks.Zip(picks.Skip(1)).Should().NotContain(pair => pair.Item1 == pair.Item2, "an endpoint's turns are spread over the round");
    }

    [Fact]
    public void Weighted_in_a_large_group_interleaves_a_heavy_endpoint_with_the_light_ones_as_the_smooth_round_robin_does()
    {
        // One endpoint of weight 300 and 99 of weight 1: about three heavy turns to each light one, never a burst of either.
        var members = LargeGroups.Build(100, (i, e) => e with { Weight = i == 0 ? 300 : 1 });
        var strategy = new GroupStrategy(new WeightedRoundRobinStrategy());
        var random = new SeededRandomSource(1);

        var picks = Enumerable.Range(0, 399).Select(_ => Decide(members, strategy, Context(random))).ToList();

        picks.Count(id => id == "e0").Should().Be(300);
        picks.Where(id => id != "e0").Should().OnlyHaveUniqueItems().And.HaveCount(99);
        var runs = string.Concat(picks.Select(id => id == "e0" ? 'h' : 'l')).Split('l');
        runs.Max(run => run.Length).Should().BeLessThanOrEqualTo(4, "the heavy endpoint's turns are spread among the light ones'");
        runs.Skip(1).SkipLast(1).Should().NotContain(run => run.Length == 0, "no two light endpoints take turns one after the other");
    }

    [Fact]
    public void Weighted_decisions_that_overlap_still_take_each_turn_once()
    {
        // Two decisions shortlist before either picks, as two routers of the pool may: the second picks the turn after the first's.
        var members = LargeGroups.Build(200, (i, e) => e with { Weight = i % 3 + 1 });
        var strategy = new GroupStrategy(new WeightedRoundRobinStrategy());
        var random = new SeededRandomSource(1);
        var round = members.Endpoints.Sum(e => e.Weight);
        var picks = new List<string>();
        for (var pair = 0; pair < (round + 1) / 2; pair++)
        {
            var (first, second) = (new List<EndpointCandidate>(), new List<EndpointCandidate>());
            CandidateSelector.SelectShortlisted(members, strategy, Context(random), first, LargeGroups.Self, new SilentEndpoints(), NullLogger.Instance).Should().BeTrue();
            CandidateSelector.SelectShortlisted(members, strategy, Context(random), second, LargeGroups.Self, new SilentEndpoints(), NullLogger.Instance).Should().BeTrue();
            picks.Add(first[strategy.Pick(first, Context(random) with { Shortlisted = true }, NullLogger.Instance)].Id);
            picks.Add(second[strategy.Pick(second, Context(random) with { Shortlisted = true }, NullLogger.Instance)].Id);
        }

        picks.Take(round).CountBy(id => id).Should().BeEquivalentTo(members.Endpoints.ToDictionary(e => e.Id, e => e.Weight));
    }

    [Fact]
    public void Weighted_goes_on_from_its_place_in_the_round_when_the_directory_changes()
    {
        // Any directory change gives the group a new endpoints array and the strategy a new round: half a round before it
        // and half after still give every endpoint exactly its weight, rather than the first turns twice.
        static EndpointDefinition Shape(int i, EndpointDefinition e) => e with { Weight = i % 4 + 1 };
        var before = LargeGroups.Build(300, Shape);
        var after = LargeGroups.Build(300, Shape);
        var strategy = new GroupStrategy(new WeightedRoundRobinStrategy());
        var random = new SeededRandomSource(1);
        var round = before.Endpoints.Sum(e => e.Weight);

        var picks = Enumerable.Range(0, round / 2).Select(_ => Decide(before, strategy, Context(random)))
            .Concat(Enumerable.Range(0, round - round / 2).Select(_ => Decide(after, strategy, Context(random)))).ToList();

        picks.CountBy(id => id).Should().BeEquivalentTo(before.Endpoints.ToDictionary(e => e.Id, e => e.Weight));
    }

    [Fact]
    public void Weighted_random_in_a_large_group_draws_in_proportion_to_weight_among_the_endpoints_that_may_take_the_request()
    {
        // Weights 1 to 4; every fifth endpoint drained, and a request that already tried ten of the heaviest.
        var members = LargeGroups.Build(1_000, (i, e) => e with { Weight = i % 4 + 1, Drained = i % 5 == 0 });
        var excluded = members.Endpoints.Where(e => e is { Weight: 4, Drained: false }).Take(10).Select(e => e.Id).ToList();
        var strategy = new GroupStrategy(new WeightedRandomStrategy());
        var random = new SeededRandomSource(3);
        var request = new RouteRequest("g", "r", ExcludeEndpoints: excluded);
        var eligible = members.Endpoints.Where(e => !e.Drained && !excluded.Contains(e.Id)).ToList();
        var total = eligible.Sum(e => e.Weight);

        const int Decisions = 100_000;
        var picks = Enumerable.Range(0, Decisions).Select(_ => Decide(members, strategy, Context(random, request: request))).ToList();

        picks.Should().OnlyContain(id => eligible.Any(e => e.Id == id), "never a drained or already tried endpoint");
        var byWeight = picks.CountBy(id => members.Endpoints.First(e => e.Id == id).Weight).ToDictionary(c => c.Key, c => c.Value);
        foreach (var weight in new[] { 1, 2, 3, 4 })
        {
            var expected = (double)Decisions * eligible.Where(e => e.Weight == weight).Sum(e => e.Weight) / total;
            byWeight[weight].Should().BeCloseTo((int)expected, (uint)(0.03 * expected), $"endpoints of weight {weight} take their share");
        }
        picks.Distinct().Should().HaveCount(eligible.Count, "every eligible endpoint is drawn");
    }

    [Fact]
    public void Session_affinity_in_a_large_group_sends_each_session_where_the_whole_group_would_under_load_and_drains()
    {
        var snapshots = new SnapshotCache();
        // Some endpoints drained; every tenth busy, well over the bounded load of the group's mean.
        var members = LargeGroups.Build(1_000, (i, e) => e with { Drained = i % 13 == 0 }, snapshots);
        foreach (var (endpoint, at) in members.Endpoints.Select((e, at) => (e, at)))
            Publish(snapshots, endpoint.Id, s => s with { InFlight = at % 10 == 0 ? 40 : at % 3 });
        var large = new GroupStrategy(new SessionAffinityStrategy());
        var random = new SeededRandomSource(5);

        var shortlisted = 0;
        for (var session = 0; session < 500; session++)
        {
            var context = Context(random, sessionKey: $"user-{session}");
            var pick = LargeGroups.Decide(members, large, context, out var wasShortlisted);
            if (wasShortlisted) shortlisted++;
            // The same decision over the whole group, as a small group is decided.
            var all = new List<EndpointCandidate>();
            CandidateSelector.Select(members, context.Request, Now, all, LargeGroups.Self).Should().BeNull();
            var expected = all[new SessionAffinityStrategy().Pick(all, context)];
            pick.Id.Should().Be(expected.Id, $"session user-{session} goes to its owner, or the next under the bounded load");
        }
        shortlisted.Should().Be(500, "a session's eight highest endpoints always hold one under the bounded load here");
    }

    [Fact]
    public void Session_affinity_looks_at_the_whole_group_when_none_of_a_sessions_highest_endpoints_is_under_the_bounded_load()
    {
        var snapshots = new SnapshotCache();
        var members = LargeGroups.Build(1_000, snapshots: snapshots);
        var strategy = new GroupStrategy(new SessionAffinityStrategy());
        var random = new SeededRandomSource(5);
        var owner = Decide(members, strategy, Context(random, "user-1"));
        // Load the session's first eight choices: find them by loading each owner in turn.
        var loaded = new List<string>();
        for (var k = 0; k < SessionAffinityStrategy.RankedPerSession; k++)
        {
            var next = Decide(members, strategy, Context(random, "user-1", Now.AddSeconds(k + 1)));
            loaded.Add(next);
            Publish(snapshots, next, s => s with { InFlight = 50 });
        }
        loaded[0].Should().Be(owner);
        loaded.Should().OnlyHaveUniqueItems("each time the owner is over the bounded load, the session moves to the next in its ranking");

        var context = Context(random, "user-1", Now.AddSeconds(60));
        var pick = Decide(members, strategy, context, expectShortlisted: false);
        var all = new List<EndpointCandidate>();
        CandidateSelector.Select(members, context.Request, context.Now, all, LargeGroups.Self);
        pick.Should().Be(all[new SessionAffinityStrategy().Pick(all, context)].Id, "the ninth choice, as the whole group ranks it");
        loaded.Should().NotContain(pick);
    }

    [Fact]
    public void Latency_in_a_large_group_spreads_over_the_endpoints_near_the_best_probes_the_unmeasured_and_reprobes_the_stale()
    {
        var snapshots = new SnapshotCache();
        var members = LargeGroups.Build(1_000, snapshots: snapshots);
        var ids = members.Endpoints.Select(e => e.Id).ToList();
        // Twenty fast endpoints (100 ms), the rest slow (300-900 ms); one unmeasured; one whose last sample is a minute old.
        var fast = ids.Where((_, at) => at % 50 == 7).ToHashSet();
        var (unmeasured, stale) = (ids[500], ids[600]);
        foreach (var (id, at) in ids.Select((id, at) => (id, at)))
            if (id != unmeasured)
                Publish(snapshots, id, s => s with
                {
                    Latency = Measured(fast.Contains(id) ? 100 : 300 + at % 600),
                    LastSampleAt = id == stale ? Now.AddMinutes(-1) : Now,
                });
        var strategy = new GroupStrategy(new LatencyStrategy());
        var random = new SeededRandomSource(9);

        Decide(members, strategy, Context(random)).Should().Be(unmeasured, "an endpoint without a sample is measured first");
        Publish(snapshots, unmeasured, s => s with { Latency = Measured(700), LastSampleAt = Now });
        // Within the picture's lifetime the unmeasured endpoint is still shortlisted, but now has its sample.
        Decide(members, strategy, Context(random, now: Now.AddSeconds(1))).Should().Be(stale, "a stale endpoint is re-probed");

        var picks = Enumerable.Range(0, 4_000).Select(k => Decide(members, strategy, Context(random, now: Now.AddSeconds(1).AddMilliseconds(k)))).ToList();
        picks.Should().OnlyContain(id => fast.Contains(id), "only endpoints near the best, once the stale one was re-probed");
        var counts = picks.CountBy(id => id).Select(c => c.Value).ToList();
        counts.Should().HaveCount(fast.Count, "every fast endpoint gets requests");
        counts.Max().Should().BeLessThan(2 * counts.Min(), "the fast endpoints share the load evenly");
    }

    [Fact]
    public void A_shortlist_whose_endpoints_are_all_at_their_caps_or_silent_gives_way_to_the_whole_group()
    {
        var snapshots = new SnapshotCache();
        var members = LargeGroups.Build(1_000, (_, e) => e with { MaxInFlight = 2 }, snapshots);
        var strategy = new GroupStrategy(new RoundRobinStrategy());
        var random = new SeededRandomSource(1);
        // The first endpoints in group order, the first turn's shortlist, are full.
        foreach (var endpoint in members.Endpoints.Take(GroupView.BuiltInShortlist))
            Publish(snapshots, endpoint.Id, s => s with { InFlight = 2 });

        var candidates = new List<EndpointCandidate>();
        CandidateSelector.SelectShortlisted(members, strategy, Context(random), candidates, LargeGroups.Self, new SilentEndpoints(), NullLogger.Instance)
            .Should().BeFalse("none of the shortlist has room");
        candidates.Should().BeEmpty();
        Decide(members, strategy, Context(random), expectShortlisted: false).Should().Be(members.Endpoints[0].Id,
            "round-robin takes the whole group in turn, and leaves the full ones to the tiering the router applies after");

        var silent = new SilentEndpoints();
        var uncapped = LargeGroups.Build(1_000);
        // A new group: the turn starts at its first endpoint again.
        foreach (var endpoint in uncapped.Endpoints.Take(GroupView.BuiltInShortlist)) silent.MarkSilent(endpoint.Id, Now.AddSeconds(10));
        CandidateSelector.SelectShortlisted(uncapped, strategy, Context(random), candidates, LargeGroups.Self, silent, NullLogger.Instance)
            .Should().BeFalse("every endpoint of the shortlist recently did not answer");
    }

    [Fact]
    public void A_group_with_fallback_tiers_is_never_shortlisted()
    {
        // The lowest tier with room is the whole group's to say.
        var members = LargeGroups.Build(1_000, (i, e) => e with { Order = i < 500 ? 1 : 2 });
        var candidates = new List<EndpointCandidate>();
        CandidateSelector.SelectShortlisted(members, new GroupStrategy(new WeightedRoundRobinStrategy()), Context(new SeededRandomSource(1)),
            candidates, LargeGroups.Self, new SilentEndpoints(), NullLogger.Instance).Should().BeFalse();
    }

    private sealed class ShortlistsBadly(int count, bool throws) : IRoutingStrategy
    {
        public string Name => "bad-shortlist";
        public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => 0;

        public int Shortlist(GroupView group, RoutingContext context, Span<int> shortlist)
        {
            if (throws) throw new InvalidOperationException("bug");
            for (var k = 0; k < Math.Min(count, shortlist.Length); k++) shortlist[k] = k % 2 == 0 ? -5 : 3; // outside the group, then one endpoint again and again
            return count;
        }
    }

    [Theory]
    [InlineData(40, false)]
    [InlineData(10, true)]
    public void A_custom_strategy_whose_shortlist_throws_or_overflows_is_given_the_whole_group(int count, bool throws)
    {
        var members = LargeGroups.Build(1_000);
        var strategy = new GroupStrategy(new ShortlistsBadly(count, throws));
        strategy.Shortlists.Should().BeTrue();
        LargeGroups.Decide(members, strategy, Context(new SeededRandomSource(1)), out var shortlisted);
        shortlisted.Should().BeFalse();
    }

    [Fact]
    public void A_shortlist_naming_a_position_outside_the_group_or_twice_gives_each_endpoint_once()
    {
        var members = LargeGroups.Build(1_000);
        var candidates = new List<EndpointCandidate>();
        CandidateSelector.SelectShortlisted(members, new GroupStrategy(new ShortlistsBadly(8, false)), Context(new SeededRandomSource(1)),
            candidates, LargeGroups.Self, new SilentEndpoints(), NullLogger.Instance).Should().BeTrue();
        candidates.Select(c => c.Position).Should().Equal(3);
        new GroupStrategy(new LeastBusyStrategy()).Shortlists.Should().BeFalse("a strategy that does not shortlist keeps the default");
    }
}
