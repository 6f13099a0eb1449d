namespace Router.Messages.Routing;

/// <summary>
/// Releases a lease and feeds the endpoint's latency window, token counters and circuit breaker.
/// Send it to the endpoint region, or to a router which forwards it.
/// </summary>
/// <param name="RetryAfter">An upstream Retry-After (429/503); the endpoint cools down at least this long.</param>
/// <param name="Provider">The provider's own rate-limit headers on this response (<c>x-ratelimit-*</c>), when it sent any.</param>
/// <param name="KeepAsSpare">The lease was a spare lent to the holder node (<see cref="Endpoints.SpareLeases"/>), which
/// keeps it for its next request: the endpoint learns from the outcome and keeps the slot lent, idle.</param>
public sealed record ReportOutcome(
    string EndpointId,
    string LeaseId,
    OutcomeKind Kind,
    double LatencyMs = 0,
    double? TimeToFirstTokenMs = null,
    int PromptTokens = 0,
    int CompletionTokens = 0,
    TimeSpan? RetryAfter = null,
    ProviderRateLimits? Provider = null,
    bool KeepAsSpare = false) : IWithEndpointId;

/// <summary>
/// What an upstream said about its own rate limits on one response (OpenAI's and Azure OpenAI's
/// <c>x-ratelimit-remaining-requests</c>, <c>-remaining-tokens</c>, <c>-reset-requests</c>, <c>-reset-tokens</c>,
/// <c>-limit-requests</c>, <c>-limit-tokens</c>). Null members were not sent. Resets are relative to when the response arrived.
/// </summary>
public sealed record ProviderRateLimits(
    int? RemainingRequests = null,
    long? RemainingTokens = null,
    TimeSpan? ResetRequests = null,
    TimeSpan? ResetTokens = null,
    int? LimitRequests = null,
    long? LimitTokens = null)
{
    public bool IsEmpty => RemainingRequests is null && RemainingTokens is null && LimitRequests is null && LimitTokens is null;
}

public enum OutcomeKind
{
    Success,
    /// <summary>Upstream 4xx other than 429: the caller's fault, not the endpoint's.</summary>
    ClientError,
    /// <summary>The client went away before the upstream answered: release only.</summary>
    Cancelled,
    RateLimited,
    ServerError,
    Timeout,
    ConnectError,
    /// <summary>Granted but never used: its caller had given up before the grant reached it. The endpoint refunds the
    /// request and tokens it charged, so a slow decision does not spend the rpm budget.</summary>
    NotUsed,
}

public static class OutcomeKindExtensions
{
    /// <summary>Outcomes that count towards the endpoint's circuit breaker.</summary>
    public static bool IsEndpointFailure(this OutcomeKind kind) =>
        kind is OutcomeKind.RateLimited or OutcomeKind.ServerError or OutcomeKind.Timeout or OutcomeKind.ConnectError;
}
