namespace Router.Messages.Endpoints;

/// <summary>Router to endpoint: grant one lease or refuse, atomically against the endpoint's caps.</summary>
/// <param name="Duration">How long the lease lives unless released; reclaimed after.</param>
/// <param name="Holder">Cluster address of the node whose caller holds the lease: its leases are dropped
/// when that node is removed from the cluster, so a crashed gateway never keeps capacity.</param>
public sealed record AcquireLease(
    string EndpointId,
    string LeaseId,
    string RequestId,
    TimeSpan Duration,
    int EstimatedTokens = 0,
    string Holder = "") : IWithEndpointId;

/// <summary>Kept small (no full snapshot): it crosses the network once per routing decision.</summary>
public sealed record LeaseAcquired(
    string EndpointId,
    string LeaseId,
    DateTimeOffset ExpiresAt,
    int InFlight) : IRouterMessage;

public sealed record LeaseRefused(
    string EndpointId,
    string LeaseId,
    LeaseRefusalReason Reason,
    TimeSpan? RetryAfter,
    EndpointSnapshot Snapshot) : IRouterMessage;

public enum LeaseRefusalReason
{
    /// <summary>The endpoint is not in this node's directory (yet).</summary>
    UnknownEndpoint,
    AtCapacity,
    RateLimited,
    TokenLimited,
    CoolingDown,
    /// <summary>Half-open breaker: its single probe request is already out.</summary>
    ProbeInFlight,
    Drained,
    /// <summary>The provider's own rate-limit headers said 0 requests or tokens remain, and its reset has not come yet.</summary>
    ProviderExhausted,
}

/// <summary>
/// A new incarnation of an endpoint actor (its shard moved, or the cluster started) asks every member which
/// of its leases on the endpoint are still out, before granting any: caps hold exactly across a move.
/// Answered with <see cref="ReassertLeases"/>.
/// </summary>
public sealed record QueryHeldLeases(string EndpointId) : IRouterMessage;

/// <summary>
/// A member's answer to <see cref="QueryHeldLeases"/>: the leases its callers hold on the endpoint. Leases of
/// a dead node are never re-asserted, so they stop counting.
/// </summary>
public sealed record ReassertLeases(string EndpointId, IReadOnlyList<HeldLease> Leases, string Holder = "") : IWithEndpointId;

public sealed record HeldLease(string LeaseId, DateTimeOffset ExpiresAt, int EstimatedTokens);
