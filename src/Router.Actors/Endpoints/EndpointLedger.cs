using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// The bookkeeping of one endpoint: leases, minute counters, sample windows and breaker. Plain code driven by
/// <see cref="EndpointActor"/>, which gives it one message at a time; every grant or refusal is decided
/// here against the exact counts, so caps hold cluster-wide.
/// </summary>
/// <remarks>
/// A lease ends when its holder releases it, at its hard deadline (the request's own), when its holder is proven
/// gone (its node restarted), or, with <see cref="LeaseFencing.Available"/>, when its holder has not renewed it for
/// <see cref="EndpointSettings.LeaseTtl"/>: a holder that cannot renew aborts its request before that. A holder
/// that is unreachable but not yet downed keeps its leases up to twice the TTL, because a holder that still reaches a
/// majority keeps its requests going when it cannot hear this endpoint (see the lease keeper's bridging).
/// </remarks>
internal sealed class EndpointLedger(string endpointId, EndpointSettings settings, TimeProvider clock)
{
    private readonly Dictionary<string, ActiveLease> _leases = new(StringComparer.Ordinal);
    // No lease can be reclaimed before this: a lease's deadline never moves and its renewal only moves later, so the
    // earliest of (deadline, renewal + TTL) over the leases bounds it from below. Every acquire asks for reclaiming,
    // and an endpoint with thousands of open streams would otherwise look at each of them every time.
    private DateTimeOffset _noReclaimBefore = DateTimeOffset.MaxValue;
    // Leases this incarnation released or reclaimed: a late renewal or re-assertion must not count one again.
    private readonly EndedLeases _ended = new(2 * settings.LeaseTtl);
    private readonly SlidingMinuteCounter _requests = new();
    private readonly SlidingMinuteCounter _tokens = new();
    private readonly SampleWindow _latency = new(settings.LatencyWindowSize);
    private readonly SampleWindow _timeToFirstToken = new(settings.LatencyWindowSize);
    private readonly CircuitBreaker _breaker = new(settings.FailureThreshold, settings.Cooldown, settings.MaxRetryAfter);
    private readonly ProviderLimits _provider = new();
    private readonly LentAllowances _allowances = new();
    private long _incarnation = clock.GetUtcNow().UtcTicks;
    private long _sequence;
    private int _peakInFlight;
    // Spare leases lent to holder nodes and not in use right now: they hold a slot, but no request runs on them.
    private int _idleSpares;
    // Spare leases lent out, idle or in use: an acquire looks for holders to recall only when there are any.
    private int _lentSpares;
    private DateTimeOffset? _lastSampleAt;
    private long _totalRequests;
    private long _totalFailures;
    private bool _drained;
    private LeaseFencing _fencing = LeaseFencing.Available;

    /// <summary>Whether a holder is unreachable from here but not yet downed (its leases wait for the decision).</summary>
    public Func<string, bool> IsUndecided { get; init; } = _ => false;

    /// <summary>Names this incarnation of the endpoint's actor: when its ledger began, in ticks, unless <see cref="Succeed"/>
    /// had to number it past its predecessor.</summary>
    public long Incarnation => _incarnation;

    /// <summary>
    /// Before serving: this incarnation follows <paramref name="previous"/>. Caches keep the snapshot of the larger
    /// incarnation, so one numbered from a clock behind its predecessor's node would be ignored everywhere (its strict
    /// grants recorded nowhere): it takes the next number instead.
    /// </summary>
    public void Succeed(long previous)
    {
        if (previous >= _incarnation) _incarnation = previous + 1;
    }

