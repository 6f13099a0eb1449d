using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Hosting;
using Router.Actors.Membership;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Routing;

/// <summary>
/// A routee of the node's router pool. For each <see cref="RouteRequest"/>: filter the group's endpoints,
/// rank them with the group's strategy on cached snapshots, and ask the best one's <c>EndpointActor</c> for a
/// lease (one round trip in the common case); on refusal or timeout, ask the next, within a budget.
/// Never blocks: decisions in progress wait in <see cref="_pending"/>, keyed by lease id.
/// </summary>
internal sealed class RouterActor : ReceiveActor, IWithTimers
{
    /// <summary>How long an endpoint that did not answer an acquire in time is avoided.</summary>
    private static readonly TimeSpan SilentPenalty = TimeSpan.FromSeconds(10);

    /// <summary>How often one decision lets a pick refuse for being busier than an alternative, before it asks without
    /// that condition: each refusal costs a round trip, and three leave the counts of a typical group fresh.</summary>
    private const int MaxBusierRefusals = 3;

    private readonly RouterRuntime _runtime;
    private readonly IActorRef _endpointRegion;
    private readonly RoutingSettings _settings;
    private readonly string _selfHolder = HolderId.Of(Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress);
    private readonly Address _selfAddress = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
    private readonly ILogger _log = ActorLoggers.For<RouterActor>(Context);
    // A spare must have been confirmed by its endpoint this recently to carry a new request (as the lease keeper fences).
    private readonly TimeSpan _spareValidity;
    private readonly Dictionary<(string Group, string Strategy), GroupStrategy> _strategies = new();
    private DirectorySnapshot? _strategiesOf;
    private readonly Dictionary<string, GroupMembers> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Decision> _pending = new(StringComparer.Ordinal);
    // Candidate lists are reused: a group of 1,000 endpoints would otherwise cost a large list per decision.
    private readonly Stack<List<EndpointCandidate>> _listPool = new();
    private readonly List<EndpointCandidate> _tierScratch = [];
    private readonly List<EndpointCandidate> _answeringScratch = [];

    private sealed class Decision(RouteRequest request, IActorRef replyTo, GroupStrategy strategy, List<EndpointCandidate> remaining, bool needsTiering)
    {
        public bool NeedsTiering { get; } = needsTiering;
        public RouteRequest Request { get; } = request;
        public IActorRef ReplyTo { get; } = replyTo;
        public GroupStrategy Strategy { get; } = strategy;
        public List<EndpointCandidate> Remaining { get; } = remaining;
        /// <summary>Refusals so far; created by the first (most decisions are granted at once).</summary>
        public List<(LeaseRefusalReason? Reason, TimeSpan? RetryAfter)> Refusals => _refusals ??= [];
        private List<(LeaseRefusalReason? Reason, TimeSpan? RetryAfter)>? _refusals;
        public EndpointCandidate? Current { get; set; }
        /// <summary>The current attempt's slot in the snapshot cache, whose pending count it holds until answered.</summary>
        public EndpointSlot? CurrentSlot { get; set; }
        public DateTimeOffset AskedAt { get; set; }
        /// <summary>When (a timestamp) the current acquire was sent.</summary>
        public long AskSentAt { get; set; }
        public int Attempts { get; set; }
        public int BusierRefusals { get; set; }
        public string Holder { get; set; } = "";
        /// <summary>The candidates are the strategy's shortlist (<see cref="RoutingContext.Shortlisted"/>).</summary>
        public bool Shortlisted { get; init; }
    }

    internal sealed class TimeoutTick
    {
        public static readonly TimeoutTick Instance = new();
    }

    private sealed class QuorumWaitTick
    {
        public static readonly QuorumWaitTick Instance = new();
    }

    /// <summary>How often decisions held back after a local pause look whether the majority is back.</summary>
    private static readonly TimeSpan QuorumWaitInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Decisions that arrived while the majority had lapsed only because this process stood still, oldest first.</summary>
    private readonly Queue<(RouteRequest Request, IActorRef ReplyTo, DateTimeOffset Since)> _awaitingQuorum = new();

    /// <summary>When the timeout tick last ran: a much longer gap than its interval means the process stood still.</summary>
    private DateTimeOffset _lastTickAt;

