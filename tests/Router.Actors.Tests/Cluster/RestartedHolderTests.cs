using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A strict endpoint's new incarnation that learns of a lease from the previous incarnation's snapshot keeps that slot
/// for a silent holder, unless the holder is proven gone: a member now runs at its address with another uid.
/// </summary>
public class RestartedHolderTests
{
    [Fact]
    public async Task A_slot_kept_for_a_holder_whose_node_restarted_before_the_new_incarnation_started_comes_back_at_once()
    {
        // As in FreezeTests: the holder hosted the endpoint, froze, was removed and restarted; the endpoint's shard then
        // landed on the restarted node itself, whose membership event came before the new incarnation took over.
        var strict = new EndpointDefinition("strict", "strict", "http://10.0.0.1:8000", MaxInFlight: 1, Fencing: LeaseFencing.Strict);
        await using var cluster = await TestCluster.StartAsync(1, TestCluster.Options("round-robin", strict));
        var node = cluster[0];
        var earlierProcess = $"{node.Address}#{node.Cluster.SelfUniqueAddress.Uid + 1}"; // same address, another uid
        var previous = EndpointSnapshot.Empty(strict.Id) with
        {
            Incarnation = DateTimeOffset.UtcNow.AddMinutes(-1).UtcTicks, Sequence = 3, TakenAt = DateTimeOffset.UtcNow.AddSeconds(-30),
            InFlight = 1, PeakInFlight = 1, InFlightByHolder = new Dictionary<string, int> { [earlierProcess] = 1 },
        };
        node.Runtime.Snapshots.Apply(previous).Should().BeTrue();

        // Asking starts the endpoint's actor: it takes over from that snapshot.
        await Eventually.Until(async () => (await node.StateOfAsync(strict.Id)).Snapshot,
            s => s.Incarnation != 0 && s.Incarnation != previous.Incarnation && s.Sequence > 0,
            "the new incarnation serves", TimeSpan.FromSeconds(10));
        await Eventually.Until(async () => (await node.StateOfAsync(strict.Id)).Snapshot, s => s.InFlight == 0,
            "the slot of the restarted holder's earlier process is free (not kept for the 5-minute lease duration)", TimeSpan.FromSeconds(5));

        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);
        (await client.RouteAsync(new RouteRequest(strict.ModelGroup, "after"), TimeSpan.FromSeconds(10))).Should().BeOfType<LeaseGranted>();
    }
}