    private sealed class ActiveLease(DateTimeOffset grantedAt, DateTimeOffset deadline, int estimatedTokens, bool isProbe, string holder,
        DateTimeOffset renewedAt, bool isSpare = false)
    {
        /// <summary>When the current use was granted (a spare's changes with each use).</summary>
        public DateTimeOffset GrantedAt { get; set; } = grantedAt;
        public DateTimeOffset Deadline { get; } = deadline;
        public int EstimatedTokens { get; set; } = estimatedTokens;
        public bool IsProbe { get; } = isProbe;
        public string Holder { get; } = holder;
        public DateTimeOffset RenewedAt { get; set; } = renewedAt;
        /// <summary>Lent to its holder as a spare (<see cref="SpareLeases"/>): reused request after request.</summary>
        public bool IsSpare { get; } = isSpare;
        /// <summary>A request runs on it. Always true for a lease that is not a spare.</summary>
        public bool InUse { get; set; } = true;
        /// <summary>Uses of a spare that began before the end of the one before them was seen: a batch applies its grants
        /// before its releases, so a spare reused within one batch shows its next use first.</summary>
        public int UsesAhead { get; set; }
    }

    /// <summary>Requests running on the endpoint (idle spare leases hold a slot but run nothing).</summary>
    public int InFlight => _leases.Count - _idleSpares;

    /// <summary>Slots counted against the cap: requests running plus spare leases lent and idle.</summary>
    public int SlotsTaken => _leases.Count;

    /// <summary>The breaker as last moved (the open to half-open step happens when it is next observed): the actor logs each change.</summary>
    public CircuitState Circuit => _breaker.State;
    public DateTimeOffset? CooldownUntil => _breaker.OpenUntil;
    public int ConsecutiveFailures => _breaker.ConsecutiveFailures;

    /// <summary>Leases reclaimed because their holder stopped renewing them (available fencing): each is a request
    /// that a frozen holder may still be running.</summary>
    public long ReclaimedUnrenewed { get; private set; }

    public object TryAcquire(EndpointDefinition? definition, AcquireLease request)
    {
        var now = clock.GetUtcNow();
        ReclaimExpired(now, definition?.Fencing ?? LeaseFencing.Available);
        if (definition is null) return Refuse(request, LeaseRefusalReason.UnknownEndpoint, null, now);
        _drained = definition.Drained;
        _fencing = definition.Fencing;

        if (_leases.TryGetValue(request.LeaseId, out var existing)) // a retried acquire: same answer, no double count
            return new LeaseAcquired(endpointId, request.LeaseId, existing.Deadline, InFlight, _incarnation, _sequence);
        if (_ended.Contains(request.LeaseId)) // released (its router gave up on it) before it arrived
            return Refuse(request, LeaseRefusalReason.AtCapacity, settings.CapacityRetryHint, now);
        if (definition.Drained) return Refuse(request, LeaseRefusalReason.Drained, null, now);

        var circuit = _breaker.Observe(now);
        if (circuit == CircuitState.Open)
            return Refuse(request, LeaseRefusalReason.CoolingDown, _breaker.OpenUntil - now, now);
        if (circuit == CircuitState.HalfOpen && _breaker.ProbeOut)
            return Refuse(request, LeaseRefusalReason.ProbeInFlight, settings.CapacityRetryHint, now);
        if (definition.MaxInFlight is { } maxInFlight && _leases.Count >= maxInFlight)
            return Refuse(request, LeaseRefusalReason.AtCapacity, settings.CapacityRetryHint, now);
        if (definition.Rpm is { } rpm && _requests.Total(now) >= rpm)
            return Refuse(request, LeaseRefusalReason.RateLimited, _requests.TimeUntilTotalAtMost(now, rpm - 1), now);
        if (definition.Tpm is { } tpm && TokensWouldExceed(tpm, request.EstimatedTokens, now))
            return Refuse(request, LeaseRefusalReason.TokenLimited,
                _tokens.TimeUntilTotalAtMost(now, Math.Max(0, tpm - request.EstimatedTokens)), now);
        if (_provider.Refusal(now, out var providerReset) is { } providerRefusal) return Refuse(request, providerRefusal, providerReset, now);
        if (request.GrantBelowInFlight is { } below && InFlight >= below)
            return Refuse(request, LeaseRefusalReason.BusierThanAlternative, null, now);

