using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Actors.Endpoints;
using Router.Messages.Endpoints;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// An endpoint's actor publishes its snapshot when it starts and then only when it changes; a node whose exchange's
/// subscription had not yet reached the publisher's node by gossip misses it. Tests that need every node's snapshots on
/// one node first wait until that node's subscription is known everywhere: an empty batch published from each other node
/// reaches it.
/// </summary>
public static class SnapshotTopic
{
    public static async Task WaitUntilKnownEverywhereAsync(TestNode subscriber, IEnumerable<TestNode> publishers)
    {
        var others = publishers.Where(p => p != subscriber).ToList();
        var heard = new ConcurrentDictionary<Address, bool>();
        var listener = subscriber.System.ActorOf(Props.Create(() => new Listener(heard)));
        try
        {
            await TestCluster.WaitUntil(() =>
            {
                foreach (var node in others.Where(n => !heard.ContainsKey(n.Address)))
                    DistributedPubSub.Get(node.System).Mediator.Tell(new Publish(SnapshotGossipActor.Topic, new EndpointSnapshotBatch([])), node.Directory);
                return others.All(n => heard.ContainsKey(n.Address));
            }, $"every node publishes to {subscriber.Address}'s snapshot exchange");
        }
        finally
        {
            subscriber.System.Stop(listener);
        }
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(ConcurrentDictionary<Address, bool> heard)
        {
            Receive<EndpointSnapshotBatch>(_ => heard[Sender.Path.Address] = true);
            Receive<SubscribeAck>(_ => { });
        }

        protected override void PreStart() =>
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(SnapshotGossipActor.Topic, Self));
    }
}
