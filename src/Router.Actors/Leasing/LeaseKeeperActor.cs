using Akka.Actor;
using Microsoft.Extensions.Logging;
using Router.Actors.Hosting;
using Router.Actors.Membership;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Leasing;

/// <summary>
/// One per node: keeps this node's leases alive and fences them. Every renewal interval it sends each endpoint it
/// holds leases on one <see cref="RenewLeases"/> statement (through the shard region, so it reaches whichever
/// incarnation is current; those for endpoints on another node together, in one <see cref="RenewLeasesBatch"/> per
/// node); the endpoint's <see cref="LeasesRenewed"/> confirms the leases as of the moment the statement was sent. A lease not confirmed within the lease TTL minus the fencing margin is revoked: its request
/// is aborted here before the endpoint may give the slot to someone else. Also answers a new endpoint
/// incarnation's <see cref="QueryHeldLeases"/> with the leases held and the grants of the last minute.
/// </summary>
internal sealed class LeaseKeeperActor : ReceiveActor, IWithTimers
{
    private const string RenewTimer = "renew";
    private const string FenceTimer = "fence";
    private readonly ILogger _logger = ActorLoggers.For<LeaseKeeperActor>(Context);
    private readonly RouterRuntime _runtime;
    private readonly LeaseBook _book;
    private readonly IActorRef _endpointRegion;
    private readonly string _holder;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly TimeSpan _validity;
    private readonly Dictionary<long, Statement> _sent = new();
    // Per node, the batches sent since the first one that went unanswered (when that was, and the rounds of them all), and
    // the nodes that answered none of them for too long: statements to those go one by one for a while (a node on a
    // version without batched renewals, or a relay restarting), so no lease lapses waiting for a batch nobody hands on.
    private readonly Dictionary<Address, (long Since, List<long> Rounds)> _unanswered = new();
    private readonly Dictionary<Address, long> _directUntil = new();
    private static readonly TimeSpan DirectAfterUnansweredBatch = TimeSpan.FromMinutes(1);
    private long _round;
    private long _lastFenceCheck;

    /// <param name="Released">The releases it states (strict endpoints): stated again if it goes unanswered.</param>
    private sealed record Statement(long SentAt, List<string> LeaseIds, string EndpointId, List<LeaseBook.ReleasedLease>? Released);

    private sealed class RenewTick
    {
        public static readonly RenewTick Instance = new();
    }

    private sealed class FenceTick
    {
        public static readonly FenceTick Instance = new();
    }

