using Router.Actors.Routing;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Routing;

/// <summary>
/// The cost strategy only ever picks the cheapest candidates, so in a large group it is handed the cheapest first (enough
/// of them for every attempt a decision may make) rather than the whole group: the same picks, without the full scan.
/// </summary>
public class LowestRankedSelectionTests
{
    private const string Self = LargeGroups.Self;
    private static readonly Func<EndpointDefinition, double> Price = new CostStrategy().RankOf!;

    private static EndpointDefinition Priced(EndpointDefinition e, double price) => e with { InputCostPer1KTokens = price };

    private static (List<EndpointCandidate> Candidates, NoEndpointAvailable? Rejection) Lowest(GroupMembers members, RouteRequest request,
        int atLeast = 3, int sampleFrom = 0)
    {
        var candidates = new List<EndpointCandidate>();
        var rejection = CandidateSelector.SelectLowestRanked(members, members.RankOrder(Price, out _)!, request, DateTimeOffset.UtcNow, candidates, Self,
            atLeast, sampleFrom);
        return (candidates, rejection);
    }

    [Fact]
    public void The_cheapest_endpoints_come_first_with_the_next_price_added_until_every_attempt_has_one()
    {
        // Two at 0.1, ten at 0.2, the rest at 0.5.
        var members = LargeGroups.Build(1_000, (i, e) => Priced(e, i is 500 or 501 ? 0.1 : i is >= 100 and < 110 ? 0.2 : 0.5));

        var (candidates, rejection) = Lowest(members, new RouteRequest("g", "r"), atLeast: 3);
        rejection.Should().BeNull();
        candidates.Select(c => c.Id).Should().BeEquivalentTo(
            new[] { "e500", "e501" }.Concat(Enumerable.Range(100, 10).Select(i => $"e{i}")),
            "the two cheapest, then the whole next price (a third attempt may need it), and nothing dearer");

        Lowest(members, new RouteRequest("g", "r"), atLeast: 2).Candidates.Select(c => c.Id).Should().BeEquivalentTo(["e500", "e501"]);
        Lowest(members, new RouteRequest("g", "r", ExcludeEndpoints: ["e500"]), atLeast: 2).Candidates.Should().HaveCount(11,
            "an excluded cheapest endpoint leaves one at its price, so the next price joins");
    }

    [Fact]
    public void Many_endpoints_at_one_price_are_sampled_and_the_whole_price_is_looked_at_when_too_few_of_the_sample_pass()
    {
        var members = LargeGroups.Build(1_000, (i, e) => Priced(e, 0.3));
        Lowest(members, new RouteRequest("g", "r"), sampleFrom: 990).Candidates.Select(c => c.Id).Should().Equal(
            Enumerable.Range(990, CandidateSelector.SampleSize).Select(i => members.Endpoints[i % 1_000].Id),
            "32 in a row (of the group's order) at one price, as least-busy samples");

        // Only the last two carry the tag: a sample at the start finds none, so the whole price is looked at.
        var tagged = LargeGroups.Build(1_000, (i, e) => Priced(i >= 998 ? e with { Tags = ["eu"] } : e, 0.3));
        Lowest(tagged, new RouteRequest("g", "r", Tags: ["eu"]), sampleFrom: 0).Candidates.Select(c => c.Id)
            .Should().BeEquivalentTo(["e998", "e999"]);
    }

    [Fact]
    public void The_cheapest_candidate_is_the_same_as_from_the_whole_group_and_so_is_the_reason_when_there_is_none()
    {
        var random = new Random(11);
        // About 30 endpoints per price, so no price is sampled and every cheapest candidate must be offered.
        var prices = new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 };
        var members = LargeGroups.Build(250, (i, e) => Priced(e with { Tags = i % 3 == 0 ? ["eu"] : ["us"], Drained = i % 7 == 0 }, prices[random.Next(prices.Length)]));
        for (var n = 0; n < 200; n++)
        {
            var excluded = Enumerable.Range(0, random.Next(30)).Select(_ => $"e{random.Next(250)}").ToList();
            var request = new RouteRequest("g", $"r{n}", Tags: random.Next(2) == 0 ? ["eu"] : null, ExcludeEndpoints: excluded);
            var whole = new List<EndpointCandidate>();
            CandidateSelector.Select(members, request, DateTimeOffset.UtcNow, whole, Self).Should().BeNull();
            var (lowest, _) = Lowest(members, request, atLeast: 3, sampleFrom: random.Next(int.MaxValue));

            var cheapest = whole.Min(c => Price(c.Definition));
            lowest.Min(c => Price(c.Definition)).Should().Be(cheapest);
            lowest.Select(c => c.Id).Should().BeSubsetOf(whole.Select(c => c.Id));
            lowest.Where(c => Price(c.Definition) == cheapest).Select(c => c.Id)
                .Should().BeEquivalentTo(whole.Where(c => Price(c.Definition) == cheapest).Select(c => c.Id), "every cheapest candidate is offered");
            lowest.Count.Should().BeGreaterThanOrEqualTo(Math.Min(3, whole.Count), "enough for every attempt of the decision");
        }

        var none = new RouteRequest("g", "none", Tags: ["apac"]);
        var expected = CandidateSelector.Select(members, none, DateTimeOffset.UtcNow, [], Self);
        Lowest(members, none).Rejection.Should().BeEquivalentTo(expected, "nothing passes: the same reason as the whole group's");
    }

    [Fact]
    public void A_rank_that_throws_leaves_the_whole_group_to_the_strategy_and_is_reported_once()
    {
        var members = LargeGroups.Build(100, (_, e) => e);
        Func<EndpointDefinition, double> broken = _ => throw new InvalidOperationException("no price list");

        members.RankOrder(broken, out var failure).Should().BeNull("the router then hands over the whole group");
        failure.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("no price list");
        members.RankOrder(broken, out var again).Should().BeNull();
        again.Should().BeNull("logged once per directory version, not per decision");
    }
}