    public RouterActor(RouterRuntime runtime, IActorRef endpointRegion)
    {
        _runtime = runtime;
        _endpointRegion = endpointRegion;
        _settings = runtime.Options.Routing;
        _spareValidity = runtime.Options.Endpoint.LeaseTtl - runtime.Options.Endpoint.FencingMargin;

        Receive<RouteRequest>(request => Route(request, Sender));
        Receive<LeaseAcquired>(OnLeaseAcquired);
        Receive<LeaseRefused>(OnLeaseRefused);
        Receive<ReportOutcome>(outcome => _endpointRegion.Forward(outcome)); // for services without a region proxy
        Receive<TimeoutTick>(_ => ExpireSlowAttempts());
        Receive<QuorumWaitTick>(_ => RouteAwaitingQuorum());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _lastTickAt = _runtime.Clock.GetUtcNow();
        Timers.StartPeriodicTimer("timeouts", TimeoutTick.Instance, TickInterval);
    }

    private TimeSpan TickInterval => _settings.AcquireTimeout / 4;

    /// <param name="since">When a decision held back for the majority first arrived; null for a new one.</param>
    private void Route(RouteRequest request, IActorRef replyTo, DateTimeOffset? since = null)
    {
        var now = _runtime.Clock.GetUtcNow();
        if (MembersOf(request.ModelGroup) is not { } members)
        {
            replyTo.Tell(CandidateSelector.UnknownGroup(request));
            return;
        }
        if (_runtime.Options.IsGateway && !_runtime.Quorum.HasMajority)
        {
            // Just resumed from a pause of this whole process (a long GC, a descheduled VM): the majority comes back
            // with the monitor's next round, so wait for it (at most the authority TTL) rather than refuse everything
            // in between.
            if (_runtime.Quorum.LapsedByLocalPause && now - (since ?? now) < _runtime.Quorum.AuthorityTtl)
            {
                _awaitingQuorum.Enqueue((request, replyTo, since ?? now));
                if (!Timers.IsTimerActive("quorum-wait")) Timers.StartPeriodicTimer("quorum-wait", QuorumWaitTick.Instance, QuorumWaitInterval);
                return;
            }
            // Cut off from most gateways: fail fast rather than wait on endpoints this node cannot reach, and hold
            // nothing it could not renew.
            replyTo.Tell(new NoEndpointAvailable(request.ModelGroup, NoEndpointReason.NoQuorum,
                "This gateway cannot reach a majority of the cluster; retry on another gateway.", _runtime.Options.Endpoint.AuthorityTtl));
            return;
        }
        var candidates = RentList();
        var strategy = StrategyFor(members);
        if (CandidateSelector.SelectFor(members, strategy, request, now, candidates, _selfHolder, _runtime.Options.Random, _settings,
                _runtime.SilentEndpoints, _log, out var shortlisted) is { } rejection)
        {
            ReturnList(candidates);
            replyTo.Tell(rejection);
            return;
        }
        var decision = new Decision(request, replyTo, strategy, candidates, members.NeedsTiering) { Shortlisted = shortlisted };
        decision.Holder = request.Holder ?? HolderOf(replyTo);
        AskNext(decision, now);
    }

    /// <summary>Routes the decisions held back after a pause once the majority is back, or refuses those that waited the TTL.</summary>
    private void RouteAwaitingQuorum()
    {
        if (_awaitingQuorum.Count > 0 && !_runtime.Quorum.HasMajority && _runtime.Quorum.LapsedByLocalPause &&
            _runtime.Clock.GetUtcNow() - _awaitingQuorum.Peek().Since < _runtime.Quorum.AuthorityTtl) return;
        Timers.Cancel("quorum-wait");
        var waiting = _awaitingQuorum.ToArray();
        _awaitingQuorum.Clear();
        // Each is routed (or refused) as if it arrived now; one that still may wait goes back in the queue.
        foreach (var (request, replyTo, since) in waiting) Route(request, replyTo, since);
    }

    /// <summary>The group's endpoints and snapshot slots, rebuilt only when the directory changed.</summary>
    private GroupMembers? MembersOf(string groupName)
    {
        var directory = _runtime.Directory.Current;
        if (_members.TryGetValue(groupName, out var members) && ReferenceEquals(members.Directory, directory)) return members;
        if (!directory.Groups.TryGetValue(groupName, out var group))
        {
            _members.Remove(groupName);
            return null;
        }
        members = GroupMembers.Build(directory, group, _runtime.Snapshots, _runtime.Leases);
        _members[groupName] = members;
        return members;
    }

