using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>In a large group a strategy that spreads load ranks a random run of endpoints instead of all of them, so a
/// decision costs the same at 1,000 endpoints as at 50; the filters and their reasons stay those of the whole group.</summary>
public class CandidateSamplingTests
{
    private const string Self = LargeGroups.Self;

    private static List<EndpointCandidate> Select(GroupMembers members, int? sampleFrom, RouteRequest? request = null)
    {
        var candidates = new List<EndpointCandidate>();
        CandidateSelector.Select(members, request ?? new RouteRequest("g", "r"), DateTimeOffset.UtcNow, candidates, Self, sampleFrom)
            .Should().BeNull();
        return candidates;
    }

    [Fact]
    public void A_large_group_gives_a_sampling_strategy_a_run_of_endpoints_from_the_start_it_is_given_and_every_start_is_possible()
    {
        var members = LargeGroups.Build(1_000);
        Select(members, sampleFrom: 990).Select(c => c.Id).Should().Equal(
            Enumerable.Range(990, CandidateSelector.SampleSize).Select(i => members.Endpoints[i % 1_000].Id),
            "32 endpoints in a row of the group's order, wrapping round");
        Select(members, sampleFrom: null).Should().HaveCount(1_000, "a strategy that must see every endpoint gets all of them");
        Select(LargeGroups.Build(2 * CandidateSelector.SampleSize), sampleFrom: 5).Should().HaveCount(2 * CandidateSelector.SampleSize,
            "a group of up to twice the sample is ranked whole");

        var seen = new HashSet<string>();
        var random = new Random(7);
        for (var decision = 0; decision < 400; decision++)
            foreach (var candidate in Select(members, random.Next(int.MaxValue))) seen.Add(candidate.Id);
        seen.Should().HaveCount(1_000, "over many decisions every endpoint is in some sample");
    }

    [Fact]
    public void When_no_endpoint_of_the_sample_passes_the_filters_the_whole_group_is_considered()
    {
        // Only the last ten endpoints carry the tag the request wants.
        var members = LargeGroups.Build(1_000, (i, e) => i >= 990 ? e with { Tags = ["eu"] } : e);
        var request = new RouteRequest("g", "r", Tags: ["eu"]);

        Select(members, sampleFrom: 0, request).Select(c => c.Id).Should().BeEquivalentTo(Enumerable.Range(990, 10).Select(i => $"e{i}"));

        var rejection = CandidateSelector.Select(LargeGroups.Build(1_000), request, DateTimeOffset.UtcNow, [], Self, sampleFrom: 0);
        rejection!.Reason.Should().Be(NoEndpointReason.NoMatchingTags, "the reason is the whole group's, not the sample's");
    }

    [Fact]
    public void Round_robin_in_a_large_group_takes_every_endpoint_in_turn_and_skips_the_drained_without_favouring_their_successors()
    {
        // 1,000 endpoints; in group order (by id) every tenth drained, and a run of 40 drained in a row (longer than a turn's shortlist of 16).
        var positions = Enumerable.Range(0, 1_000).Select(i => $"e{i}").Order(StringComparer.Ordinal).Select((id, at) => (id, at))
            .ToDictionary(x => x.id, x => x.at);
        var members = LargeGroups.Build(1_000, (_, e) => positions[e.Id] is var at && (at % 10 == 3 || at is >= 500 and < 540) ? e with { Drained = true } : e);
        members.Endpoints.Select(e => e.Id).Should().Equal(positions.OrderBy(p => p.Value).Select(p => p.Key), "the group is in id order");
        var open = members.Endpoints.Count(e => !e.Drained);
        var strategy = new GroupStrategy(new RoundRobinStrategy());
        var picks = new Dictionary<string, int>();
        var wholeGroup = 0;
        for (var decision = 0; decision < 3 * open; decision++)
        {
            var context = new RoutingContext(new RouteRequest("g", $"r{decision}"), DateTimeOffset.UtcNow, new SeededRandomSource(1), new StrategySettings());
            var id = LargeGroups.Decide(members, strategy, context, out var shortlisted).Id;
            if (!shortlisted) wholeGroup++;
            picks[id] = picks.GetValueOrDefault(id) + 1;
        }

        wholeGroup.Should().Be(3, "only the turn that starts at the run of 40 drained finds no open endpoint among its shortlist of 16, once a round");
        picks.Should().HaveCount(open, "every endpoint that may take requests gets its turns, and no drained one does");
        picks.Values.Should().AllSatisfy(n => n.Should().Be(3), "three rounds give each exactly three, however many drained ones it follows");
    }
}