        var isProbe = circuit == CircuitState.HalfOpen;
        if (isProbe) _breaker.ProbeStarted();
        var deadline = now + request.Duration;
        Add(request.LeaseId, new ActiveLease(now, deadline, request.EstimatedTokens, isProbe, request.Holder, now));
        _peakInFlight = Math.Max(_peakInFlight, InFlight);
        _requests.Add(now, 1);
        _tokens.Add(now, request.EstimatedTokens);
        _totalRequests++;
        _sequence++;
        return new LeaseAcquired(endpointId, request.LeaseId, deadline, InFlight, _incarnation, _sequence);
    }

    /// <summary>
    /// A lease the holder's node granted itself, as it may when this endpoint has nothing to refuse for (no caps, breaker
    /// closed): counted like a grant made here, unless this incarnation counts it already. One whose release overtook it
    /// (sent directly while the grant waited in its batch) still counts as a request, not as in flight.
    /// </summary>
    /// <returns>False for a lease this endpoint did not know and cannot take without exceeding its cap (a spare an
    /// earlier incarnation lent whose lending crossed the hand-off, or a cap set since the grant): its holder must stop it.</returns>
    public bool CountGrantedElsewhere(AcquireLease grant, EndpointDefinition? definition = null)
    {
        var now = clock.GetUtcNow();
        if (_leases.TryGetValue(grant.LeaseId, out var existing))
        {
            // A spare lease taken into use by its holder: the slot was counted when it was lent, the request is counted now.
            if (!existing.IsSpare) return true;
            if (existing.InUse) existing.UsesAhead++;
            else
            {
                existing.InUse = true;
                _idleSpares--;
            }
            existing.GrantedAt = now;
            existing.EstimatedTokens = grant.EstimatedTokens;
            _peakInFlight = Math.Max(_peakInFlight, InFlight);
            CountRequest(now, grant.EstimatedTokens, grant.AllowanceLot);
            return true;
        }
        var accepted = true;
        if (definition?.MaxInFlight is { } max && _leases.Count >= max)
        {
            RememberEnded(grant.LeaseId);
            accepted = false;
        }
        else if (!_ended.Contains(grant.LeaseId))
        {
            Add(grant.LeaseId, new ActiveLease(now, now + grant.Duration, grant.EstimatedTokens, false, grant.Holder, now));
            _peakInFlight = Math.Max(_peakInFlight, InFlight);
        }
        CountRequest(now, grant.EstimatedTokens, grant.AllowanceLot);
        return accepted;
    }

    private void CountRequest(DateTimeOffset now, int estimatedTokens, string? allowanceLot = null)
    {
        // Drawn on lent budget: counted when the lot was lent, and moved to this second (later, so never out of the
        // window sooner than a request granted now). A lot this incarnation does not know is counted as a new request.
        if (allowanceLot is not null && _allowances.TryDraw(allowanceLot, estimatedTokens, out var lentAt, out var lentTokens))
        {
            _requests.AddAt(lentAt, -1, now);
            _tokens.AddAt(lentAt, -lentTokens, now);
        }
        _requests.Add(now, 1);
        _tokens.Add(now, estimatedTokens);
        _totalRequests++;
        _sequence++;
    }

