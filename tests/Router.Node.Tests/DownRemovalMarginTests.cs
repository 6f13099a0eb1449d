using Microsoft.Extensions.DependencyInjection;

namespace Router.Node.Tests;

/// <summary>
/// Sharding and singletons wait the downing provider's removal margin after a node is removed before starting its
/// shards elsewhere. Akka's split-brain resolver makes that the stable-after (7 s more of failover) unless
/// <c>akka.cluster.down-removal-margin</c> is set; the node sets it from <c>Cluster:DownRemovalMarginSeconds</c>.
/// </summary>
public class DownRemovalMarginTests
{
    [Theory]
    [InlineData(null, 1.0)]   // the shipped default
    [InlineData("2.5", 2.5)]
    [InlineData("0", 0.001)] // 0 would mean "off" to Akka, i.e. the stable-after again
    public async Task The_margin_sharding_waits_is_the_configured_one_not_the_stable_after(string? configured, double expectedSeconds)
    {
        await using var gateway = await TestGateway.StartAsync(s =>
        {
            s.Sim("a").Group("chat").Endpoint("chat", "a", "a");
            if (configured is not null) s.Set("Cluster:DownRemovalMarginSeconds", configured);
        });

        var system = gateway.Node.App.Services.GetRequiredService<Akka.Actor.ActorSystem>();
        Akka.Cluster.Cluster.Get(system).DowningProvider.DownRemovalMargin.TotalSeconds.Should().BeApproximately(expectedSeconds, 0.0005);
    }
}
