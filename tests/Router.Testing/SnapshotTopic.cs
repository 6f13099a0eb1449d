using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Messages.Endpoints;

namespace Router.Testing;

/// <summary>
/// An endpoint's actor publishes its snapshot when it starts and then only when it changes; a node whose exchange's
/// subscription had not yet reached the publisher's node by gossip misses it. Tests that need every node's snapshots on
/// one node first wait until that node's subscription is known everywhere: an empty batch published from each other node
/// reaches it.
/// </summary>
public static class SnapshotTopic
{
    /// <summary>The distributed pub-sub topic of the snapshot exchange (Router.Actors keeps its constant internal; a test there checks they agree).</summary>
    public const string Name = "llm-router-endpoint-snapshots";

    public static async Task WaitUntilKnownEverywhereAsync(ActorSystem subscriber, IEnumerable<ActorSystem> publishers, TimeSpan? timeout = null)
    {
        var subscriberAddress = Akka.Cluster.Cluster.Get(subscriber).SelfAddress;
        // A sender on each publisher's node, so the listener can tell which nodes' batches reached it.
        var senders = publishers.Where(p => p != subscriber).ToDictionary(p => Akka.Cluster.Cluster.Get(p).SelfAddress, p => (System: p, Sender: p.ActorOf(Props.Empty)));
        var heard = new ConcurrentDictionary<Address, bool>();
        var listener = subscriber.ActorOf(Props.Create(() => new Listener(heard)));
        try
        {
            await Eventually.Until(() =>
            {
                foreach (var (address, (system, sender)) in senders.Where(s => !heard.ContainsKey(s.Key)))
                    DistributedPubSub.Get(system).Mediator.Tell(new Publish(Name, new EndpointSnapshotBatch([])), sender);
                return senders.Keys.Where(heard.ContainsKey).ToList();
            }, reached => reached.Count == senders.Count, $"every node publishes to {subscriberAddress}'s snapshot exchange (those that did so far)", timeout);
        }
        finally
        {
            subscriber.Stop(listener);
            foreach (var (system, sender) in senders.Values) system.Stop(sender);
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
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Name, Self));
    }
}