    /// <summary>Releases the lease (if still held) and learns from the outcome; returns whether the lease was held.</summary>
    public bool Release(ReportOutcome outcome)
    {
        var now = clock.GetUtcNow();
        bool held;
        if (outcome.KeepAsSpare && _leases.TryGetValue(outcome.LeaseId, out var lease) && lease.IsSpare)
        {
            // The holder keeps the spare for its next request: the use ends, the slot stays lent. A repeated report of
            // the same use finds it idle and teaches nothing.
            held = lease.InUse;
            if (held && lease.UsesAhead > 0) lease.UsesAhead--; // the next use already runs on it
            else if (held)
            {
                lease.InUse = false;
                _idleSpares++;
            }
        }
        else
        {
            var wasIdleSpare = _leases.TryGetValue(outcome.LeaseId, out lease) && lease.IsSpare && !lease.InUse;
            held = RemoveLease(outcome.LeaseId, out lease) && !wasIdleSpare; // an idle spare given up ran nothing
            RememberEnded(outcome.LeaseId);
        }
        _sequence++;
        _provider.Observe(outcome.Provider, now);
        if (outcome.Kind == OutcomeKind.Success) RecordSamples(outcome, now);
        else if (outcome.Kind == OutcomeKind.Timeout) RecordSamples(outcome, now); // a timeout is a (lower-bound) latency too
        // Only the outcome of a lease this incarnation counts teaches the breaker and the token window.
        if (!held) return false;

        if (outcome.Kind == OutcomeKind.NotUsed)
        {
            _requests.AddAt(lease!.GrantedAt, -1, now);
            _tokens.AddAt(lease.GrantedAt, -lease.EstimatedTokens, now);
            if (lease.IsProbe) _breaker.ProbeAbandoned();
            return true;
        }

        // Replace the estimate with what the upstream actually counted, in the second the grant was charged.
        var actualTokens = outcome.PromptTokens + outcome.CompletionTokens;
        if (actualTokens > 0) _tokens.AddAt(lease!.GrantedAt, actualTokens - lease.EstimatedTokens, now);

        switch (outcome.Kind)
        {
            case OutcomeKind.Success:
                _breaker.OnSuccess(lease!.IsProbe);
                break;
            case var kind when kind.IsEndpointFailure():
                _totalFailures++;
                _breaker.OnFailure(now, outcome.RetryAfter, lease!.IsProbe);
                break;
            default: // client error or cancelled: says nothing about the endpoint's health
                if (lease!.IsProbe) _breaker.ProbeAbandoned();
                break;
        }
        return true;
    }

    /// <summary>
    /// Applies a holder's statement: renews the leases it lists, adopts those granted by an earlier incarnation
    /// (its shard moved), ends the ones it says it released, and, in an answer to the held-lease query, counts its
    /// grants of the last minute. Returns the listed leases this endpoint does not count: their requests must stop.
    /// </summary>
    /// <param name="serving">False while the incarnation is still collecting: adopt everything (nothing was granted yet).</param>
    /// <param name="countGrants">Whether <see cref="RenewLeases.RecentGrants"/> is this holder's first answer.</param>
    public List<string> Renew(RenewLeases statement, EndpointDefinition? definition, bool serving, bool countGrants)
    {
        var now = clock.GetUtcNow();
        var unknown = new List<string>();
        var changed = false;
        foreach (var id in statement.Released ?? [])
        {
            if (RemoveLease(id, out var released) && released!.IsProbe) _breaker.ProbeAbandoned();
            RememberEnded(id);
            changed = true;
        }
        foreach (var held in statement.Held)
        {
            if (_leases.TryGetValue(held.LeaseId, out var lease))
            {
                lease.RenewedAt = now;
                continue;
            }
            var overCap = serving && definition?.MaxInFlight is { } max && _leases.Count >= max;
            if (_ended.Contains(held.LeaseId) || held.ExpiresAt <= now || overCap)
            {
                // Reclaimed here already, or adopting it would exceed the cap: the holder must stop that request.
                RememberEnded(held.LeaseId);
                unknown.Add(held.LeaseId);
                continue;
            }
            // An adopted spare is taken as idle (whether a request runs on it is not in the statement): its slot counts
            // either way, and its holder's next use of it is counted as a request.
            Add(held.LeaseId, new ActiveLease(held.GrantedAt, held.ExpiresAt, held.EstimatedTokens, false, statement.Holder, now, held.Spare)
                { InUse = !held.Spare });
            if (held.Spare) (_idleSpares, _lentSpares) = (_idleSpares + 1, _lentSpares + 1);
            changed = true;
        }
        if (countGrants && statement.RecentGrants is { } grants)
        {
            foreach (var bucket in grants)
            {
                _requests.AddAt(bucket.Second, bucket.Requests, now);
                _tokens.AddAt(bucket.Second, bucket.Tokens, now);
            }
            changed |= grants.Count > 0;
        }
        if (changed)
        {
            _peakInFlight = Math.Max(_peakInFlight, InFlight);
            _sequence++;
        }
        return unknown;
    }

