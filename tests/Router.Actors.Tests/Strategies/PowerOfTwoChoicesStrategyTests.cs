using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class PowerOfTwoChoicesStrategyTests
{
    private readonly PowerOfTwoChoicesStrategy _strategy = new();

    [Fact]
    public void Name_is_power_of_two() => _strategy.Name.Should().Be("power-of-two");

    [Fact]
    public void A_single_candidate_is_picked_without_drawing()
    {
        var only = Make("only", inFlight: 9);

        _strategy.PickCandidate([only], Context(new ScriptedRandom())).Should().Be(only);
    }

    [Fact]
    public void The_two_draws_are_distinct()
    {
        // With draws that could repeat, the busy one would sometimes be compared with itself and win.
        EndpointCandidate[] candidates = [Make("busy", inFlight: 1), Make("idle", inFlight: 0)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(1)), 500);

        tally["idle"].Should().Be(500);
    }

    [Fact]
    public void The_strictly_most_loaded_of_three_is_never_picked()
    {
        EndpointCandidate[] candidates = [Make("a", inFlight: 0), Make("hot", inFlight: 10), Make("b", inFlight: 0)];

        var tally = Tally(_strategy, candidates, Context(new SeededRandomSource(2)), 1_000);

        tally["hot"].Should().Be(0);
        tally["a"].Should().BeInRange(400, 600);
        tally["b"].Should().BeInRange(400, 600);
    }

    [Fact]
    public void Prefers_the_less_loaded_of_the_two_drawn()
    {
        EndpointCandidate[] candidates = [Make("a", inFlight: 5), Make("b", inFlight: 2), Make("c", inFlight: 0)];

        // Draws a (index 0) and b (index 0 of the remaining, shifted to 1): c is idle but was not drawn.
        _strategy.PickCandidate(candidates, Context(new ScriptedRandom(ints: [0, 0]))).Id.Should().Be("b");
        // Draws c (2) and a (0).
        _strategy.PickCandidate(candidates, Context(new ScriptedRandom(ints: [2, 0]))).Id.Should().Be("c");
    }

    [Fact]
    public void Equal_load_goes_to_the_lower_latency_then_to_the_first_drawn()
    {
        EndpointCandidate[] byLatency = [Make("slow", inFlight: 1, latencyMs: 300), Make("fast", inFlight: 1, latencyMs: 100)];
        EndpointCandidate[] tied = [Make("a", inFlight: 1, latencyMs: 100), Make("b", inFlight: 1, latencyMs: 100)];

        _strategy.PickCandidate(byLatency, Context(new ScriptedRandom(ints: [0, 0]))).Id.Should().Be("fast");
        _strategy.PickCandidate(byLatency, Context(new ScriptedRandom(ints: [1, 0]))).Id.Should().Be("fast");
        _strategy.PickCandidate(tied, Context(new ScriptedRandom(ints: [1, 0]))).Id.Should().Be("b");
        _strategy.PickCandidate(tied, Context(new ScriptedRandom(ints: [0, 0]))).Id.Should().Be("a");
    }
}
