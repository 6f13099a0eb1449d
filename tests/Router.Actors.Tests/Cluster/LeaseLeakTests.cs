using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>Every granted lease is released whatever happens to its caller: nothing waits for the lease TTL.</summary>
public sealed class LeaseLeakTests
{
    private static readonly EndpointDefinition Single = new("single", "chat", "http://10.0.0.1:8000", MaxInFlight: 1);

    [Fact]
    public async Task A_caller_that_leaves_while_routing_still_gives_its_grant_back()
    {
        await using var cluster = await TestCluster.StartAsync(1, TestCluster.Options("round-robin", Single));
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);

        for (var i = 0; i < 5; i++)
        {
            // The client hung up before the router answered. Cancelled before the call, so the answer can never win the
            // race (cancelling just after it lost to a fast local grant now and then): the request is still sent.
            using var left = new CancellationTokenSource();
            left.Cancel();
            await FluentActions.Awaiting(() => client.RouteAsync(new RouteRequest("chat", $"gone-{i}"), TimeSpan.FromSeconds(5), left.Token).AsTask())
                .Should().ThrowAsync<OperationCanceledException>();

            // The grant that arrives after the caller left is released at once (the lease TTL is 10 s).
            var granted = i + 1;
            await Eventually.Until(async () => (await node.StateOfAsync("single")).Snapshot, s => s is { InFlight: 0 } && s.TotalRequests == granted,
                "the grant made after the caller left is released", TimeSpan.FromSeconds(3));
        }
        var after = await client.RouteAsync(new RouteRequest("chat", "after"), TimeSpan.FromSeconds(5));
        after.Should().BeOfType<LeaseGranted>(after.ToString());
        node.Runtime.Leases.Count.Should().Be(1, "only the lease granted to a caller still waiting is held");
    }
}
