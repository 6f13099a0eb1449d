using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// Routers grant an uncapped endpoint without asking its actor while their snapshot of it shows nothing the actor would
/// refuse for (LocalGrants). So an actor publishes its snapshot as soon as it starts refusing (its breaker opens, its
/// provider says nothing is left) instead of at its next periodic snapshot, which would add an interval to the gossip's
/// own before other nodes stop granting there.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class RefusalPublishingTests
{
    private static readonly EndpointDefinition[] Uncapped =
        Enumerable.Range(1, 2).Select(i => new EndpointDefinition($"ep-{i}", "chat", $"http://10.0.0.{i}:8000")).ToArray();

    // Far longer than each test's waits: a snapshot that arrives in time was published when its actor changed, not by
    // the periodic publish. (The node's own cache takes its actors' snapshots as they are published; other nodes' get them
    // by gossip, at the same interval, which these tests do not wait for.)
    private static readonly TimeSpan LongSnapshotInterval = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task An_endpoint_whose_breaker_opens_publishes_it_at_once()
    {
        var (cluster, client) = await StartAsync();
        await using var _ = cluster;
        var node = cluster[0];
        var failing = Uncapped[0].Id;

        // Three consecutive failures open the breaker (the default).
        for (var failures = 0; failures < 3;)
        {
            var lease = await RouteAsync(client);
            var failed = lease.EndpointId == failing;
            if (failed) failures++;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, failed ? OutcomeKind.ServerError : OutcomeKind.Success, 20));
        }

        (await node.StateOfAsync(failing)).Snapshot.Circuit.Should().Be(CircuitState.Open);
        await Eventually.Until(() => node.Runtime.Snapshots.Slot(failing).Snapshot, s => s.Circuit == CircuitState.Open,
            $"the opened breaker was published well before the next periodic snapshot ({LongSnapshotInterval.TotalMinutes} min)", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_endpoint_whose_provider_says_no_requests_remain_publishes_it_at_once()
    {
        var (cluster, client) = await StartAsync();
        await using var _ = cluster;
        var node = cluster[0];
        var exhausted = Uncapped[1].Id;

        var lease = await RouteAsync(client);
        while (lease.EndpointId != exhausted)
        {
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            lease = await RouteAsync(client);
        }
        client.Report(new ReportOutcome(exhausted, lease.LeaseId, OutcomeKind.Success, 20,
            Provider: new ProviderRateLimits(RemainingRequests: 0, ResetRequests: TimeSpan.FromMinutes(10))));

        await Eventually.Until(() => node.Runtime.Snapshots.Slot(exhausted).Snapshot, s => s.ProviderRemainingRequests == 0,
            $"the provider's 0 remaining was published well before the next periodic snapshot ({LongSnapshotInterval.TotalMinutes} min)", TimeSpan.FromSeconds(20));
    }

    private static async Task<Lease> RouteAsync(RouterClient client) =>
        ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", "r"), TimeSpan.FromSeconds(5))).Lease;

    /// <summary>One gateway with both endpoints' actors, round-robin; returns once this node has a snapshot of each (their
    /// first, published as each actor starts serving).</summary>
    private static async Task<(TestCluster, RouterClient)> StartAsync()
    {
        var defaults = TestCluster.Options("round-robin", Uncapped);
        var cluster = await TestCluster.StartAsync(1, defaults with { Endpoint = defaults.Endpoint with { SnapshotInterval = LongSnapshotInterval } });
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);
        var warm = 0;
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"warm-{warm++}"), TimeSpan.FromSeconds(5))).Lease;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            return Uncapped.All(e => node.Runtime.Snapshots.Slot(e.Id).Snapshot.Incarnation != 0);
        }, "this node has a snapshot of every endpoint", TimeSpan.FromSeconds(20));
        return (cluster, client);
    }
}
