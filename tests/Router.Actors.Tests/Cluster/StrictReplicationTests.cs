using System.Collections.Concurrent;
using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>A strict endpoint gives a grant only once another gateway confirms it holds the snapshot recording it.</summary>
public sealed class StrictReplicationTests
{
    private static readonly EndpointDefinition Strict = new("strict-1", "chat", "http://10.0.0.1:8000", Fencing: LeaseFencing.Strict);

    [Fact]
    public async Task A_confirmation_for_another_incarnation_does_not_release_a_grant()
    {
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Options("round-robin", Strict));
        await Eventually.Until(() => cluster.Nodes.All(n => n.Runtime.Quorum.HasMajority), "both gateways have a majority");
        var state = await cluster[0].StateOfAsync(Strict.Id);
        var host = cluster.Nodes.Single(n => n.Address.ToString() == state.Node);
        var other = cluster.Nodes.Single(n => n != host);

        // The other gateway's snapshot replica never confirms: the grant waits for a confirmation this test sends.
        var exchange = await other.System.ActorSelection($"/user/{RouterHostingExtensions.SnapshotReplicaName}").ResolveOne(TimeSpan.FromSeconds(5));
        await exchange.GracefulStop(TimeSpan.FromSeconds(5));
        var entity = await host.System.ActorSelection($"/system/sharding/{RouterHostingExtensions.EndpointTypeName}/*/{Strict.Id}").ResolveOne(TimeSpan.FromSeconds(5));
        var incarnation = (await host.StateOfAsync(Strict.Id)).Snapshot.Incarnation;

        var acquiring = host.Region.Ask<LeaseAcquired>(new AcquireLease(Strict.Id, "lease-1", TimeSpan.FromMinutes(1), 0, "holder#1"), TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("no other gateway has confirmed the snapshot recording the grant");

        // Sent to the same actor reference by a replica answering the previous incarnation (an entity restarted in
        // place keeps its reference; its sequences start again at 0, so any sequence could match).
        entity.Tell(new SnapshotReplicated(incarnation - 1, long.MaxValue));
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("a confirmation of another incarnation's snapshot records none of this one's grants");

        entity.Tell(new SnapshotReplicated(incarnation, long.MaxValue));
        var grant = await acquiring;
        grant.Incarnation.Should().Be(incarnation);
    }

    /// <summary>
    /// With 4 gateways, the endpoint's node and one confirming gateway could be downed together while the other two, a
    /// majority with a successor, had not heard of the grant. So it waits for two other gateways: with its own node, 3 of 4.
    /// </summary>
    [Fact]
    public async Task With_four_gateways_a_grant_waits_until_two_other_gateways_hold_it()
    {
        await using var cluster = await TestCluster.StartAsync(4, TestCluster.Options("round-robin", Strict));
        await Eventually.Until(() => cluster.Nodes.All(n => n.Runtime.Quorum.HasMajority), "every gateway has a majority");
        var state = await cluster[0].StateOfAsync(Strict.Id);
        var host = cluster.Nodes.Single(n => n.Address.ToString() == state.Node);
        var others = cluster.Nodes.Where(n => n != host).ToList();
        // Each other gateway's replica is replaced by one that keeps what it is sent and confirms only when this test says.
        var held = new Dictionary<TestNode, ConcurrentQueue<(IActorRef Endpoint, ReplicateSnapshot Sent)>>();
        var replicas = new Dictionary<TestNode, IActorRef>();
        foreach (var other in others)
        {
            var replica = await other.System.ActorSelection($"/user/{RouterHostingExtensions.SnapshotReplicaName}").ResolveOne(TimeSpan.FromSeconds(5));
            await replica.GracefulStop(TimeSpan.FromSeconds(5));
            held[other] = new ConcurrentQueue<(IActorRef, ReplicateSnapshot)>();
            var queue = held[other];
            // The name is free once the guardian has seen the old replica terminate, shortly after GracefulStop returns.
            await Eventually.Until(() =>
            {
                try
                {
                    replicas[other] = other.System.ActorOf(Props.Create(() => new HeldReplica(queue)), RouterHostingExtensions.SnapshotReplicaName);
                    return true;
                }
                catch (InvalidActorNameException)
                {
                    return false;
                }
            }, "the stand-in replica takes the replica's name");
        }
        // As a replica confirms: to the endpoint actor that sent the snapshot, from the replica's own gateway.
        void ConfirmFrom(TestNode gateway)
        {
            var (endpoint, sent) = held[gateway].Single();
            endpoint.Tell(new SnapshotReplicated(sent.Snapshot.Incarnation, sent.Snapshot.Sequence), replicas[gateway]);
        }

        var acquiring = host.Region.Ask<LeaseAcquired>(new AcquireLease(Strict.Id, "lease-1", TimeSpan.FromMinutes(1), 0, "holder#1"), TimeSpan.FromSeconds(20));
        await Eventually.Until(() => others.All(o => held[o].Count == 1), "every other gateway was sent the snapshot recording the grant");
        ConfirmFrom(others[0]);
        ConfirmFrom(others[0]);
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("one other gateway (twice) and the endpoint's own node are 2 of 4, not a majority");

        ConfirmFrom(others[1]);
        (await acquiring).Incarnation.Should().Be(held[others[1]].Single().Sent.Snapshot.Incarnation);
    }

    private sealed class HeldReplica : ReceiveActor
    {
        public HeldReplica(ConcurrentQueue<(IActorRef, ReplicateSnapshot)> held) =>
            Receive<ReplicateSnapshot>(replicate => held.Enqueue((Sender, replicate)));
    }
}
