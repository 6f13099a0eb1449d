using Router.Actors.Strategies;

namespace Router.Node.Tests;

/// <summary>A user's own strategy, named in configuration by type, routes real requests.</summary>
public sealed class CustomStrategyTests
{
    [Fact]
    public async Task A_custom_strategy_named_in_configuration_picks_the_endpoint()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("a").Sim("z")
            .Group("chat", "always-last")
            .Endpoint("chat", "a", "a")
            .Endpoint("chat", "z", "z")
            .Set("Router:CustomStrategies:always-last", typeof(AlwaysLastStrategy).AssemblyQualifiedName!));

        for (var i = 0; i < 10; i++)
        {
            var response = await TestGateway.Http.PostAsync(gateway.BaseUrl + "/v1/chat/completions",
                new StringContent("""{"model":"chat","messages":[{"role":"user","content":"hi"}]}"""));
            response.Headers.GetValues("x-router-endpoint").Single().Should().Be("z");
        }
        gateway.Sim("a").Stats.TotalRequests.Should().Be(0);
    }

    [Fact]
    public async Task A_custom_strategy_type_that_does_not_exist_stops_the_node_naming_the_key()
    {
        var act = () => TestGateway.StartAsync(s => s
            .Sim("a").Group("chat", "nope").Endpoint("chat", "a", "a")
            .Set("Router:CustomStrategies:nope", "Acme.Missing, Acme"));
        (await act.Should().ThrowAsync<Router.Node.Configuration.NodeConfigurationException>())
            .WithMessage("*Router:CustomStrategies*Acme.Missing*");
    }
}

/// <summary>Picks the last candidate (endpoints are sorted by id): easy to see from outside.</summary>
public sealed class AlwaysLastStrategy : IRoutingStrategy
{
    public string Name => "always-last";

    public int Pick(IReadOnlyList<EndpointCandidate> candidates, RoutingContext context) => candidates.Count - 1;
}