    private void OnLeaseAcquired(LeaseAcquired acquired)
    {
        _runtime.SilentEndpoints.ClearSilent(acquired.EndpointId);
        _runtime.EndpointHomes.Observe(acquired.EndpointId, Sender, _selfAddress);
        if (_pending.Remove(acquired.LeaseId, out var decision)) decision.CurrentSlot!.AcquireAnswered();
        else
        {
            // The attempt had timed out and the request moved on: give the lease straight back.
            _runtime.Snapshots.ObserveInFlight(acquired, _runtime.Leases.InUseOn(acquired.EndpointId).Value);
            GiveBack(acquired.EndpointId, acquired.LeaseId);
            return;
        }
        var now = _runtime.Clock.GetUtcNow();
        _runtime.Metrics.LeaseAnswered(acquired.EndpointId, null, false, now - decision.AskedAt);
        if (!Grant(decision, acquired.LeaseId, acquired.ExpiresAt, decision.AskSentAt, acquired))
        {
            // Granted by an incarnation the endpoint's successor replaced, which does not count it: given back, and the
            // successor is asked, without using up an attempt.
            GiveBack(acquired.EndpointId, acquired.LeaseId);
            RoutingLog.LateGrantGivenBack(_log, acquired.EndpointId, acquired.Incarnation);
            decision.Attempts--;
            decision.Remaining.Add(decision.Current!.Value);
            AskNext(decision, now);
            return;
        }
        // After the grant is booked: the count includes it, and so does this node's.
        _runtime.Snapshots.ObserveInFlight(acquired, _runtime.Leases.InUseOn(acquired.EndpointId).Value);
    }

    /// <summary>A grant this node will not use (late, or its request moved on): released at once; releases are idempotent.</summary>
    private void GiveBack(string endpointId, string leaseId) =>
        _runtime.LocalEndpoints.Of(endpointId, _endpointRegion).Tell(new ReportOutcome(endpointId, leaseId, OutcomeKind.NotUsed));

    /// <param name="confirmedAt">When (a timestamp) the endpoint's count covers the lease from: the send time of the
    /// acquire, or now for a lease granted here.</param>
    /// <param name="from">The endpoint actor's grant, when it made it (null for a lease granted here).</param>
    /// <returns>False, and nothing granted, for a grant the endpoint's successor may not count (<see cref="LeaseBook.BookUnlessMissed"/>).</returns>
    private bool Grant(Decision decision, string leaseId, DateTimeOffset expiresAt, long confirmedAt, LeaseAcquired? from = null)
    {
        var endpoint = decision.Current!.Value.Definition;
        var lease = new Lease(leaseId, endpoint.Id, endpoint.ModelGroup, endpoint.Url, expiresAt, decision.Request.EstimatedInputTokens);
        // Booked before the caller hears of it: this node's exact count of its requests on the endpoint includes the
        // lease from this moment (the next decision ranks on it), and the keeper renews it from now on.
        if (decision.Holder == _selfHolder && !_runtime.Leases.BookUnlessMissed(lease, from?.Incarnation ?? 0, confirmedAt)) return false;
        // The granting incarnation goes with it: a caller on another node books it there and checks it the same way.
        decision.ReplyTo.Tell(new LeaseGranted(lease, decision.Attempts, from?.Incarnation ?? 0));
        ReturnList(decision.Remaining);
        return true;
    }

    private void OnLeaseRefused(LeaseRefused refused)
    {
        _runtime.Snapshots.ApplyAnswer(refused.Snapshot, _runtime.Leases.InUseOn(refused.EndpointId).Value);
        _runtime.SilentEndpoints.ClearSilent(refused.EndpointId);
        if (!_pending.Remove(refused.LeaseId, out var decision)) return;
        decision.CurrentSlot!.AcquireAnswered();
        var now = _runtime.Clock.GetUtcNow();
        _runtime.Metrics.LeaseAnswered(refused.EndpointId, refused.Reason, false, now - decision.AskedAt);
        if (refused.Reason == LeaseRefusalReason.BusierThanAlternative)
        {
            // Not a failure and not an attempt: the endpoint stays a candidate, ranked on the exact count it answered with.
            decision.BusierRefusals++;
            decision.Attempts--;
            decision.Remaining.Add(new EndpointCandidate(decision.Current!.Value.Definition, refused.Snapshot)
            {
                Pending = InFlightView.PendingAnswered(decision.CurrentSlot, refused.Snapshot, _runtime.Leases.InUseOn(refused.EndpointId), _selfHolder),
                Position = decision.Current!.Value.Position,
            });
            AskNext(decision, now);
            return;
        }
        decision.Refusals.Add((refused.Reason, refused.RetryAfter));
        AskNext(decision, now);
    }