    public LeaseKeeperActor(RouterRuntime runtime, IActorRef endpointRegion)
    {
        _runtime = runtime;
        _book = runtime.Leases;
        _endpointRegion = endpointRegion;
        _holder = HolderId.Of(_cluster.SelfUniqueAddress);
        var settings = runtime.Options.Endpoint;
        _validity = settings.LeaseTtl - settings.FencingMargin;

        Receive<RenewTick>(_ => RenewAll());
        Receive<FenceTick>(_ => Fence());
        Receive<LeasesRenewed>(OnRenewed);
        Receive<QueryHeldLeases>(query =>
        {
            // Before the statement is taken: spares lent by an earlier incarnation that arrive after it would be unknown here.
            _runtime.Spares.Queried(query.EndpointId);
            _runtime.Allowances.Queried(query.EndpointId);
            _book.Queried(query.EndpointId, query.Incarnation);
            var held = _book.HeldOn(query.EndpointId);
            var lastKnown = _runtime.Snapshots.LastPublished(query.EndpointId);
            Sender.Tell(Record(new RenewLeases(query.EndpointId, _holder, ++_round, held, null, _book.RecentGrants(query.EndpointId),
                lastKnown.Incarnation == 0 ? null : lastKnown, query.Incarnation), null), Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var settings = _runtime.Options.Endpoint;
        _lastFenceCheck = _runtime.Clock.GetTimestamp();
        Timers.StartPeriodicTimer(RenewTimer, RenewTick.Instance, settings.RenewInterval);
        Timers.StartPeriodicTimer(FenceTimer, FenceTick.Instance, FenceCheckInterval(settings.FencingMargin));
    }

    /// <summary>
    /// The actor system is going away (downed, removed, or the end of a shutdown): nothing here can be renewed any
    /// more, so every request still holding a lease stops now.
    /// </summary>
    protected override void PostStop()
    {
        var revoked = _book.RevokeUnconfirmed(TimeSpan.Zero);
        if (revoked.Count > 0) LeaseLog.RevokedAtStop(_logger, revoked.Count);
    }

    /// <summary>Checked several times within the margin, so a revocation is never more than a fraction of it late.</summary>
    private static TimeSpan FenceCheckInterval(TimeSpan margin) =>
        TimeSpan.FromTicks(Math.Clamp(margin.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMilliseconds(500).Ticks));

    private void RenewAll()
    {
        PruneUnanswered();
        var routing = _runtime.Options.Routing;
        _runtime.Spares.GiveBackUnused(routing.SpareIdleTimeout, routing.LeaseDuration);
        _runtime.Allowances.GiveBackUnusable();
        RestateUnansweredReleases();
        var byEndpoint = _book.ByEndpoint();
        foreach (var endpointId in _book.EndpointsWithReleases.ToList())
            if (!byEndpoint.ContainsKey(endpointId)) byEndpoint[endpointId] = [];
        NoteUnansweredBatches();
        Dictionary<Address, List<RenewLeases>>? byNode = null;
        foreach (var (endpointId, entries) in byEndpoint)
        {
            var released = _book.TakeReleased(endpointId);
            var statement = Record(new RenewLeases(endpointId, _holder, ++_round, entries.Select(e => e.ToHeld()).ToList(),
                released.Count > 0 ? released.ConvertAll(r => r.LeaseId) : null), released.Count > 0 ? released : null);
            if (_runtime.EndpointHomes.TryGetHome(endpointId, out var home) && home != _cluster.SelfAddress && Batches(home))
            {
                byNode ??= new Dictionary<Address, List<RenewLeases>>();
                if (!byNode.TryGetValue(home, out var statements)) byNode[home] = statements = [];
                statements.Add(statement);
            }
            else
            {
                _runtime.LocalEndpoints.Of(endpointId, _endpointRegion).Tell(statement, Self);
            }
        }
        // One message per node pair, not per endpoint: the relay there hands each statement to its endpoint (through the
        // shard region, so a moved actor gets it too) and batches the answers back.
        foreach (var (node, statements) in byNode ?? [])
        {
            LeaseActivityRelay.On(Context.System, node).Tell(new RenewLeasesBatch(statements), Self);
            if (!_unanswered.TryGetValue(node, out var pending))
                _unanswered[node] = pending = (_runtime.Clock.GetTimestamp(), []);
            pending.Rounds.AddRange(statements.Select(st => st.Round));
        }
    }

    private bool Batches(Address node) =>
        !_directUntil.TryGetValue(node, out var until) || _runtime.Clock.GetElapsedTime(until) >= TimeSpan.Zero;

    /// <summary>
    /// Batches to a node none of whose statements was answered for a third of the lease validity were not handed on. Not
    /// after one renewal interval: an answer late by a pause of either node (a GC, a busy machine) is not a missing one,
    /// nor is a batch lost while a later one was answered; the leases still have two thirds of their validity for the
    /// statements that then go one by one.
    /// </summary>
    private void NoteUnansweredBatches()
    {
        foreach (var (node, (since, rounds)) in _unanswered.ToList())
        {
            if (!rounds.TrueForAll(_sent.ContainsKey))
            {
                _unanswered.Remove(node); // answered: the relay there hands batches on
                continue;
            }
            if (_runtime.Clock.GetElapsedTime(since) < _validity / 3) continue;
            _unanswered.Remove(node);
            _directUntil[node] = _runtime.Clock.GetTimestamp() + (long)(DirectAfterUnansweredBatch.TotalSeconds * _runtime.Clock.TimestampFrequency);
            LeaseLog.RenewalBatchUnanswered(_logger, node.ToString(), rounds.Count, DirectAfterUnansweredBatch.TotalSeconds);
        }
    }

    private RenewLeases Record(RenewLeases statement, List<LeaseBook.ReleasedLease>? released)
    {
        _sent[statement.Round] = new Statement(_runtime.Clock.GetTimestamp(), statement.Held.Select(h => h.LeaseId).ToList(), statement.EndpointId, released);
        return statement;
    }

    /// <summary>
    /// A strict endpoint keeps a lease whose release it never heard until the lease's deadline: a release is stated in
    /// every round until a statement carrying it is answered, not once (a partition can swallow the direct release
    /// and that round's statement alike). Repeating one is harmless: the endpoint ends a lease once and remembers it.
    /// </summary>
    private void RestateUnansweredReleases()
    {
        List<long>? restated = null;
        foreach (var (round, statement) in _sent)
        {
            if (statement.Released is null) continue;
            _book.Unacknowledged(statement.EndpointId, statement.Released);
            (restated ??= []).Add(round);
        }
        foreach (var round in restated ?? []) _sent[round] = _sent[round] with { Released = null };
    }

    private void OnRenewed(LeasesRenewed renewed)
    {
        if (!_sent.Remove(renewed.Round, out var statement))
        {
            // Unsolicited (round 0): the endpoint refuses leases granted here that it cannot count; any answer naming a
            // lease unknown means the endpoint does not count it, so it stops whichever statement that answers.
            var stopped = renewed.Unknown.Count(id => _book.Revoke(id) is not null);
            if (stopped > 0) LeaseLog.RevokedUnknown(_logger, renewed.EndpointId, stopped);
            return;
        }
        _runtime.EndpointHomes.Observe(renewed.EndpointId, Sender, _cluster.SelfAddress);
        if (renewed.Unknown.Count == 0)
        {
            _book.Confirm(statement.LeaseIds, statement.SentAt);
            return;
        }
        var unknown = renewed.Unknown.ToHashSet(StringComparer.Ordinal);
        _book.Confirm(statement.LeaseIds.Where(id => !unknown.Contains(id)), statement.SentAt);
        var revoked = unknown.Count(id => _book.Revoke(id) is not null);
        // One line per statement, not per lease: a move can refuse many at once.
        if (revoked > 0) LeaseLog.RevokedUnknown(_logger, renewed.EndpointId, revoked);
    }

    private void Fence()
    {
        var paused = _runtime.Clock.GetElapsedTime(_lastFenceCheck);
        _lastFenceCheck = _runtime.Clock.GetTimestamp();
        BridgeCutOffAuthorities();
        var revoked = _book.RevokeUnconfirmed(_validity);
        if (revoked.Count == 0) return;
        _runtime.Metrics.LeasesFenced(revoked.Count);
        foreach (var entry in revoked)
            // Best effort: if the endpoint can hear us, the slot comes back now rather than at the TTL.
            _runtime.LocalEndpoints.Of(entry.Lease.EndpointId, _endpointRegion).Tell(new ReportOutcome(entry.Lease.EndpointId, entry.Lease.LeaseId, OutcomeKind.Cancelled));
        var pauseNote = paused > _validity / 2 ? $" (this node was paused for {paused.TotalSeconds:0.0} s)" : "";
        LeaseLog.Fenced(_logger, revoked.Count, string.Join(", ", revoked.Select(e => e.Lease.EndpointId).Distinct()), _validity.TotalSeconds, pauseNote);
    }

    /// <summary>
    /// An endpoint whose node is unreachable or gone cannot acknowledge renewals, but it cannot give this node's slots
    /// away either: it reclaims from an unreachable holder only once that holder is downed (or after twice the TTL),
    /// and its successor asks every member what it holds before granting. So while this node itself reaches a
    /// majority (it is not the one cut off), its leases there count as confirmed by that majority's answer, and long
    /// requests survive the crash of the node hosting their endpoint's actor instead of being aborted.
    /// </summary>
    private void BridgeCutOffAuthorities()
    {
        if (_book.Count == 0 || !_runtime.Quorum.TryGetConfirmedAt(out var quorumAt)) return;
        var state = _cluster.State;
        _book.ConfirmWhere(endpointId => IsCutOff(endpointId, state), quorumAt, staleAfter: _validity / 2);
    }

    private bool IsCutOff(string endpointId, Akka.Cluster.ClusterEvent.CurrentClusterState state)
    {
        if (!_runtime.EndpointHomes.TryGetHome(endpointId, out var home) || home == _cluster.SelfAddress) return false;
        var member = state.Members.FirstOrDefault(m => m.Address == home);
        return member is null || member.Status is Akka.Cluster.MemberStatus.Down or Akka.Cluster.MemberStatus.Removed ||
               state.Unreachable.Any(m => m.Address == home);
    }

    /// <summary>Statements never answered (lost, or their endpoint moved) stop mattering once their leases would have lapsed.</summary>
    private void PruneUnanswered()
    {
        List<long>? stale = null;
        foreach (var (round, statement) in _sent)
            if (_runtime.Clock.GetElapsedTime(statement.SentAt) > _runtime.Options.Endpoint.LeaseTtl) (stale ??= []).Add(round);
        foreach (var round in stale ?? []) _sent.Remove(round);
    }
}
