using Router.Messages.Endpoints;

namespace Router.Actors.Endpoints;

/// <summary>
/// Closed until <c>failureThreshold</c> consecutive failures (or an upstream Retry-After) open it;
/// open for the cooldown; then half-open, where one probe request decides: success closes it,
/// failure opens it again.
/// </summary>
internal sealed class CircuitBreaker(int failureThreshold, TimeSpan cooldown)
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

    public void OnSuccess()
    {
        ConsecutiveFailures = 0;
        State = CircuitState.Closed;
        OpenUntil = null;
        ProbeOut = false;
    }

    /// <param name="retryAfter">An upstream Retry-After: cool down exactly that long, even below the threshold.</param>
    public void OnFailure(DateTimeOffset now, TimeSpan? retryAfter)
    {
        ConsecutiveFailures++;
        if (retryAfter is { } wait && wait > TimeSpan.Zero)
            Open(now + wait);
        else if (State == CircuitState.HalfOpen || ConsecutiveFailures >= failureThreshold)
            Open(now + cooldown);
    }

    private void Open(DateTimeOffset until)
    {
        State = CircuitState.Open;
        OpenUntil = until;
        ProbeOut = false;
    }
}
