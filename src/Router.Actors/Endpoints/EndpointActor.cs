using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// The single authority for one endpoint, as a sharded entity (entity id = endpoint id). Grants or refuses
/// leases atomically, learns from outcomes, reclaims expired leases and the leases of departed nodes, and hands
/// its snapshot (at most once per interval) to the node's <see cref="SnapshotExchangeActor"/>, which pushes it to
/// all routers. A new incarnation first collects the leases members still hold, then serves.
/// </summary>
internal sealed class EndpointActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string SweepTimer = "sweep";
    private const string PublishTimer = "publish";
    private const string CollectTimer = "collect-held-leases";

    private readonly string _endpointId;
    private readonly RouterRuntime _runtime;
    private readonly IActorRef _snapshotExchange;
    private readonly EndpointLedger _ledger;

    private sealed class SweepTick
    {
        public static readonly SweepTick Instance = new();
    }

    private sealed class PublishTick
    {
        public static readonly PublishTick Instance = new();
    }

    private sealed class CollectTimeout
    {
        public static readonly CollectTimeout Instance = new();
    }

    private readonly HashSet<string> _awaitingHolders = new(StringComparer.Ordinal);

    public EndpointActor(string endpointId, RouterRuntime runtime, IActorRef snapshotExchange)
    {
        _endpointId = endpointId;
        _runtime = runtime;
        _snapshotExchange = snapshotExchange;
        _ledger = new EndpointLedger(endpointId, runtime.Options.Endpoint, runtime.Clock);
        Become(CollectingHeldLeases);
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>
    /// First, before granting anything: every member reports the leases its callers still hold here (from
    /// an earlier incarnation, before the shard moved), so caps hold exactly. Acquires wait in the stash.
    /// </summary>
    private void CollectingHeldLeases()
    {
        Receive<ReassertLeases>(reported =>
        {
            _ledger.Reassert(reported.Leases, reported.Holder);
            _awaitingHolders.Remove(reported.Holder);
            if (_awaitingHolders.Count == 0) StartServing();
        });
        Receive<CollectTimeout>(_ => StartServing()); // a member that cannot answer in time holds nothing we can count on
        Receive<AcquireLease>(_ => Stash.Stash());
        CommonHandlers();
    }

    private void StartServing()
    {
        Timers.Cancel(CollectTimer);
        if (_ledger.InFlight > 0) EnsureSweeping();
        PublishSnapshot();
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        Receive<AcquireLease>(OnAcquire);
        Receive<ReassertLeases>(reassert =>
        {
            if (_ledger.Reassert(reassert.Leases, reassert.Holder) == 0) return;
            PublishSnapshot();
            EnsureSweeping();
        });
        Receive<CollectTimeout>(_ => { }); // sent just before every member had answered
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        Receive<ReportOutcome>(outcome =>
        {
            _ledger.Release(outcome);
            PublishSnapshot();
        });
        Receive<GetEndpointState>(_ =>
        {
            var definition = Definition;
            _ledger.ApplyDefinition(definition);
            Sender.Tell(new EndpointState(definition, _ledger.Snapshot()));
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (_ledger.DropHolder(removed.Member.Address.ToString()) > 0) PublishSnapshot();
        });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<SweepTick>(_ => Sweep());
        Receive<PublishTick>(_ => _snapshotExchange.Tell(_ledger.Snapshot()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private EndpointDefinition? Definition =>
        _runtime.Directory.Current.Endpoints.TryGetValue(_endpointId, out var definition) ? definition : null;

    protected override void PreStart()
    {
        var cluster = Cluster.Get(Context.System);
        cluster.Subscribe(Self, typeof(ClusterEvent.MemberRemoved));
        foreach (var member in cluster.State.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.WeaklyUp))
        {
            _awaitingHolders.Add(member.Address.ToString());
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / RouterHostingExtensions.SnapshotExchangeName)
                .Tell(new QueryHeldLeases(_endpointId));
        }
        if (_awaitingHolders.Count == 0) Self.Tell(CollectTimeout.Instance);
        else Timers.StartSingleTimer(CollectTimer, CollectTimeout.Instance, _runtime.Options.Endpoint.HeldLeaseCollectionTimeout);
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnAcquire(AcquireLease request)
    {
        var answer = _ledger.TryAcquire(Definition, request);
        Sender.Tell(answer);
        PublishSnapshot();
        if (answer is LeaseAcquired) EnsureSweeping();
    }

    /// <summary>Only endpoints holding leases need the reclaim timer; idle ones stay silent.</summary>
    private void EnsureSweeping()
    {
        if (!Timers.IsTimerActive(SweepTimer))
            Timers.StartPeriodicTimer(SweepTimer, SweepTick.Instance, _runtime.Options.Endpoint.LeaseSweepInterval);
    }

    private void Sweep()
    {
        if (_ledger.ReclaimExpired(_runtime.Clock.GetUtcNow()) > 0) PublishSnapshot();
        if (_ledger.InFlight == 0) Timers.Cancel(SweepTimer);
    }

    /// <summary>
    /// Changes are published at most once per snapshot interval: a busy endpoint changes thousands of times a
    /// second, and routers only need a recent picture (every grant is still decided here).
    /// </summary>
    private void PublishSnapshot()
    {
        if (!Timers.IsTimerActive(PublishTimer))
            Timers.StartSingleTimer(PublishTimer, PublishTick.Instance, _runtime.Options.Endpoint.SnapshotInterval);
    }
}