    /// <summary>
    /// Before a new incarnation serves: takes over what the previous one last published (the breaker, and the
    /// minute windows as a floor), so a move neither reopens a cooling endpoint nor restarts rpm and tpm. Requests the
    /// previous incarnation counted that no surviving holder reported (their holder died with it) are placed at the
    /// snapshot's second: they leave the window no earlier than they really would.
    /// </summary>
    /// <param name="answered">Holders that stated their leases to this incarnation.</param>
    /// <param name="longestLease">How long the slots of a silent holder are kept when the snapshot does not say the latest
    /// deadline among its leases (an older node's does not); when it does, they are kept until then.</param>
    public void TakeOver(EndpointSnapshot previous, IReadOnlySet<string> answered, TimeSpan longestLease)
    {
        if (previous.Incarnation == 0 || previous.Incarnation == _incarnation) return;
        var now = clock.GetUtcNow();
        // A holder that could not answer (frozen, cut off, removed but perhaps still running) keeps its slots: with
        // strict fencing until their deadline or proof it is gone, with available fencing for one more lease TTL, by
        // which time a holder that is running but cut off has aborted them.
        foreach (var (holder, count) in previous.InFlightByHolder ?? new Dictionary<string, int>())
        {
            if (answered.Contains(holder)) continue;
            // Until the latest deadline among the holder's leases, when the snapshot says it (a lease can be asked for
            // longer than the longest the gateway gives); otherwise for the longest lease.
            var deadline = previous.LatestDeadlineByHolder?.TryGetValue(holder, out var latest) == true ? latest : now + longestLease;
            if (deadline <= now) continue; // all its leases have ended already
            var known = _leases.Values.Count(l => l.Holder == holder);
            for (var i = known; i < count; i++)
                Add($"unaccounted:{previous.Incarnation}:{holder}:{i}", new ActiveLease(previous.TakenAt, deadline, 0, false, holder, now));
        }
        _breaker.Restore(previous.Circuit, previous.CooldownUntil, previous.ConsecutiveFailures);
        var counted = _requests.TotalInWindowEndingAt(previous.TakenAt);
        if (previous.RequestsLastMinute > counted) _requests.AddAt(previous.TakenAt, previous.RequestsLastMinute - counted, now);
        var tokens = _tokens.TotalInWindowEndingAt(previous.TakenAt);
        if (previous.TokensLastMinute > tokens) _tokens.AddAt(previous.TakenAt, previous.TokensLastMinute - tokens, now);
        _sequence++;
    }

    /// <summary>Ends the leases of a holder whose node restarted (same address, new incarnation): proof it runs nothing.</summary>
    public int DropReplacedHolder(string address, string currentHolder)
    {
        var prefix = address + "#";
        List<string>? gone = null;
        foreach (var (id, lease) in _leases)
            if (lease.Holder.StartsWith(prefix, StringComparison.Ordinal) && lease.Holder != currentHolder) (gone ??= []).Add(id);
        return End(gone);
    }

    /// <summary>Ends leases past their deadline or, with available fencing, not renewed within the TTL; returns how many.</summary>
    public int ReclaimExpired(DateTimeOffset now, LeaseFencing fencing)
    {
        if (now < _noReclaimBefore) return 0;
        List<string>? expired = null;
        var next = DateTimeOffset.MaxValue;
        foreach (var (id, lease) in _leases)
        {
            if (lease.Deadline <= now) (expired ??= []).Add(id);
            else if (fencing == LeaseFencing.Available && now - lease.RenewedAt >= settings.LeaseTtl &&
                     (now - lease.RenewedAt >= 2 * settings.LeaseTtl || !IsUndecided(lease.Holder)))
            {
                (expired ??= []).Add(id);
                ReclaimedUnrenewed++;
            }
            else if (EarliestReclaim(lease) is var at && at < next) next = at;
        }
        _noReclaimBefore = next;
        return End(expired);
    }