    private void ExpireSlowAttempts()
    {
        var now = _runtime.Clock.GetUtcNow();
        var sinceLastTick = now - _lastTickAt;
        _lastTickAt = now;
        if (_pending.Count == 0) return;
        if (sinceLastTick > 2 * TickInterval)
        {
            // This actor did not run for much longer than the tick's interval: the process stood still (a long GC
            // pause, a descheduled VM) or this node was starved. The endpoints had no chance to answer either, so the
            // time beyond one interval does not count against them: otherwise a node-wide pause would mark every
            // endpoint with an acquire in the air silent for 10 s and give up on its decisions.
            var excused = sinceLastTick - TickInterval;
            foreach (var decision in _pending.Values) decision.AskedAt += excused;
        }
        List<(string LeaseId, Decision Decision)>? expired = null;
        foreach (var (leaseId, decision) in _pending)
            if (now - decision.AskedAt >= _settings.AcquireTimeout) (expired ??= []).Add((leaseId, decision));
        if (expired is null) return;
        foreach (var (leaseId, decision) in expired)
        {
            _pending.Remove(leaseId);
            decision.CurrentSlot!.AcquireAnswered();
            // The grant may still come (or was lost on its way): give it back now; releases are idempotent.
            GiveBack(decision.Current!.Value.Id, leaseId);
            var silent = decision.Current!.Value.Id;
            _runtime.Metrics.LeaseAnswered(silent, null, true, now - decision.AskedAt);
            _runtime.SilentEndpoints.MarkSilent(silent, now + SilentPenalty);
            _runtime.Snapshots.Forget(silent);
            decision.Refusals.Add((null, null));
            AskNext(decision, now);
        }
    }

    private void AskNext(Decision decision, DateTimeOffset now)
    {
        if (decision.Attempts >= _settings.MaxAcquireAttempts || decision.Remaining.Count == 0)
        {
            decision.ReplyTo.Tell(Exhausted(decision));
            ReturnList(decision.Remaining);
            return;
        }

        var choices = decision.NeedsTiering ? PreferredTier(decision.Remaining) : decision.Remaining;
        if (!_runtime.SilentEndpoints.IsEmpty) choices = Answering(choices, now);
        var picked = decision.Strategy.Pick(choices, new RoutingContext(decision.Request, now, _runtime.Options.Random, _settings.Strategy) { Shortlisted = decision.Shortlisted }, _log);
        var pick = choices[picked];
        var request = decision.Request;
        var duration = request.LeaseDuration ?? _settings.LeaseDuration;
        var localLease = GrantableHere(decision, pick, now + duration);
        // Before the pick leaves the list: choices may be that list.
        var grantBelow = localLease is null ? GrantBound(decision, choices, picked) : null;
        RemoveCandidate(decision.Remaining, pick);
        decision.Current = pick;
        decision.Attempts++;
        decision.AskedAt = now;

        if (localLease is var (localId, lot))
        {
            _runtime.Activity.Granted(new AcquireLease(pick.Id, localId, duration, request.EstimatedInputTokens, decision.Holder, AllowanceLot: lot));
            _runtime.Snapshots.Slot(pick.Id).GrantedHere();
            _runtime.Metrics.GrantedLocally(lot is not null ? "lent_budget" : pick.Definition.MaxInFlight is not null ? "spare" : "no_cap");
            Grant(decision, localId, now + duration, _runtime.Clock.GetTimestamp());
            return;
        }
        var leaseId = Guid.NewGuid().ToString("N");
        _pending[leaseId] = decision;
        decision.AskSentAt = _runtime.Clock.GetTimestamp();
        decision.CurrentSlot = _runtime.Snapshots.Slot(pick.Id);
        decision.CurrentSlot.AcquireSent();
        _runtime.LocalEndpoints.Of(pick.Id, _endpointRegion).Tell(new AcquireLease(pick.Id, leaseId, duration, request.EstimatedInputTokens, decision.Holder, grantBelow));
    }

    // A loop, not FindIndex with a lambda: capturing the pick cost a closure and a delegate on every decision.
    private static void RemoveCandidate(List<EndpointCandidate> remaining, EndpointCandidate pick)
    {
        for (var i = 0; i < remaining.Count; i++)
            if (ReferenceEquals(remaining[i].Definition, pick.Definition))
            {
                remaining.RemoveAt(i);
                return;
            }
    }

