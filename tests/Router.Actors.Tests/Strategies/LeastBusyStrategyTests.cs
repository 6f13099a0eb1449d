using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class LeastBusyStrategyTests
{
    private readonly LeastBusyStrategy _strategy = new();

    [Fact]
    public void Name_is_least_busy() => _strategy.Name.Should().Be("least-busy");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Picks_the_fewest_in_flight(int seed)
    {
        EndpointCandidate[] candidates = [Make("a", inFlight: 4), Make("b", inFlight: 1), Make("c", inFlight: 7)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(seed)), 200);

        tally["b"].Should().Be(200);
    }

    [Fact]
    public void Ties_are_spread_over_the_tied_endpoints()
    {
        EndpointCandidate[] candidates = [Make("a", inFlight: 0), Make("busy", inFlight: 5), Make("b", inFlight: 0)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(4)), 1_000);

        tally["busy"].Should().Be(0);
        tally["a"].Should().BeInRange(400, 600);
        tally["b"].Should().BeInRange(400, 600);
    }

    [Fact]
    public void A_three_way_tie_is_uniform()
    {
        EndpointCandidate[] candidates = [Make("a"), Make("b"), Make("c")];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(8)), 3_000);

        tally.Values.Should().OnlyContain(n => n > 900 && n < 1_100);
    }
}
