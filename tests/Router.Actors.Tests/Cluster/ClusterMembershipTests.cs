using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

[Collection(nameof(ClusterTests))]
public class ClusterMembershipTests
{
    private static readonly EndpointDefinition[] TwelveEndpoints = Enumerable.Range(1, 12)
        .Select(i => new EndpointDefinition($"ep-{i:00}", "chat", $"http://10.0.0.{i}:8000"))
        .ToArray();

    [Fact]
    public async Task A_leaving_node_hands_its_endpoint_shards_to_the_others_and_routing_continues()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", TwelveEndpoints));
        var leaving = cluster[2];

        // Touch every endpoint so its entity lives somewhere; some land on the node that will leave.
        foreach (var endpoint in TwelveEndpoints) (await cluster[0].StateOfAsync(endpoint.Id)).Definition.Should().NotBeNull();
        var hostedOnLeaving = await EndpointsHostedOn(leaving);
        hostedOnLeaving.Should().NotBeEmpty("12 endpoints over 100 shards and 3 nodes put some on every node");

        await leaving.StopAsync(); // graceful: CoordinatedShutdown leaves the cluster and hands shards off
        cluster.Forget(leaving);
        await Eventually.Until(() => cluster.Nodes.All(n => n.Cluster.State.Members.Count == 2), "the node has left");