    private void Add(string leaseId, ActiveLease lease)
    {
        _leases[leaseId] = lease;
        if (EarliestReclaim(lease) is var at && at < _noReclaimBefore) _noReclaimBefore = at;
    }

    /// <summary>The first moment <paramref name="lease"/> could be reclaimed, whatever the fencing and the holder's state.</summary>
    private DateTimeOffset EarliestReclaim(ActiveLease lease)
    {
        var unrenewed = lease.RenewedAt + settings.LeaseTtl;
        return lease.Deadline < unrenewed ? lease.Deadline : unrenewed;
    }

    /// <summary>
    /// This incarnation did not run from <paramref name="lastLook"/> to <paramref name="now"/> (its node froze, or
    /// starved): the renewals its holders sent meanwhile are still on their way, so the leases renewed before that
    /// get the time back instead of being reclaimed the moment it resumes. Returns how many.
    /// </summary>
    public int CreditPause(DateTimeOffset lastLook, DateTimeOffset now)
    {
        var credited = 0;
        foreach (var lease in _leases.Values)
            if (lease.RenewedAt <= lastLook)
            {
                lease.RenewedAt += now - lastLook;
                credited++;
            }
        return credited;
    }

    private int End(List<string>? ids)
    {
        if (ids is null) return 0;
        foreach (var id in ids)
        {
            if (RemoveLease(id, out var lease) && lease!.IsProbe) _breaker.ProbeAbandoned();
            RememberEnded(id);
        }
        _sequence++;
        return ids.Count;
    }

    private void RememberEnded(string leaseId) => _ended.Add(leaseId, clock.GetUtcNow());

    /// <summary>Every removal goes through here, so the count of idle spares stays true.</summary>
    private bool RemoveLease(string leaseId, out ActiveLease? lease)
    {
        if (!_leases.Remove(leaseId, out lease)) return false;
        if (lease.IsSpare) _lentSpares--;
        if (lease.IsSpare && !lease.InUse) _idleSpares--;
        return true;
    }

    /// <summary>
    /// Lends <paramref name="holder"/> up to <paramref name="wanted"/> spare leases, each a slot counted against the cap
    /// from now on, which the holder's routers grant requests on without asking. Only in the lower half of the cap and
    /// only when nothing else could refuse (available fencing, breaker closed, not drained, the provider not out; rpm
    /// and tpm are lent apart, <see cref="LendAllowance"/>): near the cap every request is decided here again, one at a
    /// time, so slots go to whoever asks rather than to whoever borrowed first.
    /// </summary>
    /// <param name="lifetime">How long a spare may live: a request's longest lease plus how long it may wait unused.</param>
    public List<string> Lend(string holder, int wanted, EndpointDefinition? definition, TimeSpan lifetime, out DateTimeOffset expiresAt)
    {
        var now = clock.GetUtcNow();
        expiresAt = now + lifetime;
        var lent = new List<string>();
        if (!MayLend(definition, now)) return lent;
        var room = LendingLimit(definition!.MaxInFlight!.Value) - _leases.Count;
        for (var i = 0; i < Math.Min(wanted, room); i++)
        {
            var id = Guid.NewGuid().ToString("N");
            Add(id, new ActiveLease(now, expiresAt, 0, false, holder, now, isSpare: true) { InUse = false });
            _idleSpares++;
            _lentSpares++;
            lent.Add(id);
        }
        if (lent.Count > 0) _sequence++;
        return lent;
    }

    /// <summary>
    /// Whether this endpoint would grant a request with nothing capped: its breaker closed, the provider not out of
    /// requests or tokens (a drain reaches routers in the directory). Routers grant an uncapped endpoint without asking
    /// on what its snapshot says of the same (<c>LocalGrants</c>).
    /// </summary>
    public bool RefusesNothingUncapped(DateTimeOffset now) => _breaker.State == CircuitState.Closed && _provider.Refusal(now, out _) is null;

