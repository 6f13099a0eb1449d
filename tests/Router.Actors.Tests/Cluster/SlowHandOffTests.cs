using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A new incarnation that waits for a member's statement (slow, frozen or gone) for longer than its snapshot interval
/// must still take over what the previous incarnation recorded. It once published its own snapshot while waiting: one of a
/// newer incarnation, which then replaced the previous incarnation's everywhere (its own node's cache at once), so the
/// hand-off took over from itself and gave away a slot whose holder may still be running (seen once in CI, as a strict
/// endpoint at 2 of 1 while its holder's gateway was frozen).
/// </summary>
public sealed class SlowHandOffTests
{
    private static readonly EndpointDefinition Strict = new("strict-1", "chat", "http://10.0.0.1:8000", MaxInFlight: 1, Fencing: LeaseFencing.Strict);

    // Holders on no member's address: nothing in the cluster can state or end their leases, as for a frozen gateway's.
    private const string SilentHolder = "akka.tcp://llm-router@10.9.9.9:4053#1";
    private const string OtherHolder = "akka.tcp://llm-router@10.9.9.8:4053#2";

    [Fact]
    public async Task A_successor_that_waits_for_a_silent_member_still_keeps_the_slot_the_previous_incarnation_granted()
    {
        // A strict successor waits for every member's statement up to the longest lease: short here, so the test is quick.
        var options = TestCluster.Options("round-robin", Strict) with { Routing = new() { LeaseDuration = TimeSpan.FromSeconds(3) } };
        await using var cluster = await TestCluster.StartAsync(2, options);
        await Eventually.Until(() => cluster.Nodes.All(n => n.Runtime.Quorum.HasMajority), "both gateways have a majority");
        var state = await cluster[0].StateOfAsync(Strict.Id);
        var host = cluster.Nodes.Single(n => n.Address.ToString() == state.Node);
        var other = cluster.Nodes.Single(n => n != host);

        var grant = await host.Region.Ask<object>(new AcquireLease(Strict.Id, "held", TimeSpan.FromMinutes(1), 0, SilentHolder), TimeSpan.FromSeconds(10));
        grant.Should().BeOfType<LeaseAcquired>();
        await Eventually.Until(() => host.Runtime.Snapshots.LastPublished(Strict.Id), s => s.InFlight == 1,
            "the host's cache holds the snapshot recording the silent holder's lease");

        // The other gateway will not state its leases (its lease keeper is gone), so the next incarnation waits for it
        // until its deadline, many snapshot intervals; the host's own statement arrives at once.
        var keeper = await other.System.ActorSelection($"/user/{RouterHostingExtensions.LeaseKeeperName}").ResolveOne(TimeSpan.FromSeconds(5));
        await keeper.GracefulStop(TimeSpan.FromSeconds(5));
        var entity = await host.System.ActorSelection($"/system/sharding/{RouterHostingExtensions.EndpointTypeName}/*/{Strict.Id}")
            .ResolveOne(TimeSpan.FromSeconds(5));
        await entity.GracefulStop(TimeSpan.FromSeconds(5)); // the next message starts a new incarnation on the same node

        // Answered once the new incarnation serves: the silent holder's slot is still taken.
        var asking = host.Region.Ask<object>(new AcquireLease(Strict.Id, "second", TimeSpan.FromMinutes(1), 0, OtherHolder), TimeSpan.FromSeconds(15));
        // Meanwhile no node may learn of a newer snapshot that lacks the slot: a successor there would take over from it.
        var seenWithoutTheSlot = new List<EndpointSnapshot>();
        while (!asking.IsCompleted)
        {
            foreach (var node in cluster.Nodes)
                if (node.Runtime.Snapshots.LastPublished(Strict.Id) is { } known && known.InFlightByHolder?.ContainsKey(SilentHolder) != true)
                    seenWithoutTheSlot.Add(known);
            await Task.WhenAny(asking, Task.Delay(10)); // sampling, not waiting for a condition
        }
        var answer = await asking;
        seenWithoutTheSlot.Should().BeEmpty("every published snapshot after the grant records the silent holder's slot (seen: {0})",
            string.Join("; ", seenWithoutTheSlot.DistinctBy(s => (s.Incarnation, s.Sequence)).Select(s => $"incarnation {s.Incarnation} #{s.Sequence}, {s.InFlight} in flight")));
        answer.Should().BeOfType<LeaseRefused>("the previous incarnation granted the only slot to a holder no one has heard from")
            .Which.Reason.Should().Be(LeaseRefusalReason.AtCapacity);
        var successor = (await host.StateOfAsync(Strict.Id)).Snapshot;
        successor.Incarnation.Should().BeGreaterThan(((LeaseAcquired)grant).Incarnation);
        successor.InFlightByHolder.Should().ContainKey(SilentHolder);
    }
}
