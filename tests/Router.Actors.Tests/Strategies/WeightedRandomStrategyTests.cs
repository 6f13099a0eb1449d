using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class WeightedRandomStrategyTests
{
    private const int Picks = 10_000;
    private readonly WeightedRandomStrategy _strategy = new();

    [Fact]
    public void Name_is_weighted_random() => _strategy.Name.Should().Be("weighted-random");

    [Fact]
    public void Picks_in_proportion_to_weight()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 3), Make("b", weight: 1)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(42)), Picks);

        Share(tally, "a").Should().BeApproximately(0.75, 0.02);
        Share(tally, "b").Should().BeApproximately(0.25, 0.02);
    }

    [Fact]
    public void Maps_the_draw_onto_cumulative_weights()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 3), Make("b", weight: 1)];
        var context = Context(new ScriptedRandom(doubles: [0.0, 0.74, 0.76, 0.999999]));

        Sequence(_strategy, candidates, context, 4).Should().Equal("a", "a", "b", "b");
    }

    [Fact]
    public void Uses_rpm_when_weights_are_default()
    {
        EndpointCandidate[] candidates = [Make("a", rpm: 100), Make("b", rpm: 300)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(7)), Picks);

        Share(tally, "a").Should().BeApproximately(0.25, 0.02);
        Share(tally, "b").Should().BeApproximately(0.75, 0.02);
    }

    [Fact]
    public void An_endpoint_without_rpm_weighs_as_the_largest_rpm()
    {
        EndpointCandidate[] candidates = [Make("a", rpm: 100), Make("unlimited"), Make("c", rpm: 300)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(7)), Picks);

        Share(tally, "a").Should().BeApproximately(100 / 700.0, 0.02);
        Share(tally, "unlimited").Should().BeApproximately(300 / 700.0, 0.02);
        Share(tally, "c").Should().BeApproximately(300 / 700.0, 0.02);
    }

    [Fact]
    public void Uses_tpm_when_weights_and_rpm_are_default()
    {
        EndpointCandidate[] candidates = [Make("a", tpm: 10_000), Make("b", tpm: 90_000)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(3)), Picks);

        Share(tally, "a").Should().BeApproximately(0.1, 0.02);
    }

    [Fact]
    public void A_non_default_weight_takes_precedence_over_rpm()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 1, rpm: 1000), Make("b", weight: 3, rpm: 10)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(5)), Picks);

        Share(tally, "b").Should().BeApproximately(0.75, 0.02);
    }

    [Fact]
    public void Without_weights_or_limits_it_is_uniform()
    {
        EndpointCandidate[] candidates = [Make("a"), Make("b"), Make("c")];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(11)), Picks);

        tally.Keys.Should().OnlyContain(id => Math.Abs(Share(tally, id) - 1 / 3.0) < 0.02);
    }

    [Fact]
    public void A_zero_weight_is_never_picked()
    {
        EndpointCandidate[] candidates = [Make("zero", weight: 0), Make("a", weight: 2)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(9)), 1_000);

        tally["zero"].Should().Be(0);
    }

    [Fact]
    public void Draws_exactly_one_double_per_pick()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 3), Make("b", weight: 1)];
        var random = new CountingRandom(new SeededRandomSource(1));

        Tally(_strategy, candidates, Context(random), 100);

        random.NextDoubleCalls.Should().Be(100);
        random.NextCalls.Should().Be(0);
    }

    private static double Share(Dictionary<string, int> tally, string id) => tally[id] / (double)tally.Values.Sum();
}