    /// <summary>Slots beyond this many taken are never lent: the upper half of the cap is decided request by request.</summary>
    public static int LendingLimit(int maxInFlight) => maxInFlight / 2;

    private bool MayLend(EndpointDefinition? definition, DateTimeOffset now) =>
        definition is { MaxInFlight: not null } && MayLendAnything(definition, now);

    private bool MayLendAnything(EndpointDefinition definition, DateTimeOffset now) =>
        definition is { Fencing: LeaseFencing.Available, Drained: false } &&
        _breaker.Observe(now) == CircuitState.Closed && _provider.Refusal(now, out _) is null;

    /// <summary>
    /// Lends <paramref name="holder"/> part of the rpm/tpm budget (<see cref="RateAllowance"/>): up to
    /// <paramref name="wantedRequests"/> requests and <paramref name="wantedTokens"/> tokens, counted as used from now
    /// on, which the holder's routers grant on without asking. Only below half of each limit, as spares are, so near
    /// a limit every request is decided here; and only when nothing else could refuse. Null when nothing is lent.
    /// </summary>
    public RateAllowance? LendAllowance(int wantedRequests, long wantedTokens, EndpointDefinition? definition, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        if (definition is null || definition.Rpm is null && definition.Tpm is null || !MayLendAnything(definition, now)) return null;
        long requests = wantedRequests, tokens = 0;
        if (definition.Rpm is { } rpm) requests = Math.Min(requests, rpm / 2 - _requests.Total(now));
        if (definition.Tpm is { } tpm) tokens = Math.Min(wantedTokens, tpm / 2 - _tokens.Total(now));
        if (requests <= 0 || definition.Tpm is not null && (tokens < 0 || tokens == 0 && wantedTokens > 0)) return null;
        _requests.Add(now, requests);
        _tokens.Add(now, tokens);
        _sequence++;
        return _allowances.Lend((int)requests, tokens, now, now + lifetime);
    }

    /// <summary>The holder gave these lots back: what is left of them is counted no more.</summary>
    public void ReturnAllowances(IEnumerable<string> lotIds)
    {
        var now = clock.GetUtcNow();
        foreach (var id in lotIds)
            if (_allowances.TryEnd(id, out var left)) Refund(left, now);
    }

    /// <summary>Takes back what is left of lots unused past their expiry by <paramref name="grace"/>; returns how many.</summary>
    public int EndExpiredAllowances(TimeSpan grace)
    {
        var now = clock.GetUtcNow();
        var ended = _allowances.EndExpired(now, grace);
        foreach (var left in ended) Refund(left, now);
        return ended.Count;
    }

    /// <summary>Whether lent budget is outstanding (the sweep keeps running to take it back).</summary>
    public bool HasLentAllowance => !_allowances.IsEmpty;

    private void Refund((DateTimeOffset LentAt, int Requests, long Tokens) left, DateTimeOffset now)
    {
        if (left.Requests == 0 && left.Tokens == 0) return;
        _requests.AddAt(left.LentAt, -left.Requests, now);
        _tokens.AddAt(left.LentAt, -left.Tokens, now);
        _sequence++;
    }

    /// <summary>
    /// The holders to ask for their spares back when another caller (<paramref name="asker"/>) wants a slot: the endpoint
    /// is in the upper half of its cap (or may not lend any more) while others hold spares. Empty otherwise.
    /// </summary>
    public IReadOnlyCollection<string> HoldersToRecall(EndpointDefinition? definition, string asker)
    {
        if (_lentSpares == 0) return []; // the common case, on every acquire: nothing lent, nothing to scan
        if (MayLend(definition, clock.GetUtcNow()) && _leases.Count < LendingLimit(definition!.MaxInFlight!.Value)) return [];
        HashSet<string>? holders = null;
        foreach (var lease in _leases.Values)
            if (lease.IsSpare && lease.Holder != asker) (holders ??= new HashSet<string>(StringComparer.Ordinal)).Add(lease.Holder);
        return holders ?? (IReadOnlyCollection<string>)[];
    }