    /// <summary>
    /// The lease id this router may grant <paramref name="pick"/> under without asking its actor (<see cref="LocalGrants"/>),
    /// and the lent rpm/tpm lot it draws on: a new id where the actor has nothing to decide, a spare the endpoint lent
    /// this node for an in-flight cap, a lot for an rpm/tpm limit (both when it has both). Null: ask the actor.
    /// </summary>
    private (string LeaseId, string? Lot)? GrantableHere(Decision decision, EndpointCandidate pick, DateTimeOffset needUntil)
    {
        if (LocalGrants.Allowed(_settings, pick, _runtime.Activity)) return (Guid.NewGuid().ToString("N"), null);
        var heldHere = decision.Holder == _selfHolder;
        var (definition, tokens) = (pick.Definition, decision.Request.EstimatedInputTokens);
        string? lot = null;
        if (LocalGrants.MayUseAllowance(_settings, pick, _runtime.Activity, heldHere) &&
            !_runtime.Allowances.TryDraw(pick.Id, tokens, definition.Tpm is not null, out lot))
            return null;
        if (definition.MaxInFlight is null) return lot is null ? null : (Guid.NewGuid().ToString("N"), lot);
        if (LocalGrants.MayUseSpare(_settings, pick, _runtime.Activity, heldHere) &&
            _runtime.Spares.TryTake(pick.Id, needUntil, _spareValidity, out var spareId))
            return (spareId, lot);
        if (lot is not null) _runtime.Allowances.Undraw(pick.Id, lot, tokens, definition.Tpm is not null);
        return null;
    }

    /// <summary>
    /// For a strategy that wants the least busy endpoint, when the pick is capped: it grants only while its exact count is
    /// at most the least busy alternative's count as this node sees it (<see cref="InFlightView.Total"/>: the actor's
    /// count, not the share ranking uses). Null otherwise: an uncapped pick was ranked on this node's exact count, and
    /// only the cap is the actor's to decide.
    /// </summary>
    private int? GrantBound(Decision decision, List<EndpointCandidate> choices, int picked)
    {
        if (!decision.Strategy.PrefersLeastInFlight || choices[picked].Definition.MaxInFlight is null ||
            decision.BusierRefusals >= MaxBusierRefusals || choices.Count < 2) return null;
        var least = int.MaxValue;
        for (var i = 0; i < choices.Count; i++)
            if (i != picked)
            {
                var id = choices[i].Id;
                least = Math.Min(least, InFlightView.Total(_runtime.Snapshots.Slot(id), _runtime.Leases.InUseOn(id), _selfHolder));
            }
        return least + 1 + BusierSlack(least);
    }

    /// <summary>
    /// How much busier than the least busy alternative looks a pick may be and still grant: one request, or a quarter of
    /// the alternative's count when that is more. An endpoint on another node counts each lease a network round trip
    /// longer than one on the caller's node (the grant and the release travel), and other nodes' releases reach it
    /// later; with no slack those counts made a remote pick refuse for being busier far more often than a local one,
    /// and least-busy put 60-70% of leases on the caller's own node (routing core, 3 nodes, 10 ms requests).
    /// </summary>
    internal static int BusierSlack(int leastAlternative) => Math.Max(1, leastAlternative / 4);

    /// <summary>
    /// The candidates the strategy chooses among: those the cache believes have room (all of them if none
    /// seems to), and of those the lowest order tier. In the common case (all have room, one tier) that is
    /// the list itself; otherwise a scratch list, valid until the next call.
    /// </summary>
    private List<EndpointCandidate> PreferredTier(List<EndpointCandidate> remaining)
    {
        var anyRoom = false;
        var allRoom = true;
        foreach (var candidate in remaining)
        {
            var room = CandidateSelector.HasRoom(candidate);
            anyRoom |= room;
            allRoom &= room;
        }
        var tier = int.MaxValue;
        var tiers = 0;
        foreach (var candidate in remaining)
        {
            if (anyRoom && !CandidateSelector.HasRoom(candidate)) continue;
            var order = candidate.Definition.Order;
            if (order < tier) (tier, tiers) = (order, tiers + 1);
            else if (order > tier) tiers++;
        }
        if ((allRoom || !anyRoom) && tiers == 1) return remaining;

        _tierScratch.Clear();
        foreach (var candidate in remaining)
            if ((!anyRoom || CandidateSelector.HasRoom(candidate)) && candidate.Definition.Order == tier) _tierScratch.Add(candidate);
        return _tierScratch;
    }

