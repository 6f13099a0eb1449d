namespace Router.Messages.Endpoints;

/// <summary>
/// What an <c>EndpointActor</c> knows about its endpoint at one moment. Pushed to every node's
/// cache (batched) and piggybacked on lease answers, so routers rank without asking.
/// </summary>
/// <param name="Incarnation">Changes when the entity restarts (e.g. its shard moved); with
/// <paramref name="Sequence"/> it orders snapshots so a stale one never overwrites a newer.</param>
/// <param name="InFlightByHolder">Leases held per holder (address#uid), so a new incarnation keeps the slots of a
/// holder that cannot answer for them (see <see cref="LeaseFencing"/> for how long).</param>
/// <param name="LatestDeadlineByHolder">Per holder in <paramref name="InFlightByHolder"/>, the latest deadline among its
/// leases: a new incarnation keeps a silent holder's slots no longer than that. Null from a node that does not send it.</param>
/// <param name="PeakInFlight">The most leases held at once since this incarnation started.</param>
/// <param name="ProviderRemainingRequests">What the provider last said was left of its request limit (until its reset), if it says.</param>
/// <param name="ProviderRemainingTokens">What the provider last said was left of its token limit (until its reset), if it says.</param>
/// <param name="ProviderLimitRequests">The provider's request limit, when it sends one.</param>
/// <param name="ProviderLimitTokens">The provider's token limit, when it sends one.</param>
public sealed record EndpointSnapshot(
    string EndpointId,
    long Incarnation,
    long Sequence,
    DateTimeOffset TakenAt,
    int InFlight,
    int PeakInFlight,
    WindowStats Latency,
    WindowStats TimeToFirstToken,
    DateTimeOffset? LastSampleAt,
    int RequestsLastMinute,
    long TokensLastMinute,
    CircuitState Circuit,
    DateTimeOffset? CooldownUntil,
    int ConsecutiveFailures,
    bool Drained,
    long TotalRequests,
    long TotalFailures,
    int? ProviderRemainingRequests = null,
    long? ProviderRemainingTokens = null,
    int? ProviderLimitRequests = null,
    long? ProviderLimitTokens = null,
    IReadOnlyDictionary<string, int>? InFlightByHolder = null,
    IReadOnlyDictionary<string, DateTimeOffset>? LatestDeadlineByHolder = null) : IRouterMessage
{
    public static EndpointSnapshot Empty(string endpointId) => new(
        endpointId, 0, 0, DateTimeOffset.MinValue, 0, 0, WindowStats.None, WindowStats.None, null,
        0, 0, CircuitState.Closed, null, 0, false, 0, 0);

    /// <summary>True when this snapshot is newer than <paramref name="other"/>.</summary>
    public bool Supersedes(EndpointSnapshot? other) =>
        other is null || Incarnation > other.Incarnation ||
        (Incarnation == other.Incarnation && Sequence > other.Sequence);

    /// <summary>Whether the breaker keeps requests away at <paramref name="now"/>.</summary>
    public bool IsCoolingDown(DateTimeOffset now) => Circuit == CircuitState.Open && CooldownUntil > now;
}

/// <summary>Summary of a sliding sample window, in milliseconds.</summary>
public sealed record WindowStats(int Samples, double MeanMs, double P50Ms, double P95Ms)
{
    public static readonly WindowStats None = new(0, 0, 0, 0);
}

public enum CircuitState
{
    Closed,
    /// <summary>Cooling down: no leases until the cooldown ends.</summary>
    Open,
    /// <summary>Cooldown over: one probe lease decides whether the endpoint is healthy again.</summary>
    HalfOpen,
}
