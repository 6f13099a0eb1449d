using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// One per node. Collects the snapshots of the endpoint actors living here and publishes them to every node
/// as one batch per interval (not one message per change); applies the batches it receives to the node's
/// <see cref="SnapshotCache"/>.
/// </summary>
internal sealed class SnapshotExchangeActor : ReceiveActor, IWithTimers
{
    internal const string Topic = "llm-router-endpoint-snapshots";
    private const string PublishTimer = "publish";
    private const int BatchSize = 64;

    private readonly SnapshotCache _cache;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _silentEndpoints;
    private readonly TimeSpan _interval;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Address> _origins;
    private readonly Address _self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly Dictionary<string, EndpointSnapshot> _pending = new(StringComparer.Ordinal);

    private sealed class PublishTick
    {
        public static readonly PublishTick Instance = new();
    }

    public SnapshotExchangeActor(RouterRuntime runtime)
    {
        _cache = runtime.Snapshots;
        _silentEndpoints = runtime.SilentEndpoints;
        _interval = runtime.Options.Endpoint.SnapshotInterval;
        _origins = runtime.SnapshotOrigins;
        Receive<EndpointSnapshot>(OnLocalSnapshot);
        Receive<PublishTick>(_ => Publish());
        Receive<ReplicateSnapshot>(replicate =>
        {
            Apply(replicate.Snapshot);
            Sender.Tell(new SnapshotReplicated(replicate.Snapshot.Incarnation, replicate.Snapshot.Sequence));
        });
        // The publisher's exchange is the sender (the mediator forwards): the node those endpoints' actors ran on.
        Receive<EndpointSnapshotBatch>(batch =>
        {
            foreach (var snapshot in batch.Snapshots) Apply(snapshot);
        });
        Receive<SubscribeAck>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => _mediator.Tell(new Subscribe(Topic, Self));

    private void OnLocalSnapshot(EndpointSnapshot snapshot)
    {
        Apply(snapshot); // this node sees its own endpoints at once
        if (_pending.TryGetValue(snapshot.EndpointId, out var queued) && !snapshot.Supersedes(queued)) return;
        _pending[snapshot.EndpointId] = snapshot;
        if (!Timers.IsTimerActive(PublishTimer)) Timers.StartSingleTimer(PublishTimer, PublishTick.Instance, _interval);
    }

    private void Apply(EndpointSnapshot snapshot)
    {
        var previous = _cache.LastPublished(snapshot.EndpointId).Incarnation;
        if (!_cache.Apply(snapshot)) return;
        // Where the newest snapshot came from, for admin answers about an endpoint whose actor does not answer.
        var origin = Sender.Path.Address.HasGlobalScope ? Sender.Path.Address : _self;
        if (!_origins.TryGetValue(snapshot.EndpointId, out var known) || known != origin) _origins[snapshot.EndpointId] = origin;
        // A new incarnation that publishes is alive: routers that gave up on the old one may try it at once.
        if (snapshot.Incarnation != previous) _silentEndpoints.TryRemove(snapshot.EndpointId, out _);
    }

    /// <summary>Batches stay far below the remoting frame limit, however many endpoints changed.</summary>
    private void Publish()
    {
        foreach (var chunk in _pending.Values.Chunk(BatchSize))
            _mediator.Tell(new Publish(Topic, new EndpointSnapshotBatch(chunk)));
        _pending.Clear();
    }
}
