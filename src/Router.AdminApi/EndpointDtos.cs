namespace Router.AdminApi;

// The admin API's form of an endpoint's definition and snapshot. They mirror Router.Messages' EndpointDefinition and
// EndpointSnapshot member for member (same names, same order, so the same JSON), but are separate types: the wire
// records are Akka messages, and routerctl must not need Akka to read them. Router.Node maps one to the other
// (Admin/AdminDtoMapping.cs), and its tests check that both serialize to the same JSON.

/// <summary>
/// One endpoint's settings, as <c>POST /admin/router/endpoints</c> takes them and as <see cref="EndpointView"/> shows them.
/// Holds the name of the environment variable with the upstream API key, never the key itself.
/// </summary>
/// <param name="Id">Cluster-wide unique endpoint id.</param>
/// <param name="UpstreamModel">Model name sent upstream; null keeps the client's.</param>
/// <param name="MaxInFlight">Cluster-wide cap on concurrent requests; null is unlimited.</param>
/// <param name="Rpm">Requests per sliding minute; null is unlimited.</param>
/// <param name="Tpm">Tokens per sliding minute; null is unlimited.</param>
/// <param name="Order">Priority tier: lower tiers are used while any of their endpoints can take a request.</param>
/// <param name="ContextWindow">Largest prompt in tokens; null is unknown.</param>
/// <param name="Auth">How the upstream key is sent: "bearer" (null, the default), "api-key" or "none".</param>
/// <param name="ApiVersion">Sent upstream as the <c>api-version</c> query parameter; null sends none.</param>
/// <param name="HeadersFromEnv">Extra upstream headers: header name to the name of the environment variable holding its value.</param>
/// <param name="Fencing">What happens to the slots of a gateway that stopped renewing its leases.</param>
public sealed record EndpointDefinitionDto(
    string Id,
    string ModelGroup,
    string Url,
    string? ApiKeyEnv = null,
    string? UpstreamModel = null,
    int Weight = 1,
    int? MaxInFlight = null,
    int? Rpm = null,
    long? Tpm = null,
    int Order = 0,
    IReadOnlyList<string>? Tags = null,
    int? ContextWindow = null,
    double InputCostPer1KTokens = 0,
    double OutputCostPer1KTokens = 0,
    bool Drained = false,
    string? Auth = null,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? HeadersFromEnv = null,
    LeaseFencingDto Fencing = LeaseFencingDto.Available);

/// <summary>When the slots of a gateway that stopped renewing its leases come back (JSON: the member's name).</summary>
public enum LeaseFencingDto
{
    /// <summary>After the lease TTL.</summary>
    Available,
    /// <summary>Only at the request's deadline, or once the holder is proven gone.</summary>
    Strict,
}

/// <summary>What the endpoint's actor knew about its endpoint at <paramref name="TakenAt"/>.</summary>
/// <param name="Incarnation">Changes when the endpoint's actor restarts (e.g. its shard moved); with <paramref name="Sequence"/> it orders snapshots.</param>
/// <param name="InFlightByHolder">Leases held per holder node (address#uid).</param>
/// <param name="LatestDeadlineByHolder">Per holder node, the latest deadline among its leases.</param>
public sealed record EndpointSnapshotDto(
    string EndpointId,
    long Incarnation,
    long Sequence,
    DateTimeOffset TakenAt,
    int InFlight,
    int PeakInFlight,
    WindowStatsDto Latency,
    WindowStatsDto TimeToFirstToken,
    DateTimeOffset? LastSampleAt,
    int RequestsLastMinute,
    long TokensLastMinute,
    CircuitStateDto Circuit,
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
    IReadOnlyDictionary<string, DateTimeOffset>? LatestDeadlineByHolder = null)
{
    /// <summary>No samples, nothing in flight, breaker closed: what an endpoint nobody has asked about looks like.</summary>
    public static EndpointSnapshotDto Empty(string endpointId) => new(
        endpointId, 0, 0, DateTimeOffset.MinValue, 0, 0, WindowStatsDto.None, WindowStatsDto.None, null,
        0, 0, CircuitStateDto.Closed, null, 0, false, 0, 0);
}

/// <summary>Summary of a sliding sample window, in milliseconds.</summary>
public sealed record WindowStatsDto(int Samples, double MeanMs, double P50Ms, double P95Ms)
{
    public static readonly WindowStatsDto None = new(0, 0, 0, 0);
}

/// <summary>The endpoint's circuit breaker (JSON: the member's name).</summary>
public enum CircuitStateDto
{
    Closed,
    /// <summary>Cooling down: no requests until the cooldown ends.</summary>
    Open,
    /// <summary>Cooldown over: one probe request decides whether the endpoint is healthy again.</summary>
    HalfOpen,
}

/// <summary>How current an endpoint's state in an admin answer is (<see cref="EndpointView.Freshness"/>).</summary>
public static class EndpointFreshness
{
    /// <summary>The endpoint's own actor answered within the deadline: its exact state now.</summary>
    public const string Live = "live";

    /// <summary>The actor did not answer in time although its node is reachable (busy, frozen, its shard moving): the last pushed snapshot.</summary>
    public const string Stale = "stale";

    /// <summary>The actor's node is unreachable from the answering node (or no longer a member): the last pushed snapshot.</summary>
    public const string Unreachable = "unreachable";
}
