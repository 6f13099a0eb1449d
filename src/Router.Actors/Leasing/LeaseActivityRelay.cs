using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Leasing;

/// <summary>
/// One per node, both ends of the batched lease activity: a few milliseconds after the first event lands in this node's
/// <see cref="LeaseActivityOutbox"/> it sends each node one <see cref="LeaseActivityBatch"/> for the endpoints whose
/// actors it last saw there, and it hands the batches other nodes send here to the local shard region (which forwards a
/// part whose actor has moved since). Carries the endpoints' <see cref="SpareLeases"/> answers back the same way, batched
/// per node, to the holder's <see cref="SpareLeasePool"/>.
/// </summary>
internal sealed class LeaseActivityRelay : ReceiveActor, IWithTimers
{
    private readonly LeaseActivityOutbox _outbox;
    private readonly IActorRef _endpointRegion;
    private readonly TimeSpan _interval;
    private readonly EndpointHomes _homes;
    private readonly Dictionary<Address, ActorSelection> _relays = new();
    private readonly SpareLeasePool _spares;
    private readonly Address _self;
    private readonly string _selfHolder;
    // Answers of this node's endpoint actors for holders on other nodes, waiting for the next flush.
    private readonly Dictionary<Address, List<SpareLeases>> _answers = new();

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
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        _self = cluster.SelfAddress;
        _selfHolder = Membership.HolderId.Of(cluster.SelfUniqueAddress);
        _homes = runtime.EndpointHomes;
        _spares = runtime.Spares;
        _outbox.Attach(Self, _self);

        Receive<FlushSoon>(_ => FlushLater());
        Receive<Flush>(_ => SendAll());
        Receive<LeaseActivityBatch>(batch =>
        {
            foreach (var activity in batch.Endpoints) _endpointRegion.Tell(activity);
        });
        Receive<SpareLeases>(OnSpareLeases);
        Receive<SpareLeasesBatch>(batch =>
        {
            foreach (var answer in batch.Answers) OnSpareLeases(answer);
        });
    }

    private void FlushLater()
    {
        if (!Timers.IsTimerActive("flush")) Timers.StartSingleTimer("flush", Flush.Instance, _interval);
    }

    /// <summary>From a local endpoint actor (an answer to activity relayed through here, or a recall), or from another
    /// node's relay: delivered to this node's pool, or batched towards the holder's node.</summary>
    private void OnSpareLeases(SpareLeases answer)
    {
        if (answer.Holder == _selfHolder)
        {
            _spares.Receive(answer);
            return;
        }
        if (!Membership.HolderId.TryAddressOf(answer.Holder, out var node)) return;
        // An earlier incarnation of this node: it is gone, and its slots end when the endpoint sees the new one.
        if (node == _self) return;
        if (!_answers.TryGetValue(node, out var list)) _answers[node] = list = [];
        list.Add(answer);
        FlushLater();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Stopping (the node leaves): idle spares go back, and what is held still goes, best effort; the endpoints
    /// reclaim the rest.</summary>
    protected override void PostStop()
    {
        _spares.GiveBackAll();
        SendAll();
    }

    private void SendAll()
    {
        var byNode = new Dictionary<Address, List<LeaseActivity>>();
        foreach (var (endpointId, pending) in _outbox.Take())
        {
            var activity = new LeaseActivity(endpointId, pending.Granted, pending.Ended, pending.SparesWanted, pending.SparesReturned,
                pending.SparesWanted > 0 ? _selfHolder : null, pending.SparesAskedAt);
            if (!_homes.TryGetHome(endpointId, out var home))
            {
                _endpointRegion.Tell(activity);
                continue;
            }
            if (!byNode.TryGetValue(home, out var list)) byNode[home] = list = [];
            list.Add(activity);
        }
        foreach (var (node, activities) in byNode) RelayOn(node).Tell(new LeaseActivityBatch(activities), ActorRefs.NoSender);
        foreach (var (node, answers) in _answers) RelayOn(node).Tell(new SpareLeasesBatch(answers), ActorRefs.NoSender);
        _answers.Clear();
    }

    private ActorSelection RelayOn(Address node)
    {
        if (!_relays.TryGetValue(node, out var relay))
            _relays[node] = relay = Context.System.ActorSelection(new RootActorPath(node) / "user" / RouterHostingExtensions.LeaseActivityRelayName);
        return relay;
    }
}
