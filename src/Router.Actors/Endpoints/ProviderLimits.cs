using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Endpoints;

/// <summary>
/// What the endpoint's provider last said about its own rate limits (<c>x-ratelimit-*</c> headers, reported with
/// each outcome). Owned by <see cref="EndpointLedger"/>: while the provider says 0 requests or 0 tokens remain
/// and its reset has not come, the ledger refuses leases, so no node sends a request that would be answered 429.
/// </summary>
/// <remarks>
/// Reports from concurrent requests arrive in any order, so within one window (until its reset) the lowest
/// remaining figure wins: a late report of an earlier response cannot raise it again. After the reset the next
/// report is taken as it is.
/// </remarks>
internal sealed class ProviderLimits
{
    /// <summary>How long a "0 remaining" holds when the provider sent no reset time.</summary>
    internal static readonly TimeSpan DefaultReset = TimeSpan.FromSeconds(1);

    private Figure _requests;
    private Figure _tokens;
    private int? _limitRequests;
    private long? _limitTokens;

    private readonly record struct Figure(long Remaining, DateTimeOffset ResetAt, bool Known)
    {
        public bool ValidAt(DateTimeOffset now) => Known && now < ResetAt;
    }

    public void Observe(ProviderRateLimits? report, DateTimeOffset now)
    {
        if (report is null) return;
        if (report.RemainingRequests is { } requests) _requests = Merge(_requests, requests, report.ResetRequests, now);
        if (report.RemainingTokens is { } tokens) _tokens = Merge(_tokens, tokens, report.ResetTokens, now);
        if (report.LimitRequests is { } limitRequests) _limitRequests = limitRequests;
        if (report.LimitTokens is { } limitTokens) _limitTokens = limitTokens;
    }

    /// <summary>How long until the provider takes requests again, when it said 0 remain; null when it may take one now.</summary>
    public TimeSpan? ExhaustedFor(DateTimeOffset now)
    {
        TimeSpan? wait = null;
        foreach (var figure in (ReadOnlySpan<Figure>)[_requests, _tokens])
        {
            if (!figure.ValidAt(now) || figure.Remaining > 0) continue;
            var left = figure.ResetAt - now;
            if (wait is null || left > wait) wait = left;
        }
        return wait;
    }

    /// <summary>The ledger's check: a refusal while the provider is exhausted, else null.</summary>
    public LeaseRefusalReason? Refusal(DateTimeOffset now, out TimeSpan? retryAfter)
    {
        retryAfter = ExhaustedFor(now);
        return retryAfter is null ? null : LeaseRefusalReason.ProviderExhausted;
    }

    /// <summary>The snapshot with the provider's figures (those still before their reset); the same instance when there are none.</summary>
    public EndpointSnapshot AddTo(EndpointSnapshot snapshot, DateTimeOffset now)
    {
        int? requests = _requests.ValidAt(now) ? (int)Math.Min(int.MaxValue, _requests.Remaining) : null;
        long? tokens = _tokens.ValidAt(now) ? _tokens.Remaining : null;
        if (requests is null && tokens is null && _limitRequests is null && _limitTokens is null) return snapshot;
        return snapshot with
        {
            ProviderRemainingRequests = requests,
            ProviderRemainingTokens = tokens,
            ProviderLimitRequests = _limitRequests,
            ProviderLimitTokens = _limitTokens,
        };
    }

    private static Figure Merge(Figure current, long remaining, TimeSpan? reset, DateTimeOffset now)
    {
        remaining = Math.Max(0, remaining);
        var resetAt = now + (reset is { } r && r > TimeSpan.Zero ? r : DefaultReset);
        if (current.ValidAt(now) && current.Remaining <= remaining) return current; // stale, or nothing new
        return new Figure(remaining, resetAt, true);
    }
}
