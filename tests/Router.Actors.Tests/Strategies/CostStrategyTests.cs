using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class CostStrategyTests
{
    private readonly CostStrategy _strategy = new();

    [Fact]
    public void Name_is_cost() => _strategy.Name.Should().Be("cost");

    [Fact]
    public void Picks_the_cheapest_input_plus_output_price()
    {
        EndpointCandidate[] candidates =
        [
            Make("cheap-input", inputCost: 0.1, outputCost: 3.0),
            Make("cheapest-total", inputCost: 0.5, outputCost: 1.0),
            Make("cheap-output", inputCost: 2.0, outputCost: 0.2),
        ];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("cheapest-total");
    }

    [Fact]
    public void Equal_price_goes_to_fewer_in_flight_then_at_random()
    {
        EndpointCandidate[] byLoad = [Make("busy", inputCost: 1, inFlight: 3), Make("idle", inputCost: 1, inFlight: 0)];
        EndpointCandidate[] tied = [Make("first", inputCost: 1, inFlight: 2), Make("second", inputCost: 1, inFlight: 2), Make("third", inputCost: 1, inFlight: 2)];

        _strategy.PickCandidate(byLoad, Context()).Id.Should().Be("idle");
        // Every node ranks on the same lagging counts: the first of a complete tie taking every pick piles the load on it.
        var tally = Tally(_strategy, tied, Context(new SeededRandomSource(1)), 3000);
        tally.Values.Should().AllSatisfy(n => n.Should().BeInRange(850, 1150));
    }

    [Fact]
    public void A_cheaper_endpoint_wins_even_after_a_tie()
    {
        EndpointCandidate[] candidates = [Make("a", inputCost: 1), Make("b", inputCost: 1), Make("cheap", inputCost: 0.5), Make("c", inputCost: 1)];

        Tally(_strategy, candidates, Context(new SeededRandomSource(3)), 50)["cheap"].Should().Be(50);
    }

    [Fact]
    public void Load_does_not_outweigh_price()
    {
        EndpointCandidate[] candidates = [Make("cheap-busy", inputCost: 0.1, inFlight: 50), Make("dear-idle", inputCost: 0.2, inFlight: 0)];

        _strategy.PickCandidate(candidates, Context()).Id.Should().Be("cheap-busy");
    }
}
