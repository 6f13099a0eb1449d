using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

public class StrategyRegistryTests
{
    public static TheoryData<string, Type> BuiltIns => new()
    {
        { "round-robin", typeof(RoundRobinStrategy) },
        { "weighted", typeof(WeightedRoundRobinStrategy) },
        { "weighted-random", typeof(WeightedRandomStrategy) },
        { "least-busy", typeof(LeastBusyStrategy) },
        { "latency", typeof(LatencyStrategy) },
        { "power-of-two", typeof(PowerOfTwoChoicesStrategy) },
        { "usage", typeof(UsageStrategy) },
        { "cost", typeof(CostStrategy) },
        { "session-affinity", typeof(SessionAffinityStrategy) },
    };

    private readonly StrategyRegistry _registry = new();

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void Every_built_in_name_creates_its_strategy(string name, Type type)
    {
        var strategy = _registry.Create(name);

        strategy.Should().BeOfType(type);
        strategy.Name.Should().Be(name);
        _registry.Create(name.ToUpperInvariant()).Should().BeOfType(type, "names are case-insensitive");
        _registry.Create(name).Should().NotBeSameAs(strategy, "stateful strategies must not be shared between groups");
    }

    [Fact]
    public void Names_lists_exactly_the_built_ins()
    {
        _registry.Names.Should().BeEquivalentTo(BuiltIns.Select(row => (string)row[0]));
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var act = () => _registry.Create("fastest");

        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().Contain("'fastest'");
        foreach (var name in _registry.Names)
            message.Should().Contain(name);
    }

    [Fact]
    public void A_type_name_that_does_not_resolve_is_reported_clearly()
    {
        var act = () => _registry.RegisterType("prefer-eu", "Acme.Routing.Missing, Acme.Routing");

        act.Should().Throw<ArgumentException>()
            .WithMessage("*prefer-eu*Acme.Routing.Missing, Acme.Routing*not found*");
        _registry.Contains("prefer-eu").Should().BeFalse();
    }

    [Fact]
    public void A_type_that_is_not_a_strategy_is_reported_clearly()
    {
        var act = () => _registry.RegisterType("text", typeof(System.Text.StringBuilder).AssemblyQualifiedName!);

        act.Should().Throw<ArgumentException>().WithMessage("*text*StringBuilder*must be a concrete class implementing IRoutingStrategy*");
    }

    [Fact]
    public void A_strategy_without_a_parameterless_constructor_is_reported_clearly()
    {
        var act = () => _registry.RegisterType("needs-args", typeof(NeedsArgumentsStrategy).AssemblyQualifiedName!);

        act.Should().Throw<ArgumentException>().WithMessage("*parameterless constructor*");
    }

    [Fact]
    public void A_custom_strategy_registered_by_type_name_is_created_and_used()
    {
        _registry.RegisterType("prefer-eu", "Router.Actors.Tests.Strategies.PreferEuStrategy, Router.Actors.Tests");

        var strategy = _registry.Create("prefer-eu");

        strategy.Should().BeOfType<PreferEuStrategy>();
        EndpointCandidate[] candidates = [Make("us", inFlight: 0), Make("eu", inFlight: 5, tags: ["eu"])];
        strategy.PickCandidate(candidates, Context()).Id.Should().Be("eu");
        _registry.Names.Should().Contain("prefer-eu");
    }

    [Fact]
    public void A_custom_strategy_registered_in_code_may_replace_a_built_in()
    {
        _registry.Register("latency", () => new PreferEuStrategy());

        _registry.Create("latency").Should().BeOfType<PreferEuStrategy>();
    }
}

/// <summary>The README's example, here to prove registration by type name.</summary>
public sealed class PreferEuStrategy : IRoutingStrategy
{
    public string Name => "prefer-eu";

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
    {
        var best = -1;
        for (var i = 0; i < candidates.Count; i++)
            if (candidates[i].Definition.TagsOrEmpty.Contains("eu") && (best < 0 || candidates[i].InFlight < candidates[best].InFlight))
                best = i;
        return best >= 0 ? best : context.Random.Next(candidates.Count);
    }
}

public sealed class NeedsArgumentsStrategy(string name) : IRoutingStrategy
{
    public string Name => name;

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => 0;
}