    /// <summary>The holder gave these spares back: their slots are free.</summary>
    public void ReturnSpares(IEnumerable<string> leaseIds)
    {
        foreach (var id in leaseIds)
            if (_leases.TryGetValue(id, out var lease) && lease.IsSpare)
            {
                RemoveLease(id, out _);
                RememberEnded(id);
                _sequence++;
            }
    }

    public void ApplyDefinition(EndpointDefinition? definition)
    {
        _fencing = definition?.Fencing ?? LeaseFencing.Available;
        var drained = definition?.Drained ?? false;
        if (drained == _drained) return;
        _drained = drained;
        _sequence++;
    }

    public EndpointSnapshot Snapshot(DateTimeOffset now) => Snapshot(now, withHolders: true);

    /// <param name="withHolders">Published snapshots carry the in-flight count and latest deadline per holder (a successor
    /// needs them); the one piggybacked on every refusal does not, so a busy endpoint's refusals allocate no dictionary.</param>
    private EndpointSnapshot Snapshot(DateTimeOffset now, bool withHolders)
    {
        var circuit = _breaker.Observe(now);
        var (inFlightByHolder, latestDeadlineByHolder) = withHolders && _leases.Count > 0 ? ByHolder() : default;
        return _provider.AddTo(new EndpointSnapshot(
            endpointId, _incarnation, _sequence, now, InFlight, _peakInFlight,
            _latency.Stats, _timeToFirstToken.Stats, _lastSampleAt,
            (int)_requests.Total(now), _tokens.Total(now),
            circuit, circuit == CircuitState.Open ? _breaker.OpenUntil : null,
            _breaker.ConsecutiveFailures, _drained, _totalRequests, _totalFailures,
            InFlightByHolder: inFlightByHolder, LatestDeadlineByHolder: latestDeadlineByHolder), now);
    }

    public EndpointSnapshot Snapshot() => Snapshot(clock.GetUtcNow());

    /// <summary>The slots each holder takes and the latest deadline among them, in one pass over the leases.</summary>
    private (Dictionary<string, int> InFlight, Dictionary<string, DateTimeOffset> LatestDeadline) ByHolder()
    {
        var inFlight = new Dictionary<string, int>(StringComparer.Ordinal);
        var latestDeadline = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var lease in _leases.Values)
        {
            inFlight[lease.Holder] = inFlight.GetValueOrDefault(lease.Holder) + 1;
            if (!latestDeadline.TryGetValue(lease.Holder, out var latest) || lease.Deadline > latest) latestDeadline[lease.Holder] = lease.Deadline;
        }
        return (inFlight, latestDeadline);
    }

    private bool TokensWouldExceed(long tpm, int estimated, DateTimeOffset now)
    {
        var used = _tokens.Total(now);
        // A single request larger than the whole budget still goes through on an idle minute.
        return used > 0 && used + estimated > tpm || used >= tpm;
    }

    private void RecordSamples(ReportOutcome outcome, DateTimeOffset now)
    {
        if (outcome.LatencyMs > 0) _latency.Add(outcome.LatencyMs);
        if (outcome.TimeToFirstTokenMs is { } ttft and > 0) _timeToFirstToken.Add(ttft);
        _lastSampleAt = now;
    }

    private LeaseRefused Refuse(AcquireLease request, LeaseRefusalReason reason, TimeSpan? retryAfter, DateTimeOffset now) =>
        new(endpointId, request.LeaseId, reason, retryAfter, Snapshot(now, withHolders: false));

    /// <summary>Refuses without consulting the counts: this node may no longer be the endpoint's authority.</summary>
    public LeaseRefused RefuseWithoutQuorum(AcquireLease request) =>
        Refuse(request, LeaseRefusalReason.NoQuorum, settings.AuthorityTtl, clock.GetUtcNow());
}
