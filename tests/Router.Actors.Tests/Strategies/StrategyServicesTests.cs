using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;
using Router.Actors.Strategies;
using static Router.Actors.Tests.Strategies.Candidates;

namespace Router.Actors.Tests.Strategies;

/// <summary>A user's strategy added to the container by name, as a group resolves it.</summary>
public sealed class StrategyServicesTests
{
    public sealed record PreferredTag(string Tag);

    /// <summary>Takes a service in its constructor: only the container can create it.</summary>
    public sealed class PreferTagStrategy(PreferredTag preferred) : IRoutingStrategy
    {
        public string Name => "prefer-tag";

        public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context)
        {
            for (var i = 0; i < candidates.Count; i++)
                if (candidates[i].Definition.TagsOrEmpty.Contains(preferred.Tag)) return i;
            return 0;
        }
    }

    [Fact]
    public void A_strategy_added_with_AddRoutingStrategy_is_known_by_name_and_created_per_group_from_the_container()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new PreferredTag("eu"));
        services.AddRoutingStrategy<PreferTagStrategy>("prefer-tag");
        services.AddRouterRuntime(new RouterClusterSettings { Port = 0 });
        using var provider = services.BuildServiceProvider();

        var runtime = provider.GetRequiredService<RouterRuntime>();
        try
        {
            runtime.Strategies.Contains("prefer-tag").Should().BeTrue();
            var first = runtime.Strategies.Create("prefer-tag");
            first.Should().BeOfType<PreferTagStrategy>().And.NotBeSameAs(runtime.Strategies.Create("prefer-tag"));
            first.PickCandidate([Make("us"), Make("eu", tags: ["eu"])], Context()).Id.Should().Be("eu");
        }
        finally
        {
            runtime.Metrics.Dispose();
        }
    }
}
