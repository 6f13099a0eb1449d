using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// The bookkeeping of one endpoint: leases, minute counters, sample windows and breaker. Plain code driven by
/// <see cref="EndpointActor"/>, which gives it one message at a time; every grant or refusal is decided
/// here against the exact counts, so caps hold cluster-wide.
/// </summary>
internal sealed class EndpointLedger(string endpointId, EndpointSettings settings, TimeProvider clock)
{
    private readonly Dictionary<string, ActiveLease> _leases = new(StringComparer.Ordinal);
    // Leases released before this incarnation knew them (its shard just moved): a late re-assertion of one
    // of these must not count it again.
    private readonly HashSet<string> _releasedUnknown = new(StringComparer.Ordinal);
    private const int ReleasedUnknownLimit = 10_000;
    private readonly SlidingMinuteCounter _requests = new();
    private readonly SlidingMinuteCounter _tokens = new();
    private readonly SampleWindow _latency = new(settings.LatencyWindowSize);
    private readonly SampleWindow _timeToFirstToken = new(settings.LatencyWindowSize);
    private readonly CircuitBreaker _breaker = new(settings.FailureThreshold, settings.Cooldown);
    private readonly ProviderLimits _provider = new();
    private readonly long _incarnation = clock.GetUtcNow().UtcTicks;
    private long _sequence;
    private int _peakInFlight;
    private DateTimeOffset? _lastSampleAt;
    private long _totalRequests;
    private long _totalFailures;
    private bool _drained;

    private readonly record struct ActiveLease(DateTimeOffset ExpiresAt, int EstimatedTokens, bool IsProbe, string Holder);

    public int InFlight => _leases.Count;

    public object TryAcquire(EndpointDefinition? definition, AcquireLease request)
    {
        var now = clock.GetUtcNow();
        ReclaimExpired(now);
        if (definition is null) return Refuse(request, LeaseRefusalReason.UnknownEndpoint, null, now);
        _drained = definition.Drained;

        if (_leases.TryGetValue(request.LeaseId, out var existing)) // a retried acquire: same answer, no double count
            return new LeaseAcquired(endpointId, request.LeaseId, existing.ExpiresAt, _leases.Count);
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

        var isProbe = circuit == CircuitState.HalfOpen;
        if (isProbe) _breaker.ProbeStarted();
        var expiresAt = now + request.Duration;
        _leases[request.LeaseId] = new ActiveLease(expiresAt, request.EstimatedTokens, isProbe, request.Holder);
        _peakInFlight = Math.Max(_peakInFlight, _leases.Count);
        _requests.Add(now, 1);
        _tokens.Add(now, request.EstimatedTokens);
        _totalRequests++;
        _sequence++;
        return new LeaseAcquired(endpointId, request.LeaseId, expiresAt, _leases.Count);
    }

    /// <summary>Releases the lease (if still held) and learns from the outcome; returns whether the lease was held.</summary>
    public bool Release(ReportOutcome outcome)
    {
        var now = clock.GetUtcNow();
        var held = _leases.Remove(outcome.LeaseId, out var lease);
        if (!held) RememberReleasedUnknown(outcome.LeaseId);
        _provider.Observe(outcome.Provider, now);
        if (held)
        {
            // Replace the estimate with what the upstream actually counted.
            var actualTokens = outcome.PromptTokens + outcome.CompletionTokens;
            if (actualTokens > 0) _tokens.Add(now, actualTokens - lease.EstimatedTokens);
        }

        switch (outcome.Kind)
        {
            case OutcomeKind.Success:
                RecordSamples(outcome, now);
                _breaker.OnSuccess();
                break;
            case var kind when kind.IsEndpointFailure():
                if (kind == OutcomeKind.Timeout) RecordSamples(outcome, now); // a timeout is a (lower-bound) latency too
                _totalFailures++;
                _breaker.OnFailure(now, outcome.RetryAfter);
                break;
            default: // client error or cancelled: says nothing about the endpoint's health
                if (held && lease.IsProbe) _breaker.ProbeAbandoned();
                break;
        }
        _sequence++;
        return held;
    }

    /// <summary>
    /// Takes over leases a live holder still has from an earlier incarnation, so the count converges to the
    /// truth after a shard move; expired, already known or already released leases are skipped. Returns how many were added.
    /// </summary>
    public int Reassert(IEnumerable<HeldLease> leases, string holder = "")
    {
        var now = clock.GetUtcNow();
        var added = 0;
        foreach (var lease in leases)
        {
            if (lease.ExpiresAt <= now || _leases.ContainsKey(lease.LeaseId) || _releasedUnknown.Contains(lease.LeaseId)) continue;
            _leases[lease.LeaseId] = new ActiveLease(lease.ExpiresAt, lease.EstimatedTokens, IsProbe: false, holder);
            added++;
        }
        if (added == 0) return 0;
        _peakInFlight = Math.Max(_peakInFlight, _leases.Count);
        _sequence++;
        return added;
    }

    private void RememberReleasedUnknown(string leaseId)
    {
        if (_releasedUnknown.Count >= ReleasedUnknownLimit) _releasedUnknown.Clear();
        _releasedUnknown.Add(leaseId);
    }

    /// <summary>Drops the leases held through a node that left the cluster (or crashed and was downed); returns how many.</summary>
    public int DropHolder(string holder)
    {
        List<string>? gone = null;
        foreach (var (id, lease) in _leases)
            if (lease.Holder.Length > 0 && lease.Holder == holder) (gone ??= []).Add(id);
        if (gone is null) return 0;
        foreach (var id in gone)
            if (_leases.Remove(id, out var lease) && lease.IsProbe) _breaker.ProbeAbandoned();
        _sequence++;
        return gone.Count;
    }

    /// <summary>Drops leases whose holders never reported; returns how many.</summary>
    public int ReclaimExpired(DateTimeOffset now)
    {
        List<string>? expired = null;
        foreach (var (id, lease) in _leases)
            if (lease.ExpiresAt <= now) (expired ??= []).Add(id);
        if (expired is null) return 0;
        foreach (var id in expired)
        {
            if (_leases.Remove(id, out var lease) && lease.IsProbe) _breaker.ProbeAbandoned();
        }
        _sequence++;
        return expired.Count;
    }

    public void ApplyDefinition(EndpointDefinition? definition)
    {
        var drained = definition?.Drained ?? false;
        if (drained == _drained) return;
        _drained = drained;
        _sequence++;
    }

    public EndpointSnapshot Snapshot(DateTimeOffset now)
    {
        var circuit = _breaker.Observe(now);
        return _provider.AddTo(new EndpointSnapshot(
            endpointId, _incarnation, _sequence, now, _leases.Count, _peakInFlight,
            _latency.Stats, _timeToFirstToken.Stats, _lastSampleAt,
            (int)_requests.Total(now), _tokens.Total(now),
            circuit, circuit == CircuitState.Open ? _breaker.OpenUntil : null,
            _breaker.ConsecutiveFailures, _drained, _totalRequests, _totalFailures), now);
    }

    public EndpointSnapshot Snapshot() => Snapshot(clock.GetUtcNow());

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
        new(endpointId, request.LeaseId, reason, retryAfter, Snapshot(now));
}