    /// <summary>Leaves out endpoints that recently did not answer, unless that would leave nothing.</summary>
    private List<EndpointCandidate> Answering(List<EndpointCandidate> choices, DateTimeOffset now)
    {
        _answeringScratch.Clear();
        foreach (var candidate in choices)
        {
            if (!_runtime.SilentEndpoints.IsSilent(candidate.Id, now)) _answeringScratch.Add(candidate);
        }
        return _answeringScratch.Count > 0 ? _answeringScratch : choices;
    }

    private List<EndpointCandidate> RentList() => _listPool.TryPop(out var list) ? list : [];

    private void ReturnList(List<EndpointCandidate> list)
    {
        list.Clear();
        if (_listPool.Count < 64) _listPool.Push(list);
    }

    /// <summary>The node of a caller that did not name its holder (a remote service's address, or this node).</summary>
    private string HolderOf(IActorRef caller) =>
        caller.Path.Address.HasGlobalScope ? caller.Path.Address.ToString() : _selfHolder;

    /// <summary>The node's shared instance for the group, cached here so a decision takes no node-wide lock to find it.</summary>
    private GroupStrategy StrategyFor(GroupMembers members)
    {
        // A new directory may have dropped groups (and their node-wide instances): forget this routee's copies too.
        if (!ReferenceEquals(_strategiesOf, members.Directory))
        {
            _strategies.Clear();
            _strategiesOf = members.Directory;
        }
        var group = members.Group;
        var key = (group.Name, group.Strategy);
        if (!_strategies.TryGetValue(key, out var strategy))
            _strategies[key] = strategy = _runtime.GroupStrategies.For(group, _runtime.Strategies);
        return strategy;
    }

    private static NoEndpointAvailable Exhausted(Decision decision)
    {
        var refusals = decision.Refusals;
        var group = decision.Request.ModelGroup;
        TimeSpan? retryAfter = refusals.Where(r => r.RetryAfter is not null).Select(r => r.RetryAfter).Min();
        var summary = string.Join(", ", refusals
            .GroupBy(r => r.Reason?.ToString() ?? "no answer in time")
            .Select(g => $"{g.Count()} {Describe(g.Key)}"));
        var message = $"No endpoint of '{group}' could take the request ({decision.Attempts} asked: {summary}).";

        NoEndpointReason reason;
        if (refusals.All(r => r.Reason is LeaseRefusalReason.RateLimited or LeaseRefusalReason.TokenLimited or LeaseRefusalReason.ProviderExhausted))
            reason = NoEndpointReason.AllRateLimited;
        else if (refusals.All(r => r.Reason is LeaseRefusalReason.CoolingDown or LeaseRefusalReason.ProbeInFlight))
            reason = NoEndpointReason.AllCoolingDown;
        else if (refusals.All(r => r.Reason is LeaseRefusalReason.Drained))
            reason = NoEndpointReason.AllDrained; // drained a moment ago: this node's directory had not caught up yet
        else if (refusals.All(r => r.Reason is null))
            reason = NoEndpointReason.Timeout;
        else if (refusals.All(r => r.Reason is LeaseRefusalReason.NoQuorum or null))
            reason = NoEndpointReason.NoQuorum;
        else
            reason = NoEndpointReason.AllAtCapacity;
        return new NoEndpointAvailable(group, reason, message, retryAfter);
    }

    private static string Describe(string reason) => reason switch
    {
        nameof(LeaseRefusalReason.AtCapacity) => "at capacity",
        nameof(LeaseRefusalReason.RateLimited) => "over their rpm limit",
        nameof(LeaseRefusalReason.TokenLimited) => "over their tpm limit",
        nameof(LeaseRefusalReason.CoolingDown) => "cooling down",
        nameof(LeaseRefusalReason.ProbeInFlight) => "waiting for a recovery probe",
        nameof(LeaseRefusalReason.Drained) => "drained",
        nameof(LeaseRefusalReason.UnknownEndpoint) => "not yet known on their node",
        nameof(LeaseRefusalReason.NoQuorum) => "on a node cut off from the majority",
        nameof(LeaseRefusalReason.ProviderExhausted) => "out of requests or tokens by their provider's own count",
        _ => reason,
    };
}