        // Every endpoint, including those that lived on the departed node, grants leases via both survivors.
        foreach (var node in cluster.Nodes)
        {
            var exclude = new List<string>();
            for (var i = 0; i < TwelveEndpoints.Length; i++)
            {
                var answer = await node.RouteAsync(new RouteRequest("chat", $"after-leave-{i}", ExcludeEndpoints: exclude.ToArray()));
                var lease = answer.Should().BeOfType<LeaseGranted>().Subject.Lease;
                exclude.Add(lease.EndpointId);
                node.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
            }
            exclude.Should().BeEquivalentTo(TwelveEndpoints.Select(e => e.Id));
        }
    }

    [Fact]
    public async Task A_client_role_actor_system_routes_through_the_gateways_like_another_akka_service()
    {
        var endpoint = new EndpointDefinition("only", "chat", "http://10.0.0.1:8000", MaxInFlight: 1);
        var options = TestCluster.Options("round-robin", endpoint);
        await using var cluster = await TestCluster.StartAsync(2, options);
        var service = await cluster.AddNodeAsync(options with { Roles = ["billing-service"] });
        var client = new RouterClient(service.System, service.Runtime, service.Region);

        var answer = await client.RouteAsync(new RouteRequest("chat", "from-service"), TimeSpan.FromSeconds(10));
        var lease = answer.Should().BeOfType<LeaseGranted>().Subject.Lease;
        lease.EndpointId.Should().Be("only");
        lease.Url.Should().Be("http://10.0.0.1:8000");

        (await cluster[0].StateOfAsync("only")).Snapshot.InFlight.Should().Be(1);
        client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 12));
        await Eventually.Until(async () => (await cluster[1].StateOfAsync("only")).Snapshot, s => s.InFlight == 0,
            "the service's release reached the endpoint");
    }

    [Fact]
    public async Task A_lease_whose_holder_never_reports_is_reclaimed_after_its_expiry()
    {
        var endpoint = new EndpointDefinition("single", "chat", "http://10.0.0.1:8000", MaxInFlight: 1);
        await using var cluster = await TestCluster.StartAsync(1, TestCluster.Options("round-robin", endpoint));
        var node = cluster[0];

        var first = await node.RouteAsync(new RouteRequest("chat", "abandoned", LeaseDuration: TimeSpan.FromMilliseconds(300)));
        first.Should().BeOfType<LeaseGranted>();
        (await node.RouteAsync(new RouteRequest("chat", "blocked"))).Should().BeOfType<NoEndpointAvailable>()
            .Which.Reason.Should().Be(NoEndpointReason.AllAtCapacity);

        await Eventually.Until(async () => (await node.StateOfAsync("single")).Snapshot, s => s.InFlight == 0,
            "the abandoned lease is reclaimed");
        (await node.RouteAsync(new RouteRequest("chat", "after"))).Should().BeOfType<LeaseGranted>();
    }

    [Fact]
    public async Task After_a_shard_moves_the_new_endpoint_actor_counts_exactly_the_leases_live_nodes_hold()
    {
        // One group per endpoint, so a lease can be taken on a chosen endpoint.
        var endpoints = TwelveEndpoints.Select(e => e with { ModelGroup = e.Id, MaxInFlight = 10 }).ToArray();
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", endpoints));
        foreach (var endpoint in endpoints) await cluster[0].StateOfAsync(endpoint.Id);

        // An endpoint whose actor lives on a node other than the first (which hosts the singletons).
        var leaving = cluster[2];
        var moving = (await EndpointsHostedOn(leaving)).First();
        var survivor = cluster[1];
        var survivorClient = new RouterClient(survivor.System, survivor.Runtime, survivor.Region, survivor.Router);
        var leavingClient = new RouterClient(leaving.System, leaving.Runtime, leaving.Region, leaving.Router);

        var held = new List<Lease>();
        for (var i = 0; i < 3; i++)
            held.Add(((LeaseGranted)await survivorClient.RouteAsync(new RouteRequest(moving, $"held-{i}"), TimeSpan.FromSeconds(10))).Lease);
        for (var i = 0; i < 2; i++) // held by the node that goes away: nobody will re-assert these
            (await leavingClient.RouteAsync(new RouteRequest(moving, $"lost-{i}"), TimeSpan.FromSeconds(10))).Should().BeOfType<LeaseGranted>();
        // A lease granted on a spare the endpoint lent reaches its actor in the node's next batch (5 ms).
        await Eventually.Until(async () => (await survivor.StateOfAsync(moving)).Snapshot, s => s.InFlight == 5,
            "the endpoint counts all five leases before the node leaves");

        await leaving.StopAsync();
        cluster.Forget(leaving);

        // The survivor's query starts the endpoint's new actor elsewhere; the survivor re-asserts its 3 leases.
        await Eventually.Until(async () => (await survivor.StateOfAsync(moving)).Snapshot, s => s.InFlight == 3,
            "the new endpoint actor counts the survivor's 3 leases, not the departed node's 2", TimeSpan.FromSeconds(30));
        var afterMove = (await cluster[0].StateOfAsync(moving)).Snapshot;
        afterMove.InFlight.Should().Be(3);

        foreach (var lease in held) survivorClient.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
        await Eventually.Until(async () => (await survivor.StateOfAsync(moving)).Snapshot, s => s.InFlight == 0, "every lease is released");
        survivor.Runtime.Leases.InUse.Should().Be(0, "no request holds a lease (idle spares may stay lent to the node)");
    }

    [Fact]
    public async Task Leases_held_through_a_node_that_left_stop_counting_at_once_not_at_their_expiry()
    {
        var endpoints = TwelveEndpoints.Select(e => e with { ModelGroup = e.Id }).ToArray();
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", endpoints));
        foreach (var endpoint in endpoints) await cluster[0].StateOfAsync(endpoint.Id);
        var staying = (await EndpointsHostedOn(cluster[1])).First();
        var leaving = cluster[2];
        var client = new RouterClient(leaving.System, leaving.Runtime, leaving.Region, leaving.Router);

        for (var i = 0; i < 2; i++) // five-minute leases whose holder goes away without reporting
            (await client.RouteAsync(new RouteRequest(staying, $"orphan-{i}"), TimeSpan.FromSeconds(10))).Should().BeOfType<LeaseGranted>();
        // Granted where the caller is (uncapped), the leases reach the endpoint's actor in the node's next batch (5 ms).
        await Eventually.Until(async () => (await cluster[1].StateOfAsync(staying)).Snapshot, s => s.InFlight == 2,
            "the endpoint counts both leases of the node about to leave");

        await leaving.StopAsync();
        cluster.Forget(leaving);

        await Eventually.Until(async () => (await cluster[1].StateOfAsync(staying)).Snapshot, s => s.InFlight == 0,
            "the endpoint drops the departed node's leases when it is removed from the cluster");
    }

    private static async Task<List<string>> EndpointsHostedOn(TestNode node)
    {
        var state = await node.Region.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(
            Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        return state.Shards.SelectMany(s => s.EntityIds).ToList();
    }
}
