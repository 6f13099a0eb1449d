using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;

namespace Router.Actors.Leasing;

/// <summary>
/// One per node, both ends of the batched lease activity: a few milliseconds after the first event lands in this node's
/// <see cref="LeaseActivityOutbox"/> it sends each node one <see cref="LeaseActivityBatch"/> for the endpoints whose
/// actors it last saw there, and it hands the batches other nodes send here to the local shard region (which forwards a
/// part whose actor has moved since). Carries the endpoints' <see cref="SpareLeases"/> answers back the same way, batched
/// per node, to the holder's <see cref="SpareLeasePool"/>. Does the same for renewals: hands each statement of a
/// <see cref="RenewLeasesBatch"/> to its endpoint and batches the answers back to the holder's <see cref="LeaseKeeperActor"/>.
/// </summary>
internal sealed class LeaseActivityRelay : ReceiveActor, IWithTimers
{
    private readonly LeaseActivityOutbox _outbox;
    private readonly IActorRef _endpointRegion;
    private readonly LocalEndpointActors _localEndpoints;
    private readonly TimeSpan _interval;
    private readonly EndpointHomes _homes;
    private readonly Dictionary<Address, ActorSelection> _relays = new();
    private readonly SpareLeasePool _spares;
    private readonly RateAllowancePool _allowances;
    private readonly Address _self;
    private readonly string _selfHolder;
    // Answers of this node's endpoint actors for holders on other nodes, waiting for the next flush.
    private readonly Dictionary<Address, List<SpareLeases>> _answers = new();
    private readonly Dictionary<Address, List<LeasesRenewed>> _renewals = new();
    private readonly ActorSelection _keeper;

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
        _localEndpoints = runtime.LocalEndpoints;
        _interval = runtime.Options.Routing.ActivityBatchInterval;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        _self = cluster.SelfAddress;
        _selfHolder = Membership.HolderId.Of(cluster.SelfUniqueAddress);
        _homes = runtime.EndpointHomes;
        _spares = runtime.Spares;
        _allowances = runtime.Allowances;
        _outbox.Attach(Self, _self);
        _keeper = On(Context.System, _self, RouterHostingExtensions.LeaseKeeperName);

        Receive<FlushSoon>(_ => FlushLater());
        Receive<Flush>(_ => SendAll());
        Receive<LeaseActivityBatch>(batch =>
        {
            foreach (var activity in batch.Endpoints) _localEndpoints.Of(activity.EndpointId, _endpointRegion).Tell(activity);
        });
        Receive<SpareLeases>(OnSpareLeases);
        Receive<SpareLeasesBatch>(batch =>
        {
            foreach (var answer in batch.Answers) OnSpareLeases(answer);
        });
        // The relay is the statements' sender, so their answers come back here to be batched.
        Receive<RenewLeasesBatch>(batch =>
        {
            foreach (var statement in batch.Statements) _localEndpoints.Of(statement.EndpointId, _endpointRegion).Tell(statement, Self);
        });
        Receive<LeasesRenewed>(OnRenewed);
        Receive<LeasesRenewedBatch>(batch =>
        {
            // From the relay on the endpoints' node: the keeper learns from the sender where those actors live.
            foreach (var answer in batch.Answers)
                if (answer.Holder == _selfHolder) _keeper.Tell(answer, Sender);
        });
    }

    /// <summary>An endpoint's answer to a statement relayed through here: batched back to the holder's node.</summary>
    private void OnRenewed(LeasesRenewed answer)
    {
        if (answer.Holder is null || !Membership.HolderId.TryAddressOf(answer.Holder, out var node)) return;
        if (node == _self)
        {
            if (answer.Holder == _selfHolder) _keeper.Tell(answer, Sender);
            return; // an earlier incarnation of this node: gone
        }
        if (Sender.Path.Address.HasGlobalScope)
        {
            // The endpoint's actor has moved to another node: answered straight from it, so the keeper learns where it is.
            On(Context.System, node, RouterHostingExtensions.LeaseKeeperName).Tell(answer, Sender);
            return;
        }
        if (!_renewals.TryGetValue(node, out var list)) _renewals[node] = list = [];
        list.Add(answer);
        FlushLater();
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
            if (answer.Allowance is { } allowance) _allowances.Receive(answer.EndpointId, allowance, answer.AskedAt);
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
        _allowances.GiveBackAll();
        SendAll();
    }

    private void SendAll()
    {
        var byNode = new Dictionary<Address, List<LeaseActivity>>();
        foreach (var (endpointId, pending) in _outbox.Take())
        {
            var asks = pending.SparesWanted > 0 || pending.AllowanceWanted > 0;
            var activity = new LeaseActivity(endpointId, pending.Granted, pending.Ended, pending.SparesWanted, pending.SparesReturned,
                asks ? _selfHolder : null, pending.SparesAskedAt, pending.AllowanceWanted, pending.AllowanceTokensWanted,
                pending.AllowanceReturned);
            if (!_homes.TryGetHome(endpointId, out var home))
            {
                _localEndpoints.Of(endpointId, _endpointRegion).Tell(activity);
                continue;
            }
            if (!byNode.TryGetValue(home, out var list)) byNode[home] = list = [];
            list.Add(activity);
        }
        foreach (var (node, activities) in byNode)
        foreach (var batch in LeaseActivityBatches.Split(activities))
            RelayOn(node).Tell(batch, ActorRefs.NoSender);
        foreach (var (node, answers) in _answers) RelayOn(node).Tell(new SpareLeasesBatch(answers), ActorRefs.NoSender);
        _answers.Clear();
        foreach (var (node, answers) in _renewals) RelayOn(node).Tell(new LeasesRenewedBatch(answers), Self);
        _renewals.Clear();
    }

    private ActorSelection RelayOn(Address node)
    {
        if (!_relays.TryGetValue(node, out var relay)) _relays[node] = relay = On(Context.System, node);
        return relay;
    }

    /// <summary>The relay (or, named, another of the router's node actors) on <paramref name="node"/>.</summary>
    internal static ActorSelection On(ActorSystem system, Address node, string name = RouterHostingExtensions.LeaseActivityRelayName) =>
        system.ActorSelection(new RootActorPath(node) / "user" / name);
}
