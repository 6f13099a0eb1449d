using System.Collections.Concurrent;
using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A strict endpoint gives a grant only once enough other gateways confirm they hold the snapshot recording it that, with
/// its own node, they are a majority. Each other gateway's snapshot replica is replaced by a <see cref="HeldReplica"/>
/// that keeps what it is sent and confirms only when the test says, as a replica does: to the endpoint actor that sent
/// the snapshot, from its own gateway.
/// </summary>
public sealed class StrictReplicationTests
{
    private static readonly EndpointDefinition Strict = new("strict-1", "chat", "http://10.0.0.1:8000", Fencing: LeaseFencing.Strict);

    [Fact]
    public async Task A_confirmation_for_another_incarnation_does_not_release_a_grant()
    {
        await using var cluster = await TestCluster.StartAsync(2, TestCluster.Options("round-robin", Strict));
        var (host, others) = await StandInsAsync(cluster);
        var replica = others.Single();

        var acquiring = Acquire(host);
        var (endpoint, sent) = await replica.SentAsync();
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("no other gateway has confirmed the snapshot recording the grant");

        // Sent to the same actor reference by a replica answering the previous incarnation (an entity restarted in
        // place keeps its reference; its sequences start again at 0, so any sequence could match).
        endpoint.Tell(new SnapshotReplicated(sent.Snapshot.Incarnation - 1, long.MaxValue), replica.Ref);
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("a confirmation of another incarnation's snapshot records none of this one's grants");

        replica.Confirm();
        (await acquiring).Incarnation.Should().Be(sent.Snapshot.Incarnation);
    }

    /// <summary>
    /// With 4 gateways, the endpoint's node and one confirming gateway could be downed together while the other two, a
    /// majority with a successor, had not heard of the grant. So it waits for two other gateways: with its own node, 3 of 4.
    /// </summary>
    [Fact]
    public async Task With_four_gateways_a_grant_waits_until_two_other_gateways_hold_it()
    {
        await using var cluster = await TestCluster.StartAsync(4, TestCluster.Options("round-robin", Strict));
        var (host, others) = await StandInsAsync(cluster);

        var acquiring = Acquire(host);
        foreach (var replica in others) await replica.SentAsync();
        others[0].Confirm();
        others[0].Confirm();
        await Task.Delay(300);
        acquiring.IsCompleted.Should().BeFalse("one other gateway (twice) and the endpoint's own node are 2 of 4, not a majority");

        others[1].Confirm();
        (await acquiring).Incarnation.Should().Be((await others[1].SentAsync()).Sent.Snapshot.Incarnation);
    }

    private static Task<LeaseAcquired> Acquire(TestNode host) =>
        host.Region.Ask<LeaseAcquired>(new AcquireLease(Strict.Id, "lease-1", TimeSpan.FromMinutes(1), 0, "holder#1"), TimeSpan.FromSeconds(20));

    /// <summary>The strict endpoint's host, and a stand-in replica on each other gateway.</summary>
    private static async Task<(TestNode Host, List<StandIn> Others)> StandInsAsync(TestCluster cluster)
    {
        await Eventually.Until(() => cluster.Nodes.All(n => n.Runtime.Quorum.HasMajority), "every gateway has a majority");
        var state = await cluster[0].StateOfAsync(Strict.Id);
        var host = cluster.Nodes.Single(n => n.Address.ToString() == state.Node);
        var others = new List<StandIn>();
        foreach (var other in cluster.Nodes.Where(n => n != host)) others.Add(await StandIn.StartAsync(other));
        return (host, others);
    }

    /// <summary>A gateway's snapshot replica replaced by a <see cref="HeldReplica"/>.</summary>
    private sealed class StandIn(IActorRef replica, ConcurrentQueue<(IActorRef Endpoint, ReplicateSnapshot Sent)> held)
    {
        public IActorRef Ref => replica;

        public static async Task<StandIn> StartAsync(TestNode gateway)
        {
            var original = await gateway.System.ActorSelection($"/user/{RouterHostingExtensions.SnapshotReplicaName}").ResolveOne(TimeSpan.FromSeconds(5));
            await original.GracefulStop(TimeSpan.FromSeconds(5));
            var held = new ConcurrentQueue<(IActorRef, ReplicateSnapshot)>();
            IActorRef? replica = null;
            // The name is free once the guardian has seen the original terminate, shortly after GracefulStop returns.
            await Eventually.Until(() =>
            {
                try
                {
                    replica = gateway.System.ActorOf(Props.Create(() => new HeldReplica(held)), RouterHostingExtensions.SnapshotReplicaName);
                    return true;
                }
                catch (InvalidActorNameException)
                {
                    return false;
                }
            }, "the stand-in replica takes the replica's name");
            return new StandIn(replica!, held);
        }

        /// <summary>The one snapshot this gateway was sent, once it arrives, and the endpoint actor that sent it.</summary>
        public Task<(IActorRef Endpoint, ReplicateSnapshot Sent)> SentAsync() =>
            Eventually.Until(() => held.TryPeek(out var first) ? first : default, first => first.Endpoint is not null,
                "the endpoint sent this gateway the snapshot recording the grant");

        /// <summary>Confirms the snapshot it was sent, as a replica does.</summary>
        public void Confirm()
        {
            var (endpoint, sent) = held.Single();
            endpoint.Tell(new SnapshotReplicated(sent.Snapshot.Incarnation, sent.Snapshot.Sequence), replica);
        }
    }

    private sealed class HeldReplica : ReceiveActor
    {
        public HeldReplica(ConcurrentQueue<(IActorRef, ReplicateSnapshot)> held) =>
            Receive<ReplicateSnapshot>(replicate => held.Enqueue((Sender, replicate)));
    }
}
