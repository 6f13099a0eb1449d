using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;
using Router.Actors.Hosting;
using Router.Actors.Membership;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// The single authority for one endpoint, as a sharded entity (entity id = endpoint id). Grants or refuses
/// leases atomically, learns from outcomes, takes holders' renewals, reclaims leases that ended, and hands its
/// snapshot (at most once per interval) to the node's <see cref="SnapshotGossipActor"/>, which pushes it to all
/// routers. A new incarnation first learns what the previous one granted that may still run, then serves; it grants
/// only while its node reaches a majority of the gateways.
/// </summary>
internal sealed class EndpointActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private const string SweepTimer = "sweep";
    private const string PublishTimer = "publish";
    private const string QueryTimer = "query-held-leases";
    private const string CollectTimer = "collect-held-leases";

    private readonly ILogger _logger = ActorLoggers.For<EndpointActor>(Context);
    private readonly string _endpointId;
    private readonly RouterRuntime _runtime;
    private readonly IActorRef _snapshotExchange;
    private readonly EndpointLedger _ledger;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    // Members (address#uid) whose statement of held leases this incarnation has not received yet.
    private readonly Dictionary<string, Address> _awaiting = new(StringComparer.Ordinal);
    // Awaited members seen leaving (Leaving or Exiting): once they are gone from the membership they left gracefully.
    private readonly HashSet<string> _departing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answered = new(StringComparer.Ordinal); // sent their grants of the last minute
    private readonly HashSet<string> _stated = new(StringComparer.Ordinal);   // sent any statement of held leases
    private long _reportedUnrenewed;
    // When the sweep last looked at the leases: a much longer gap means this process did not run (see CreditOwnPause).
    private DateTimeOffset _lastSweepAt;
    // For the hand-off line: when collecting began and how many members were asked.
    private long _collectingSince;
    private int _asked;
    // The breaker as last logged, and when it last opened.
    private CircuitState _circuit = CircuitState.Closed;
    private DateTimeOffset _openedAt;
    // The newest snapshot of an earlier incarnation that this one has seen (its node's cache, members' answers).
    private EndpointSnapshot? _previous;
    // The incarnation this one's held-lease queries name (its own, before StartServing may have to renumber it).
    private readonly long _askedAs;
    private bool _serving;
    // What the last published snapshot said of LocalGrants' conditions (see PublishIfGrantingChanged).
    private bool _refusedNothing = true;
    // When each holder was last asked to give its idle spare leases back.
    private readonly Dictionary<string, DateTimeOffset> _recalledAt = new(StringComparer.Ordinal);
    // Strict grants waiting until enough other gateways hold a snapshot that records them (Needed: see ReplicateBeforeGranting).
    private readonly List<(long Sequence, int Needed, IActorRef ReplyTo, LeaseAcquired Grant)> _unreplicated = [];
    // Per confirming node, the latest sequence of this incarnation it holds.
    private readonly Dictionary<Address, long> _replicatedUpTo = [];

    private sealed class SweepTick
    {
        public static readonly SweepTick Instance = new();
    }

    private sealed class PublishTick
    {
        public static readonly PublishTick Instance = new();
    }

    private sealed class QueryTick
    {
        public static readonly QueryTick Instance = new();
    }

    private sealed class CollectDeadline
    {
        public static readonly CollectDeadline Instance = new();
    }

    public EndpointActor(string endpointId, RouterRuntime runtime, IActorRef snapshotExchange)
    {
        _endpointId = endpointId;
        _runtime = runtime;
        _snapshotExchange = snapshotExchange;
        _ledger = new EndpointLedger(endpointId, runtime.Options.Endpoint, runtime.Clock) { IsUndecided = IsUnreachableAndUndecided };
        _askedAs = _ledger.Incarnation;
        Become(CollectingHeldLeases);
    }

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    private EndpointDefinition? Definition =>
        _runtime.Directory.Current.Endpoints.TryGetValue(_endpointId, out var definition) ? definition : null;

    private LeaseFencing Fencing => Definition?.Fencing ?? LeaseFencing.Available;

    /// <summary>
    /// First, before granting anything: every member states the leases its callers still hold here and the grants it
    /// received in the last minute, so caps and windows hold across the move. Members are asked again until they
    /// answer (a message may be lost). A member silent for the whole lease TTL has aborted its requests by then
    /// (it could not renew them); with strict fencing the wait is the longest a lease can live.
    /// </summary>
    private void CollectingHeldLeases()
    {
        Receive<RenewLeases>(statement =>
        {
            OnStatement(statement, serving: false);
            if (!AnswersOurQuery(statement)) return;
            _awaiting.Remove(statement.Holder);
            if (_awaiting.Count == 0) StartServing();
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            // A member that left gracefully drained and then revoked whatever it still held as it stopped: it has
            // nothing to state, and waiting for an answer it may no longer give would hold every move for a TTL.
            // (Its last snapshot still keeps any slots it had, as for any silent holder.)
            // (One seen leaving and then downed had drained before it left.)
            var holder = HolderId.Of(removed.Member.UniqueAddress);
            if ((removed.PreviousStatus == MemberStatus.Exiting || _departing.Contains(holder)) && _awaiting.Remove(holder) &&
                _awaiting.Count == 0)
                StartServing();
        });
        // The subscription's first state can already lack a member the cluster's read view still showed leaving when
        // this actor started: its MemberRemoved came before the subscription and will not come again.
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            ForgetDepartedMembers(state);
            if (_awaiting.Count == 0) StartServing();
        });
        Receive<QueryTick>(_ =>
        {
            ForgetReplacedMembers();
            ForgetDepartedMembers(_cluster.State);
            foreach (var address in _awaiting.Values) AskHeldLeases(address);
            if (_awaiting.Count == 0) StartServing();
        });
        Receive<CollectDeadline>(_ =>
        {
            EndpointLog.ServingWithoutStatements(_logger, _endpointId, _runtime.Clock.GetElapsedTime(_collectingSince).TotalMilliseconds,
                _awaiting.Count, string.Join(", ", _awaiting.Keys));
            StartServing();
        });
        Receive<AcquireLease>(_ => Stash.Stash());
        // Nothing is published before the take-over: a snapshot of this (newer) incarnation supersedes the previous one's
        // in every cache, this node's at once, yet lacks what the previous one granted: a successor reading it would
        // give those slots away. StartServing publishes.
        Receive<PublishTick>(_ => { });
        CommonHandlers();
    }

    private void StartServing()
    {
        Timers.Cancel(QueryTimer);
        Timers.Cancel(CollectTimer);
        Remember(_runtime.Snapshots.LastPublished(_endpointId));
        var adopted = _ledger.InFlight;
        if (_previous is not null)
        {
            _ledger.Succeed(_previous.Incarnation);
            _ledger.TakeOver(_previous, _stated, _runtime.Options.Routing.LeaseDuration);
        }
        LogHandOff(adopted);
        EndLeasesOfRestartedMembers();
        if (_ledger.SlotsTaken > 0) EnsureSweeping();
        // At once, not after an interval: routers grant an uncapped endpoint without asking only once they have its
        // snapshot (LocalGrants), and a new incarnation's supersedes its predecessor's in every cache.
        _snapshotExchange.Tell(_ledger.Snapshot());
        _serving = true;
        Become(Serving);
        Stash.UnstashAll();
    }

    private void Serving()
    {
        Receive<AcquireLease>(OnAcquire);
        Receive<RenewLeases>(statement => OnStatement(statement, serving: true));
        Receive<SnapshotReplicated>(OnReplicated);
        Receive<QueryTick>(_ => { });
        Receive<CollectDeadline>(_ => { });
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        Receive<ReportOutcome>(outcome =>
        {
            _ledger.Release(outcome);
            NoteCircuit(outcome);
            PublishIfGrantingChanged();
            PublishSnapshot();
        });
        Receive<LeaseActivity>(activity =>
        {
            var definition = Definition;
            List<AcquireLease>? refused = null;
            foreach (var grant in activity.Granted)
                if (!_ledger.CountGrantedElsewhere(grant, definition)) (refused ??= []).Add(grant);
            if (refused is not null) TellHoldersToStop(refused);
            foreach (var outcome in activity.Ended)
            {
                _ledger.Release(outcome);
                NoteCircuit(outcome);
            }
            if (activity.SparesReturned is { } returned) _ledger.ReturnSpares(returned);
            if (activity.AllowanceReturned is { } lots) _ledger.ReturnAllowances(lots);
            if ((activity.SparesWanted > 0 || activity.AllowanceWanted > 0) && activity.Holder is { } holder) Lend(holder, activity);
            if (_ledger.SlotsTaken > 0 || _ledger.HasLentAllowance) EnsureSweeping();
            PublishIfGrantingChanged();
            PublishSnapshot();
        });
        Receive<GetEndpointState>(_ =>
        {
            var definition = Definition;
            _ledger.ApplyDefinition(definition);
            Sender.Tell(new EndpointState(definition, _ledger.Snapshot(), Node: _cluster.SelfAddress.ToString()));
        });
        Receive<ClusterEvent.MemberUp>(up => OnMemberSeen(up.Member));
        Receive<ClusterEvent.MemberJoined>(joined => OnMemberSeen(joined.Member));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.MemberRemoved>(_ => { });
        Receive<SweepTick>(_ => Sweep());
        Receive<PublishTick>(_ =>
        {
            _snapshotExchange.Tell(_ledger.Snapshot());
            NoteCircuit(null); // taking the snapshot may have moved an expired cooldown to half-open
        });
    }

    protected override void PreStart()
    {
        _runtime.LocalEndpoints.Started(_endpointId, Self);
        _collectingSince = _runtime.Clock.GetTimestamp();
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberJoined), typeof(ClusterEvent.MemberRemoved));
        foreach (var member in _cluster.State.Members.Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed)))
        {
            var holder = HolderId.Of(member.UniqueAddress);
            _awaiting[holder] = member.Address;
            if (IsLeaving(member)) _departing.Add(holder);
            AskHeldLeases(member.Address);
        }
        _asked = _awaiting.Count;
        if (_awaiting.Count == 0)
        {
            Self.Tell(QueryTick.Instance);
            return;
        }
        var settings = _runtime.Options.Endpoint;
        Timers.StartPeriodicTimer(QueryTimer, QueryTick.Instance, settings.HeldLeaseQueryInterval);
        var wait = Fencing == LeaseFencing.Strict ? _runtime.Options.Routing.LeaseDuration : settings.LeaseTtl;
        Timers.StartSingleTimer(CollectTimer, CollectDeadline.Instance, wait);
    }

    protected override void PostStop()
    {
        _runtime.LocalEndpoints.Stopped(_endpointId, Self);
        _cluster.Unsubscribe(Self);
    }

    private void AskHeldLeases(Address member) =>
        Context.ActorSelection(new RootActorPath(member) / "user" / RouterHostingExtensions.LeaseKeeperName)
            .Tell(new QueryHeldLeases(_endpointId, _askedAs));

    /// <summary>
    /// Only a holder's answer to this incarnation's query states all it holds here. A periodic renewal, or an answer to an
    /// earlier incarnation (sent on through the hand-off), may have left before that incarnation's last grant reached the
    /// holder: taking it for the answer would drop that grant's slot from the take-over. (A node too old to say which
    /// query it answers is taken at its word, as before.)
    /// </summary>
    private bool AnswersOurQuery(RenewLeases statement) =>
        statement.RecentGrants is not null && (statement.Answers is null || statement.Answers == _askedAs);

    private void OnStatement(RenewLeases statement, bool serving)
    {
        if (statement.LastKnown is { } lastKnown) Remember(lastKnown);
        var answer = AnswersOurQuery(statement);
        var firstAnswer = answer && _answered.Add(statement.Holder);
        if (answer) _stated.Add(statement.Holder);
        var unknown = _ledger.Renew(statement, Definition, serving, firstAnswer);
        // Without a quorum this incarnation may already have a successor: its word renews nothing, so holders here
        // run out their lease and stop, as holders cut off from the authority do.
        if (_runtime.Quorum.HasMajority) Sender.Tell(new LeasesRenewed(_endpointId, statement.Round, unknown, statement.Holder));
        if (unknown.Count > 0)
            EndpointLog.ToldHolderToStop(_logger, _endpointId, statement.Holder, unknown.Count);
        if (_ledger.SlotsTaken > 0) EnsureSweeping();
        PublishSnapshot();
    }

    private void Remember(EndpointSnapshot snapshot)
    {
        if (snapshot.Incarnation != 0 && snapshot.Supersedes(_previous)) _previous = snapshot;
    }

    /// <summary>A member with the address of a holder but a new uid: the old process is gone, so are its requests.</summary>
    private void OnMemberSeen(Member member)
    {
        var holder = HolderId.Of(member.UniqueAddress);
        var dropped = _ledger.DropReplacedHolder(member.Address.ToString(), holder);
        if (dropped > 0)
        {
            EndpointLog.EndedLeasesOfRestartedHolder(_logger, _endpointId, dropped, member.Address.ToString());
            PublishSnapshot();
        }
        ForgetReplacedMembers();
    }

    /// <summary>
    /// On taking over: the slots kept for silent holders (and any adopted lease) of a node that restarted before this
    /// incarnation served. Its MemberUp/MemberJoined came before (while collecting, or before this actor started) and
    /// will not come again, so without this look those slots would stay taken until the lease duration ran out.
    /// </summary>
    private void EndLeasesOfRestartedMembers()
    {
        // A downed member is on its way out: a newer process at its address (joining or up) is the one that counts.
        foreach (var member in _cluster.State.Members)
            if (member.Status is not (MemberStatus.Down or MemberStatus.Removed))
                OnMemberSeen(member);
    }

    /// <summary>While collecting: a member that restarted will never answer for its old incarnation; it holds nothing.</summary>
    private void ForgetReplacedMembers()
    {
        if (_awaiting.Count == 0) return;
        var current = _cluster.State.Members.Select(m => HolderId.Of(m.UniqueAddress)).ToHashSet(StringComparer.Ordinal);
        foreach (var (holder, address) in _awaiting.ToList())
            if (!current.Contains(holder) && _cluster.State.Members.Any(m => m.Address == address)) _awaiting.Remove(holder);
    }

    /// <summary>
    /// While collecting: an awaited member seen leaving that is no longer a member left gracefully (as in the
    /// MemberRemoved handler), and so did one exiting that the cluster cannot reach: it has handed its shards off and is
    /// terminating. One seen only up that vanished may have been downed, and is waited for.
    /// </summary>
    private void ForgetDepartedMembers(ClusterEvent.CurrentClusterState state)
    {
        if (_awaiting.Count == 0) return;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in state.Members)
        {
            var holder = HolderId.Of(member.UniqueAddress);
            present.Add(holder);
            if (IsLeaving(member) && _awaiting.ContainsKey(holder)) _departing.Add(holder);
        }
        foreach (var member in state.Unreachable)
            if (member.Status == MemberStatus.Exiting) present.Remove(HolderId.Of(member.UniqueAddress));
        foreach (var holder in _departing)
            if (!present.Contains(holder)) _awaiting.Remove(holder);
    }

    private static bool IsLeaving(Member member) => member.Status is MemberStatus.Leaving or MemberStatus.Exiting;

    /// <summary>Grants made on another node that this incarnation cannot count without exceeding the cap: their holders
    /// stop those requests at once (an unsolicited renewal answer naming them unknown).</summary>
    private void TellHoldersToStop(List<AcquireLease> refused)
    {
        foreach (var byHolder in refused.GroupBy(g => g.Holder))
        {
            if (!HolderId.TryAddressOf(byHolder.Key, out var node)) continue;
            EndpointLog.ToldHolderToStop(_logger, _endpointId, byHolder.Key, byHolder.Count());
            Context.ActorSelection(new RootActorPath(node) / "user" / RouterHostingExtensions.LeaseKeeperName)
                .Tell(new LeasesRenewed(_endpointId, 0, byHolder.Select(g => g.LeaseId).ToList()));
        }
    }

    /// <summary>Answers the holder's relay (the sender of its activity) with what it may borrow, spare slots and rpm/tpm
    /// budget; nothing while collecting or without a quorum, as for any grant.</summary>
    private void Lend(string holder, LeaseActivity asked)
    {
        if (!_serving || !_runtime.Quorum.HasMajority) return;
        var routing = _runtime.Options.Routing;
        var definition = Definition;
        List<string> lent = [];
        var expiresAt = _runtime.Clock.GetUtcNow();
        if (asked.SparesWanted > 0)
        {
            lent = _ledger.Lend(holder, asked.SparesWanted, definition, routing.LeaseDuration + SpareUsableFor, out expiresAt);
            if (lent.Count < asked.SparesWanted) RecallSparesIfBusy(holder);
        }
        var allowance = asked.AllowanceWanted > 0
            ? _ledger.LendAllowance(asked.AllowanceWanted, asked.AllowanceTokensWanted, definition, Leasing.RateAllowancePool.UsableFor)
            : null;
        if (lent.Count == 0 && allowance is null) return;
        Sender.Tell(new SpareLeases(_endpointId, holder, lent, expiresAt, asked.SparesAskedAt, Allowance: allowance));
        EnsureSweeping();
    }

    /// <summary>How long after its expiry lent rpm/tpm budget is taken back if its holder has not given it back: its
    /// holder stops drawing on it before the expiry, and what it drew travels within a batch interval.</summary>
    internal static readonly TimeSpan AllowanceGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long after it is lent a spare can still carry a request of the longest lease.</summary>
    internal static readonly TimeSpan SpareUsableFor = TimeSpan.FromSeconds(30);

    /// <summary>Someone else wants a slot and the endpoint is in the upper half of its cap: holders give back the spares
    /// they are not using, and retire the rest as their requests end, so slots go to whoever asks. Asked at most every
    /// quarter second per holder.</summary>
    private void RecallSparesIfBusy(string asker)
    {
        var holders = _ledger.HoldersToRecall(Definition, asker);
        if (holders.Count == 0) return;
        var now = _runtime.Clock.GetUtcNow();
        foreach (var holder in holders)
        {
            if (_recalledAt.TryGetValue(holder, out var at) && now - at < TimeSpan.FromMilliseconds(250)) continue;
            _recalledAt[holder] = now;
            if (!HolderId.TryAddressOf(holder, out var node)) continue;
            Context.ActorSelection(new RootActorPath(node) / "user" / RouterHostingExtensions.LeaseActivityRelayName)
                .Tell(new SpareLeases(_endpointId, holder, [], now, Recall: true));
        }
    }

    private void OnAcquire(AcquireLease request)
    {
        if (!_runtime.Quorum.HasMajority)
        {
            Sender.Tell(_ledger.RefuseWithoutQuorum(request));
            return;
        }
        var definition = Definition;
        CreditOwnPause();
        var answer = _ledger.TryAcquire(definition, request);
        NoteCircuit(null);
        RecallSparesIfBusy(request.Holder);
        PublishSnapshot();
        if (answer is LeaseAcquired grant)
        {
            EnsureSweeping();
            if (definition?.Fencing == LeaseFencing.Strict && ReplicateBeforeGranting(grant)) return;
        }
        Sender.Tell(answer);
    }

    /// <summary>
    /// Strict: the grant is given only once enough other gateways hold a snapshot recording it that, with this one, they
    /// are a majority of the gateways: a successor started after this node froze or died can only serve with a majority,
    /// which then includes one of them, so it still counts the slot. With 3 gateways one confirmation is enough; with 5,
    /// two (one could be downed together with this node). False when there is no other gateway to ask.
    /// </summary>
    private bool ReplicateBeforeGranting(LeaseAcquired grant)
    {
        var others = _cluster.State.Members
            .Where(m => m.Address != _cluster.SelfAddress && m.Status == MemberStatus.Up && m.HasRole(RouterClusterSettings.GatewayRole))
            .ToList();
        if (others.Count == 0) return false;
        var snapshot = _ledger.Snapshot();
        var needed = (others.Count + 1) / 2; // a majority of all the gateways, less this one
        _unreplicated.Add((snapshot.Sequence, needed, Sender, grant));
        foreach (var member in others)
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / RouterHostingExtensions.SnapshotReplicaName)
                .Tell(new ReplicateSnapshot(snapshot));
        return true;
    }

    private void OnReplicated(SnapshotReplicated replicated)
    {
        // A confirmation of another incarnation's snapshot (sent before this actor restarted in place; sequences start
        // again at 0) records none of this incarnation's grants.
        if (_unreplicated.Count == 0 || replicated.Incarnation != _ledger.Incarnation) return;
        var from = Sender.Path.Address;
        if (!_replicatedUpTo.TryGetValue(from, out var upTo) || replicated.Sequence > upTo) _replicatedUpTo[from] = replicated.Sequence;
        // A later snapshot records every earlier grant too.
        bool Recorded((long Sequence, int Needed, IActorRef ReplyTo, LeaseAcquired Grant) u) =>
            _replicatedUpTo.Values.Count(sequence => sequence >= u.Sequence) >= u.Needed;
        foreach (var (_, _, replyTo, grant) in _unreplicated.Where(Recorded)) replyTo.Tell(grant);
        _unreplicated.RemoveAll(Recorded);
    }

    /// <summary>Only endpoints holding leases need the reclaim timer; idle ones stay silent.</summary>
    private void EnsureSweeping()
    {
        if (Timers.IsTimerActive(SweepTimer)) return;
        _lastSweepAt = _runtime.Clock.GetUtcNow();
        Timers.StartPeriodicTimer(SweepTimer, SweepTick.Instance, _runtime.Options.Endpoint.LeaseSweepInterval);
    }

    /// <summary>
    /// While leases are held the sweep looks every second, so a gap of several means this process did not run (its
    /// node froze): holders' renewals sent meanwhile are still queued, and their leases get that time back rather than
    /// being reclaimed by whichever message this incarnation happens to handle first on resuming.
    /// </summary>
    private void CreditOwnPause()
    {
        if (!Timers.IsTimerActive(SweepTimer)) return;
        var now = _runtime.Clock.GetUtcNow();
        var gap = now - _lastSweepAt;
        _lastSweepAt = now;
        var interval = _runtime.Options.Endpoint.LeaseSweepInterval;
        if (gap < interval * 3 || gap < TimeSpan.FromSeconds(2)) return;
        var credited = _ledger.CreditPause(now - gap, now);
        if (credited > 0)
            EndpointLog.PauseCredited(_logger, _endpointId, gap.TotalSeconds, credited);
    }

    /// <summary>A holder this node cannot reach and the cluster has not yet downed: its leases wait for that decision
    /// (up to twice the TTL), since a holder still in the majority keeps running its requests.</summary>
    private bool IsUnreachableAndUndecided(string holder)
    {
        var state = _cluster.State;
        foreach (var member in state.Unreachable)
            if (member.Status is not (MemberStatus.Down or MemberStatus.Removed or MemberStatus.Exiting) && HolderId.Of(member.UniqueAddress) == holder)
                return true;
        return false;
    }

    private void Sweep()
    {
        CreditOwnPause();
        var ended = _ledger.ReclaimExpired(_runtime.Clock.GetUtcNow(), Fencing) + _ledger.EndExpiredAllowances(AllowanceGrace);
        if (ended > 0) PublishSnapshot();
        var unrenewed = _ledger.ReclaimedUnrenewed - _reportedUnrenewed;
        if (unrenewed > 0)
        {
            _reportedUnrenewed = _ledger.ReclaimedUnrenewed;
            _runtime.Metrics.LeasesReclaimedUnrenewed((int)unrenewed, _endpointId);
            EndpointLog.ReclaimedUnrenewed(_logger, _endpointId, unrenewed, _runtime.Options.Endpoint.LeaseTtl.TotalSeconds);
        }
        if (_ledger.SlotsTaken == 0 && !_ledger.HasLentAllowance) Timers.Cancel(SweepTimer);
    }

    /// <summary>One line for the hand-off: who answered, how long it took, what this incarnation starts from.</summary>
    private void LogHandOff(int adopted)
    {
        var elapsedMs = _runtime.Clock.GetElapsedTime(_collectingSince).TotalMilliseconds;
        // Taken over quietly: the hand-off line says what the breaker is.
        _circuit = _ledger.Circuit;
        _openedAt = _runtime.Clock.GetUtcNow();
        if (_previous is not { } previous)
        {
            EndpointLog.StartedFresh(_logger, _endpointId, elapsedMs, _answered.Count, _asked, _ledger.InFlight);
            return;
        }
        var now = _ledger.Snapshot();
        EndpointLog.TookOver(_logger, _endpointId, previous.Incarnation, elapsedMs, _answered.Count, _asked,
            now.InFlight, now.InFlight - adopted, now.Circuit, now.RequestsLastMinute, now.TokensLastMinute);
    }

    /// <summary>The ledger moves the breaker; this says so, once per change, with the numbers that explain it.</summary>
    private void NoteCircuit(ReportOutcome? outcome)
    {
        var circuit = _ledger.Circuit;
        if (circuit == _circuit) return;
        var now = _runtime.Clock.GetUtcNow();
        switch (circuit)
        {
            case CircuitState.Open:
                var last = outcome is null ? "" : $", the last {outcome.Kind}" + (outcome.RetryAfter is { } retryAfter ? $" with Retry-After {retryAfter.TotalSeconds:0.#} s" : "");
                var cause = _circuit == CircuitState.HalfOpen
                    ? $"the half-open probe failed{last}"
                    : $"{_ledger.ConsecutiveFailures} consecutive failure(s){last}";
                EndpointLog.BreakerOpened(_logger, _endpointId, cause, ((_ledger.CooldownUntil ?? now) - now).TotalSeconds);
                if (_circuit == CircuitState.Closed) _openedAt = now;
                break;
            case CircuitState.HalfOpen:
                EndpointLog.BreakerHalfOpen(_logger, _endpointId, (now - _openedAt).TotalSeconds);
                break;
            case CircuitState.Closed:
                EndpointLog.BreakerClosed(_logger, _endpointId, (now - _openedAt).TotalSeconds);
                break;
        }
        _circuit = circuit;
    }

    /// <summary>
    /// Routers grant an uncapped endpoint without asking while its snapshot shows nothing this actor would refuse for
    /// (LocalGrants): a breaker that opened or a provider that ran out is published at once, not after the snapshot
    /// interval, so this node's routers stop granting as it happens (other nodes' at their next gossip). Until it
    /// serves, an incarnation publishes nothing.
    /// </summary>
    private void PublishIfGrantingChanged()
    {
        var refusesNothing = _ledger.RefusesNothingUncapped(_runtime.Clock.GetUtcNow());
        if (refusesNothing == _refusedNothing) return;
        _refusedNothing = refusesNothing;
        if (_serving) _snapshotExchange.Tell(_ledger.Snapshot());
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
