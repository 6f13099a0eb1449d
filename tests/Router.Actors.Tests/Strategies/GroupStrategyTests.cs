using Microsoft.Extensions.Logging.Abstractions;
using Router.Actors.Routing;
using Router.Actors.Strategies;

namespace Router.Actors.Tests.Strategies;

/// <summary>A group's strategy as the router pool uses it: shared, and isolated from a misbehaving custom strategy.</summary>
public class GroupStrategyTests
{
    private sealed class Throwing : IRoutingStrategy
    {
        public string Name => "throwing";
        public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => throw new InvalidOperationException("bug");
    }

    private sealed class PicksPastTheEnd : IRoutingStrategy
    {
        public string Name => "past-the-end";
        public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => candidates.Count;
    }

    private sealed class PicksANegativeIndex : IRoutingStrategy
    {
        public string Name => "negative";
        public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => -1;
    }

    private static readonly List<EndpointCandidate> Three = [Candidates.Make("a"), Candidates.Make("b"), Candidates.Make("c")];

    [Theory]
    [InlineData(typeof(Throwing))]
    [InlineData(typeof(PicksPastTheEnd))]
    [InlineData(typeof(PicksANegativeIndex))]
    public void A_strategy_that_throws_or_picks_outside_the_candidates_falls_back_to_round_robin_for_that_decision(Type type)
    {
        var strategy = new GroupStrategy((IRoutingStrategy)Activator.CreateInstance(type)!);

        var picks = Enumerable.Range(0, 6).Select(_ => Three[strategy.Pick(Three, Candidates.Context(), NullLogger.Instance)].Id).ToList();

        picks.Should().Equal("a", "b", "c", "a", "b", "c");
    }

    [Fact]
    public void Every_router_of_a_node_gets_the_same_instance_for_a_group()
    {
        var strategies = new GroupStrategies();
        var group = new Router.Messages.Endpoints.ModelGroupDefinition("g", "weighted");
        strategies.For(group, new StrategyRegistry()).Should().BeSameAs(strategies.For(group, new StrategyRegistry()));
    }

    [Fact]
    public void A_group_removed_from_the_directory_or_given_another_strategy_loses_its_instance()
    {
        var strategies = new GroupStrategies();
        var registry = new StrategyRegistry();
        var kept = new Router.Messages.Endpoints.ModelGroupDefinition("kept", "weighted");
        var removed = new Router.Messages.Endpoints.ModelGroupDefinition("removed", "weighted");
        var changed = new Router.Messages.Endpoints.ModelGroupDefinition("changed", "weighted");
        var keptInstance = strategies.For(kept, registry);
        strategies.For(removed, registry);
        strategies.For(changed, registry);

        strategies.Retain(new Router.Actors.Directory.DirectorySnapshot([kept, changed with { Strategy = "least-busy" }], []));

        strategies.Count.Should().Be(1);
        strategies.For(kept, registry).Should().BeSameAs(keptInstance);
    }
}
