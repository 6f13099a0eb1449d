using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// One per node: the snapshot gossip. Collects the snapshots of the endpoint actors living here and publishes them to
/// every node as one batch per interval (not one message per change, over Distributed Pub-Sub); applies the batches
/// other nodes publish to this node's <see cref="SnapshotCache"/>. Local endpoint actors find it through the
/// <see cref="SnapshotGossip"/> registry key; no other node addresses it by path.
/// </summary>
internal sealed class SnapshotGossipActor : ReceiveActor, IWithTimers
{
    internal const string Topic = "llm-router-endpoint-snapshots";
    private const string PublishTimer = "publish";
    private const int BatchSize = 64;

    private readonly SnapshotApplier _applier;
    private readonly TimeSpan _interval;
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly Dictionary<string, EndpointSnapshot> _pending = new(StringComparer.Ordinal);

    private sealed class PublishTick
    {
        public static readonly PublishTick Instance = new();
    }

    public SnapshotGossipActor(SnapshotApplier applier, TimeSpan interval)
    {
        _applier = applier;
        _interval = interval;
        Receive<EndpointSnapshot>(OnLocalSnapshot);
        Receive<PublishTick>(_ => Publish());
        // The publisher's gossip actor is the sender (the mediator forwards): the node those endpoints' actors ran on.
        Receive<EndpointSnapshotBatch>(batch =>
        {
            foreach (var snapshot in batch.Snapshots) _applier.Apply(snapshot, Sender);
        });
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => _mediator.Tell(new Subscribe(Topic, Self));

    private void OnLocalSnapshot(EndpointSnapshot snapshot)
    {
        _applier.Apply(snapshot, Sender); // this node sees its own endpoints at once
        if (_pending.TryGetValue(snapshot.EndpointId, out var queued) && !snapshot.Supersedes(queued)) return;
        _pending[snapshot.EndpointId] = snapshot;
        if (!Timers.IsTimerActive(PublishTimer)) Timers.StartSingleTimer(PublishTimer, PublishTick.Instance, _interval);
    }

    /// <summary>Batches stay far below the remoting frame limit, however many endpoints changed.</summary>
    private void Publish()
    {
        foreach (var chunk in _pending.Values.Chunk(BatchSize))
            _mediator.Tell(new Publish(Topic, new EndpointSnapshotBatch(chunk)));
        _pending.Clear();
    }
}
