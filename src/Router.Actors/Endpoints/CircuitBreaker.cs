using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// Closed until <c>failureThreshold</c> consecutive failures (or an upstream Retry-After) open it;
/// open for the cooldown; then half-open, where one probe request decides: success closes it,
/// failure opens it again. While open or half-open only the probe's outcome moves it: a request granted
/// before the breaker opened says nothing about whether the endpoint has recovered.
/// </summary>
internal sealed class CircuitBreaker(int failureThreshold, TimeSpan cooldown, TimeSpan maxRetryAfter)
{
    public CircuitState State { get; private set; } = CircuitState.Closed;
    public DateTimeOffset? OpenUntil { get; private set; }
    public int ConsecutiveFailures { get; private set; }
    public bool ProbeOut { get; private set; }

    /// <summary>Moves an expired open state to half-open; returns the state at <paramref name="now"/>.</summary>
    public CircuitState Observe(DateTimeOffset now)
    {
        if (State == CircuitState.Open && now >= OpenUntil)
        {
            State = CircuitState.HalfOpen;
            ProbeOut = false;
        }
        return State;
    }

    public void ProbeStarted() => ProbeOut = true;

    /// <summary>The probe ended without a verdict (client gone, lease expired): let another probe go.</summary>
    public void ProbeAbandoned() => ProbeOut = false;

    public void OnSuccess(bool isProbe)
    {
        if (State != CircuitState.Closed && !isProbe) return;
        ConsecutiveFailures = 0;
        State = CircuitState.Closed;
        OpenUntil = null;
        ProbeOut = false;
    }

    /// <param name="retryAfter">An upstream Retry-After: cool down that long (capped), even below the threshold.</param>
    public void OnFailure(DateTimeOffset now, TimeSpan? retryAfter, bool isProbe)
    {
        if (State == CircuitState.HalfOpen && !isProbe) return;
        ConsecutiveFailures++;
        var wait = retryAfter is { } given && given > TimeSpan.Zero ? (given > maxRetryAfter ? maxRetryAfter : given) : (TimeSpan?)null;
        if (State == CircuitState.Open)
        {
            // Already cooling down: a later Retry-After may only lengthen it.
            if (wait is { } longer && now + longer > OpenUntil) OpenUntil = now + longer;
            return;
        }
        if (wait is { } w) Open(now + w);
        else if (State == CircuitState.HalfOpen || ConsecutiveFailures >= failureThreshold) Open(now + cooldown);
    }

    /// <summary>Takes over the state an earlier incarnation published, so a move neither closes nor forgets a cooldown.</summary>
    public void Restore(CircuitState state, DateTimeOffset? openUntil, int consecutiveFailures)
    {
        ConsecutiveFailures = consecutiveFailures;
        if (state == CircuitState.Open && openUntil is { } until) Open(until);
        else if (state == CircuitState.HalfOpen) (State, OpenUntil, ProbeOut) = (CircuitState.HalfOpen, null, false);
    }

    private void Open(DateTimeOffset until)
    {
        State = CircuitState.Open;
        OpenUntil = until;
        ProbeOut = false;
    }
}
