using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Leasing;

/// <summary>
/// One per node, both ends of the batched lease activity: a few milliseconds after the first event lands in this node's
/// <see cref="LeaseActivityOutbox"/> it sends each node one <see cref="LeaseActivityBatch"/> for the endpoints whose
/// actors it last saw there, and it hands the batches other nodes send here to the local shard region (which forwards a
/// part whose actor has moved since).
/// </summary>
internal sealed class LeaseActivityRelay : ReceiveActor, IWithTimers
{
    private readonly LeaseActivityOutbox _outbox;
    private readonly IActorRef _endpointRegion;
    private readonly TimeSpan _interval;
    private readonly EndpointHomes _homes;
    private readonly Dictionary<Address, ActorSelection> _relays = new();

    /// <summary>The outbox went from empty to holding something.</summary>
    internal sealed class FlushSoon
    {
        public static readonly FlushSoon Instance = new();
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    public LeaseActivityRelay(RouterRuntime runtime, IActorRef endpointRegion)
    {
        _outbox = runtime.Activity;
        _endpointRegion = endpointRegion;
        _interval = runtime.Options.Routing.ActivityBatchInterval;
        var self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        _homes = runtime.EndpointHomes;
        _outbox.Attach(Self, self);

        Receive<FlushSoon>(_ =>
        {
            if (!Timers.IsTimerActive("flush")) Timers.StartSingleTimer("flush", Flush.Instance, _interval);
        });
        Receive<Flush>(_ => SendAll());
        Receive<LeaseActivityBatch>(batch =>
        {
            foreach (var activity in batch.Endpoints) _endpointRegion.Tell(activity);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Stopping (the node leaves): what is held still goes, best effort; the endpoints reclaim the rest.</summary>
    protected override void PostStop() => SendAll();

    private void SendAll()
    {
        var byNode = new Dictionary<Address, List<LeaseActivity>>();
        foreach (var (endpointId, (granted, ended)) in _outbox.Take())
        {
            var activity = new LeaseActivity(endpointId, granted, ended);
            if (!_homes.TryGetHome(endpointId, out var home))
            {
                _endpointRegion.Tell(activity);
                continue;
            }
            if (!byNode.TryGetValue(home, out var list)) byNode[home] = list = [];
            list.Add(activity);
        }
        foreach (var (node, activities) in byNode) RelayOn(node).Tell(new LeaseActivityBatch(activities), ActorRefs.NoSender);
    }

    private ActorSelection RelayOn(Address node)
    {
        if (!_relays.TryGetValue(node, out var relay))
            _relays[node] = relay = Context.System.ActorSelection(new RootActorPath(node) / "user" / RouterHostingExtensions.LeaseActivityRelayName);
        return relay;
    }
}
