using Akka.Actor;
using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// The single authority for one endpoint, as a sharded entity (entity id = endpoint id). Grants or refuses
/// leases atomically, learns from outcomes, reclaims expired leases, and hands every changed snapshot to the
/// node's <see cref="SnapshotExchangeActor"/>, which pushes it to all routers.
/// </summary>
internal sealed class EndpointActor : ReceiveActor, IWithTimers
{
    private const string SweepTimer = "sweep";
    private const string PublishTimer = "publish";

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

    public EndpointActor(string endpointId, RouterRuntime runtime, IActorRef snapshotExchange)
    {
        _endpointId = endpointId;
        _runtime = runtime;
        _snapshotExchange = snapshotExchange;
        _ledger = new EndpointLedger(endpointId, runtime.Options.Endpoint, runtime.Clock);

        Receive<AcquireLease>(OnAcquire);
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
        Receive<ReassertLeases>(reassert =>
        {
            if (_ledger.Reassert(reassert.Leases, reassert.Holder) == 0) return;
            PublishSnapshot();
            EnsureSweeping();
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
        // A new incarnation announces itself at once: nodes holding leases on it re-assert them.
        _snapshotExchange.Tell(_ledger.Snapshot());
        Cluster.Get(Context.System).Subscribe(Self, typeof(ClusterEvent.MemberRemoved));
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
