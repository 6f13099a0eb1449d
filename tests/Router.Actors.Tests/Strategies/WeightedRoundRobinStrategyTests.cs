using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class WeightedRoundRobinStrategyTests
{
    private readonly WeightedRoundRobinStrategy _strategy = new();

    [Fact]
    public void Name_is_weighted() => _strategy.Name.Should().Be("weighted").And.Be(WeightedRoundRobinStrategy.StrategyName);

    [Fact]
    public void Three_to_one_interleaves_smoothly()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 3), Make("b", weight: 1)];

        Sequence(_strategy, candidates, Context(), 8).Should().Equal("a", "a", "b", "a", "a", "a", "b", "a");
    }

    [Fact]
    public void Three_to_one_gives_exactly_three_quarters_over_400_picks()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 3), Make("b", weight: 1)];

        var tally = Tally(_strategy, candidates, Context(), 400);

        tally["a"].Should().Be(300);
        tally["b"].Should().Be(100);
    }

    [Fact]
    public void Five_one_one_matches_the_nginx_sequence()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 5), Make("b", weight: 1), Make("c", weight: 1)];

        Sequence(_strategy, candidates, Context(), 7).Should().Equal("a", "a", "b", "a", "c", "a", "a");
    }

    [Fact]
    public void Zero_and_negative_weights_are_never_picked()
    {
        EndpointCandidate[] candidates = [Make("zero", weight: 0), Make("a", weight: 2), Make("negative", weight: -3)];

        var tally = Tally(_strategy, candidates, Context(), 50);

        tally["a"].Should().Be(50);
    }

    [Fact]
    public void All_zero_weights_count_as_equal()
    {
        EndpointCandidate[] candidates = [Make("a", weight: 0), Make("b", weight: 0)];

        Sequence(_strategy, candidates, Context(), 4).Should().Equal("a", "b", "a", "b");
    }

    [Fact]
    public void Candidate_set_may_change_between_picks()
    {
        var a = Make("a", weight: 1);
        var b = Make("b", weight: 1);
        var c = Make("c", weight: 1);

        _strategy.PickCandidate([a, b], Context()).Id.Should().Be("a");
        // An absent endpoint is never picked, whatever its accumulated weight.
        Sequence(_strategy, [b], Context(), 3).Should().Equal("b", "b", "b");
        // A new endpoint starts at 0 and then takes its share.
        var tally = Tally(_strategy, [a, b, c], Context(), 30);
        tally.Values.Should().OnlyContain(n => n >= 9 && n <= 11);
    }
}
